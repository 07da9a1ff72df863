import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { scratch, VALID } from './helpers.ts';

let s: ReturnType<typeof scratch>;
beforeAll(() => {
  s = scratch();
});
afterAll(() => s.done());

const lines = VALID.split('\n');
const fragments = [
  '',
  ' ',
  ':',
  '- ',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '&a ',
  '*a',
  '!!int ',
  '!foo ',
  '#',
  '|',
  '>',
  '\t',
  '0',
  '-1',
  '65536',
  '1e400',
  'null',
  '~',
  'true',
  '::',
  '/',
  '10.0.0.1/33',
  '\\x00',
  '\u0000',
  'ß',
  '💥',
  '..',
  '/etc/passwd',
  '../rules.nft',
  'host',
  'default',
  'bridge',
  '? ',
  '<<: *a',
  '---',
  '...',
  '%YAML 1.1',
  'x'.repeat(200),
];

/** One edit of the valid text: delete, duplicate, swap or rewrite a line, or splice a fragment in. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), line: fc.nat(lines.length - 1) }),
  fc.record({ op: fc.constant('duplicate' as const), line: fc.nat(lines.length - 1) }),
  fc.record({
    op: fc.constant('swap' as const),
    line: fc.nat(lines.length - 1),
    other: fc.nat(lines.length - 1),
  }),
  fc.record({
    op: fc.constant('splice' as const),
    line: fc.nat(lines.length - 1),
    at: fc.nat(60),
    text: fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 12 })),
    cut: fc.nat(6),
  }),
  fc.record({
    op: fc.constant('indent' as const),
    line: fc.nat(lines.length - 1),
    by: fc.integer({ min: -4, max: 4 }),
  }),
  fc.record({
    op: fc.constant('value' as const),
    line: fc.nat(lines.length - 1),
    text: fc.oneof(
      fc.constantFrom(...fragments),
      fc.string({ maxLength: 12 }),
      fc.integer().map(String),
    ),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(src: string[], m: Mutation): string[] {
  const out = [...src];
  const line = out[m.line] ?? '';
  switch (m.op) {
    case 'delete':
      out.splice(m.line, 1);
      break;
    case 'duplicate':
      out.splice(m.line, 0, line);
      break;
    case 'swap':
      out[m.line] = out[m.other] ?? '';
      out[m.other] = line;
      break;
    case 'splice': {
      const at = Math.min(m.at, line.length);
      out[m.line] = line.slice(0, at) + m.text + line.slice(at + m.cut);
      break;
    }
    case 'indent':
      out[m.line] =
        m.by >= 0 ? ' '.repeat(m.by) + line : line.replace(new RegExp(`^ {0,${-m.by}}`), '');
      break;
    case 'value': {
      const colon = line.indexOf(': ');
      out[m.line] = colon >= 0 ? `${line.slice(0, colon + 2)}${m.text}` : `${line}${m.text}`;
      break;
    }
  }
  return out;
}

describe('scenario loader under random mutations of a valid scenario', () => {
  it('never crashes or hangs; every refusal is a ScenarioError with positioned diagnostics', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const text = ms.reduce(apply, lines).join('\n');
        const lineCount = text.split('\n').length;
        const started = performance.now();
        try {
          const sc = parseScenario(text, 'x.yaml', s.dir);
          expect(sc.packets.length).toBeGreaterThan(0);
          expect(sc.host.interfaces.length).toBeGreaterThan(0);
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          expect(e.diagnostics.length).toBeGreaterThan(0);
          for (const d of e.diagnostics) {
            expect(d.file).toBe('x.yaml');
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lineCount + 1);
            expect(d.col).toBeGreaterThanOrEqual(1);
            expect(d.message.length).toBeGreaterThan(0);
          }
        }
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 600 },
    );
  });

  it('finds an error in most mutations (the checks are not vacuous)', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 2, maxLength: 4 }), (ms) => {
        try {
          parseScenario(ms.reduce(apply, lines).join('\n'), 'x.yaml', s.dir);
        } catch {
          refused++;
        }
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(refused).toBeGreaterThan(100);
  });
});
