/**
 * Inputs built to make a front end slow or deep: each is refused (or accepted) in bounded time
 * with positioned errors, never a stack overflow, a hang or an unpositioned crash. The random
 * mutation fuzzers live with each front end (test/ruleset/nft/properties, test/ruleset/json,
 * test/ruleset/iptables, test/scenario/fuzz); these are the adversarial shapes they rarely hit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RulesetError } from '../../src/ruleset/diagnostics.ts';
import { loadRuleset, parseRuleset, type RulesetFormat } from '../../src/ruleset/load.ts';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { parseScenario } from '../../src/scenario/load.ts';

const LIMIT_MS = 10_000;

function outcome(f: () => unknown): { ok: boolean; ms: number; lines: number[] } {
  const start = performance.now();
  try {
    f();
    return { ok: true, ms: performance.now() - start, lines: [] };
  } catch (e) {
    const ms = performance.now() - start;
    if (e instanceof RulesetError || e instanceof ScenarioError) {
      for (const d of e.diagnostics) {
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.message).not.toMatch(/internal parser error|Maximum call stack/);
      }
      expect(e.diagnostics.length).toBeGreaterThan(0);
      return { ok: false, ms, lines: e.diagnostics.map((d) => d.line) };
    }
    throw e;
  }
}

const head = 'table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n';
const tail = '\t}\n}\n';

const NFT_CASES: [string, string, RulesetFormat][] = [
  ['100,000 nested braces', `${head}\t\tip saddr ${'{ '.repeat(100_000)}\n${tail}`, 'nft'],
  ['100,000 nested parentheses', `${head}\t\tmeta mark ${'('.repeat(100_000)}1\n${tail}`, 'nft'],
  ['a 1 MB word', `${head}\t\t${'a'.repeat(1 << 20)}\n${tail}`, 'nft'],
  ['an unterminated 1 MB string', `${head}\t\tcomment "${'x'.repeat(1 << 20)}\n${tail}`, 'nft'],
  ['a define of itself', `define a = $a\n${head}\t\tip saddr $a accept\n${tail}`, 'nft'],
  [
    'a chain of 10,000 defines',
    `define d0 = 1.2.3.4\n${Array.from({ length: 10_000 }, (_, i) => `define d${i + 1} = $d${i}`).join('\n')}\n${head}\t\tip saddr $d10000 accept\n${tail}`,
    'nft',
  ],
  [
    'a set of 200,000 elements',
    `${head}\t\tip saddr { ${Array.from({ length: 200_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`).join(', ')} } accept\n${tail}`,
    'nft',
  ],
  ['100,000 nested JSON arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'nft-json'],
  [
    '100,000 nested JSON objects',
    `{"nftables":[{"rule":{"expr":[${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]}}]}`,
    'nft-json',
  ],
  [
    'an iptables-save line of 1 MB',
    `*filter\n-A INPUT ${'-m x '.repeat(200_000)}\nCOMMIT\n`,
    'iptables-save',
  ],
];

describe('ruleset front ends on adversarial input', () => {
  for (const [name, text, format] of NFT_CASES) {
    it(`${format}: ${name}`, () => {
      const o = outcome(() => parseRuleset(text, format, `case.${format}`));
      expect(o.ms).toBeLessThan(LIMIT_MS);
    }, 60_000);
  }

  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-bounded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('nft: a file that includes itself, and two that include each other', () => {
    writeFileSync(join(dir, 'self.nft'), `${head}${tail}include "self.nft"\n`);
    writeFileSync(join(dir, 'a.nft'), 'include "b.nft"\n');
    writeFileSync(join(dir, 'b.nft'), 'include "a.nft"\n');
    for (const f of ['self.nft', 'a.nft']) {
      const path = join(dir, f);
      const o = outcome(() => loadRuleset({ format: 'nft', path, root: dir }));
      expect(o.ok).toBe(false);
      expect(o.ms).toBeLessThan(LIMIT_MS);
    }
  });
});

describe('scenario loader on adversarial input', () => {
  const base =
    'title: t\nruleset: r.nft\nhost:\n  interfaces:\n    - name: eth0\n      addresses: [192.0.2.1/24]\nhosts: []\npackets: []\n';
  const cases: [string, string][] = [
    [
      'YAML alias expansion (a billion laughs)',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n${base}`,
    ],
    ['10,000 nested flow sequences', `title: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
    [
      '10,000 nested block mappings',
      Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
    ],
    ['a document over the size limit', `${base}# ${'x'.repeat(2 << 20)}\n`],
    [
      '20,000 packets from an unknown machine',
      `${base.replace('packets: []\n', '')}packets:\n${'  - {from: a, to: 192.0.2.1, protocol: icmp}\n'.repeat(20_000)}`,
    ],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const o = outcome(() => parseScenario(text, 'case.yaml', tmpdir()));
      expect(o.ok).toBe(false);
      expect(o.ms).toBeLessThan(LIMIT_MS);
    }, 60_000);
  }
});
