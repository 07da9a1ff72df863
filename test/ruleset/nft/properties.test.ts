/**
 * Property tests of the nft front end (fast-check): printing is stable (print∘parse is a
 * fixed point after one step) over corpus files and over generated rules, and mutated corpus
 * files (tokens deleted, inserted, duplicated) never crash or hang the parser: they parse, or
 * fail with positioned errors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import type { Ruleset } from '../../../src/ruleset/model.ts';
import { isNumeric } from '../../../src/ruleset/nft/cursor.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { printRuleset } from '../../../src/ruleset/printer.ts';
import { CORPUS, HAVE_CORPUS, NO_CORPUS_REASON } from './corpus.ts';

function roundTrip(text: string, file: string): { once: string; twice: string } {
  const once = printRuleset(parseNft(text, file));
  const twice = printRuleset(parseNft(once, `${file} (printed)`));
  return { once, twice };
}

function model(rs: Ruleset): unknown {
  return JSON.parse(
    JSON.stringify(rs.tables, (k, v) => (k === 'span' || k === 'text' ? undefined : v)),
  );
}

// ---------------------------------------------------------------------------------------------
// Generated rules

const ipv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((p) => p.join('.'));
const port = fc.integer({ min: 1, max: 65535 }).map(String);
const ifname = fc.constantFrom('"eth0"', '"lo"', '"docker0"', '"br-lan"', '"veth*"');
const markValue = fc
  .integer({ min: 0, max: 0xffff })
  .map((n) => `0x${n.toString(16).padStart(8, '0')}`);
const values: Record<string, fc.Arbitrary<string>> = {
  'ip saddr': ipv4,
  'ip daddr': fc.oneof(
    ipv4,
    fc.tuple(ipv4, fc.integer({ min: 8, max: 32 })).map(([a, l]) => `${a}/${l}`),
  ),
  'tcp dport': port,
  'udp sport': port,
  'th dport': port,
  iifname: ifname,
  oifname: ifname,
  'meta l4proto': fc.constantFrom('tcp', 'udp', 'icmp'),
  'ct state': fc.constantFrom('new', 'established,related', 'invalid', 'untracked'),
  'meta mark': fc
    .integer({ min: 0, max: 0xffff })
    .map((n) => `0x${n.toString(16).padStart(8, '0')}`),
  'icmp type': fc.constantFrom('echo-request', 'echo-reply', 'destination-unreachable'),
};
const key = fc.constantFrom(...Object.keys(values));
const match = key.chain((k) => {
  const v = values[k] as fc.Arbitrary<string>;
  const forms = [v.map((x) => `${k} ${x}`), v.map((x) => `${k} != ${x}`)];
  // Flag lists (`ct state a,b`) do not go inside braces.
  if (k !== 'ct state') {
    forms.push(
      fc.uniqueArray(v, { minLength: 1, maxLength: 4 }).map((vs) => `${k} { ${vs.join(', ')} }`),
    );
  }
  return fc.oneof(...forms);
});
const terminal = fc.constantFrom(
  'accept',
  'drop',
  'return',
  'jump other',
  'goto other',
  'reject',
  'continue',
);
const middle = fc.oneof(
  fc.constant('counter'),
  fc.tuple(fc.nat(1000), fc.nat(100000)).map(([p, b]) => `counter packets ${p} bytes ${b}`),
  fc.constantFrom('log', 'log prefix "x: " level info', 'notrack', 'limit rate 10/second'),
  markValue.map((v) => `meta mark set ${v}`),
);
/**
 * The transport protocols a rule's matches fix: header fields (`udp sport`) and
 * `meta l4proto X`. nft refuses a rule that fixes two ("conflicting protocols specified").
 */
function transportProtocols(matches: string[]): Set<string> {
  const out = new Set<string>();
  for (const m of matches) {
    const header = /^(tcp|udp|icmp) /.exec(m);
    if (header) out.add(header[1] as string);
    const l4 = /^meta l4proto (tcp|udp|icmp)$/.exec(m);
    if (l4) out.add(l4[1] as string);
  }
  return out;
}
const rule = fc
  .tuple(fc.array(match, { maxLength: 3 }), fc.array(middle, { maxLength: 2 }), fc.option(terminal))
  .filter(([m, s, t]) => m.length + s.length + (t ? 1 : 0) > 0)
  .filter(([m]) => transportProtocols(m).size <= 1)
  .map(([m, s, t]) => [...m, ...s, ...(t ? [t] : [])].join(' '));
