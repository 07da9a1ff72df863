/**
 * Bad input never crashes the reader: whatever the bytes, parseNftJson returns a ruleset or
 * throws a RulesetError whose diagnostics point into the file.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { parseNftJson } from '../../../src/ruleset/json/index.ts';

const seed = readFileSync(new URL('fixtures/kernel-listing.json-nft', import.meta.url), 'utf8');
const pretty = JSON.stringify(JSON.parse(seed), null, 2);

function outcome(text: string): 'ok' | 'error' {
  try {
    parseNftJson(text, 'fuzz.json');
    return 'ok';
  } catch (e) {
    if (!(e instanceof RulesetError)) throw e;
    const lines = text.split('\n').length;
    expect(e.diagnostics.length).toBeGreaterThan(0);
    for (const d of e.diagnostics) {
      expect(d.file).toBe('fuzz.json');
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.line).toBeLessThanOrEqual(lines);
      expect(d.col).toBeGreaterThanOrEqual(1);
    }
    return 'error';
  }
}

describe('nft -j reader on damaged input', () => {
  it('survives random edits of a real listing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: fc.nat(), cut: fc.nat({ max: 8 }), insert: fc.string({ maxLength: 4 }) }),
          { minLength: 1, maxLength: 4 },
        ),
        (edits) => {
          let text = pretty;
          for (const { at, cut, insert } of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + cut);
          }
          outcome(text);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('survives any JSON value in place of a ruleset element, statement or expression', () => {
    const doc = JSON.parse(seed) as { nftables: Record<string, unknown>[] };
    const ruleIndex = doc.nftables.findIndex((o) => 'rule' in o);
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.nat(),
        fc.constantFrom('element', 'statement', 'expression'),
        (v, n, where) => {
          const d = structuredClone(doc);
          if (where === 'element')
            d.nftables.splice(n % d.nftables.length, 0, v as Record<string, unknown>);
          else {
            const r = d.nftables[ruleIndex]!.rule as { expr: unknown[] };
            if (where === 'statement') r.expr[n % r.expr.length] = v;
            else r.expr[0] = { match: { op: '==', left: v, right: v } };
          }
          outcome(JSON.stringify(d, null, 1));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads the undamaged listing', () => {
    expect(outcome(pretty)).toBe('ok');
  });
});