const ruleset = fc
  .array(rule, { minLength: 1, maxLength: 8 })
  .map(
    (rules) =>
      `table inet t {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n${rules
        .map((r) => `\t\t${r}\n`)
        .join('')}\t}\n\n\tchain other {\n\t}\n}\n`,
  );

describe('print∘parse on generated rules', () => {
  it('prints a generated listing back identical, and parsing the print gives the same model', () => {
    fc.assert(
      fc.property(ruleset, (text) => {
        const rs = parseNft(text, 'gen.nft');
        const printed = printRuleset(rs);
        expect(printed).toBe(text);
        expect(model(parseNft(printed, 'gen2.nft'))).toEqual(model(rs));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Corpus files

function corpusFiles(): string[] {
  if (!HAVE_CORPUS) return [];
  const dumps = readdirSync(join(CORPUS, 'nftables'))
    .filter((f) => f.includes('dumps__'))
    .map((f) => join(CORPUS, 'nftables', f));
  const foomuuri = readdirSync(join(CORPUS, 'foomuuri'))
    .filter((f) => f.endsWith('golden.txt'))
    .map((f) => join(CORPUS, 'foomuuri', f));
  return [...dumps, ...foomuuri];
}

/** Tokens with the whitespace before them, so a mutated file keeps its layout around them. */
function tokens(text: string): string[] {
  return text.match(/\s*(?:"[^"\n]*"|[A-Za-z0-9_.:/\-*]+|.)/g) ?? [];
}

describe.skipIf(!HAVE_CORPUS)('corpus files', () => {
  const files = corpusFiles();
  if (!HAVE_CORPUS) console.warn(`skipping corpus properties: ${NO_CORPUS_REASON}`);

  it('print(parse(print(parse(x)))) == print(parse(x)) for every sampled file', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files), (file) => {
        const { once, twice } = roundTrip(readFileSync(file, 'utf8'), file);
        expect(twice).toBe(once);
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes or hangs on mutated files: they parse, or fail with positioned errors', () => {
    const mutation = fc.record({
      op: fc.constantFrom('delete', 'insert', 'duplicate', 'swap'),
      at: fc.nat(),
      len: fc.integer({ min: 1, max: 4 }),
      token: fc.constantFrom(
        '{',
        '}',
        ';',
        '\n',
        ',',
        ':',
        '.',
        '-',
        '/',
        '@',
        '$x',
        '"',
        'jump',
        'map',
        'set',
        '{ }',
        '*',
        '==',
      ),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (file, muts) => {
          const toks = tokens(readFileSync(file, 'utf8'));
          for (const m of muts) {
            const i = toks.length === 0 ? 0 : m.at % toks.length;
            if (m.op === 'delete') toks.splice(i, m.len);
            else if (m.op === 'insert') toks.splice(i, 0, ` ${m.token}`);
            else if (m.op === 'duplicate') toks.splice(i, 0, ...toks.slice(i, i + m.len));
            else if (toks[i + 1] !== undefined)
              [toks[i], toks[i + 1]] = [toks[i + 1] as string, toks[i] as string];
          }
          const text = toks.join('');
          const t0 = performance.now();
          try {
            const rs = parseNft(text, 'mutant.nft');
            // Whatever parses must print and parse again.
            parseNft(printRuleset(rs), 'mutant-printed.nft');
          } catch (e) {
            if (!(e instanceof RulesetError)) throw e;
            expect(e.diagnostics.length).toBeGreaterThan(0);
            for (const d of e.diagnostics) {
              expect(d.line).toBeGreaterThanOrEqual(1);
              expect(d.col).toBeGreaterThanOrEqual(1);
              expect(d.message).not.toContain('internal parser error');
            }
          }
          expect(performance.now() - t0).toBeLessThan(2000);
        },
      ),
      { numRuns: Number(process.env.NFW_FUZZ_RUNS ?? 1500) },
    );
  });
});

describe('isNumeric', () => {
  it('agrees with nft number syntax, 0x… hex or decimal digits', () => {
    const syntax = /^(0x[0-9a-fA-F]+|\d+)$/;
    const chars = fc.constantFrom(...'0123456789abcdefxXAFg.- ');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 8 }), (cs) => {
        const text = cs.join('');
        expect(isNumeric(text)).toBe(syntax.test(text));
      }),
      { numRuns: 2000 },
    );
  });
});
