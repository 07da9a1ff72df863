/**
 * Jumps the kernel refuses at commit (nft_chain_validate: 16 levels, loops) are refused at
 * load time, positioned at the base chain's rule as nft positions them. Checked against the
 * kernel in a network namespace when root and nft are there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RulesetError } from '../../src/ruleset/diagnostics.ts';
import { parseRuleset } from '../../src/ruleset/load.ts';

function chainOf(n: number, how = 'jump'): string {
  const out = ['table ip nfwdeep {'];
  for (let i = 0; i < n; i++) out.push(`\tchain c${i} {\n\t\t${how} c${i + 1}\n\t}`);
  out.push(`\tchain c${n} {\n\t\taccept\n\t}`);
  out.push(
    '\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tjump c0\n\t}',
  );
  out.push('}');
  return `${out.join('\n')}\n`;
}

const CASES: { name: string; text: string; refused: boolean }[] = [
  {
    name: 'a loop a → b → a reached from a base chain',
    text: 'table ip nfwloop {\n\tchain a {\n\t\tjump b\n\t}\n\tchain b {\n\t\tjump a\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tjump a\n\t}\n}\n',
    refused: true,
  },
  {
    name: 'a goto loop',
    text: 'table ip nfwloop {\n\tchain a {\n\t\tgoto b\n\t}\n\tchain b {\n\t\tgoto a\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tjump a\n\t}\n}\n',
    refused: true,
  },
  {
    name: 'a loop through a vmap',
    text: 'table ip nfwloop {\n\tchain a {\n\t\ttcp dport vmap { 22 : jump a }\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tjump a\n\t}\n}\n',
    refused: true,
  },
  {
    name: 'a loop no base chain reaches',
    text: 'table ip nfwloop {\n\tchain a {\n\t\tjump b\n\t}\n\tchain b {\n\t\tjump a\n\t}\n}\n',
    refused: false,
  },
  { name: '15 levels below the base chain', text: chainOf(14), refused: false },
  { name: '16 levels below the base chain', text: chainOf(15), refused: true },
  { name: '16 levels of gotos', text: chainOf(15, 'goto'), refused: true },
];

function outcome(text: string): { refused: boolean; line?: number; message?: string } {
  try {
    parseRuleset(text, 'nft', 'case.nft');
    return { refused: false };
  } catch (e) {
    if (!(e instanceof RulesetError)) throw e;
    const d = e.diagnostics[0];
    return { refused: true, line: d?.line ?? 0, message: d?.message ?? '' };
  }
}

/** The line of the base chain's `jump` (the last `jump` of the file, in the input chain). */
function baseJumpLine(text: string): number {
  const lines = text.split('\n');
  return lines.findLastIndex((l) => /^\t\tjump (a|c0)$/.test(l)) + 1;
}

describe('jumps the kernel refuses', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.refused ? 'refused at the base chain rule' : 'loads'}`, () => {
      const o = outcome(c.text);
      expect(o.refused).toBe(c.refused);
      if (c.refused) {
        expect(o.line).toBe(baseJumpLine(c.text));
        expect(o.message).toMatch(/Too many links/);
      }
    });
  }
  it('names the loop', () => {
    expect(outcome(CASES[0]!.text).message).toMatch(/\(a loop\): input → a → b → a/);
  });
  it('a wide DAG (50,000 chains under one) is checked in linear time', () => {
    const out = ['table ip nfwwide {', '\tchain svc {'];
    for (let i = 0; i < 50_000; i++) out.push(`\t\tip daddr 10.0.${i >> 8}.${i & 255} jump s${i}`);
    out.push('\t}');
    for (let i = 0; i < 50_000; i++) out.push(`\tchain s${i} {\n\t\tjump t\n\t}`);
    out.push('\tchain t {\n\t\taccept\n\t}');
    out.push(
      '\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n\t\tjump svc\n\t}\n}\n',
    );
    const start = performance.now();
    expect(outcome(out.join('\n')).refused).toBe(false);
    // Parsing dominates; a quadratic check would take minutes.
    expect(performance.now() - start).toBeLessThan(30_000);
  }, 60_000);
});

const kernelSkip =
  process.getuid?.() !== 0
    ? 'not root'
    : spawnSync('nft', ['--version']).status !== 0 || spawnSync('ip', ['-V']).status !== 0
      ? 'nft or ip missing'
      : undefined;

describe.skipIf(kernelSkip !== undefined)(
  `the kernel agrees${kernelSkip ? ` (skipped: ${kernelSkip})` : ''}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfwalk-jumps-'));
    const ns = `nfwjmp${process.pid}`;
    afterAll(() => {
      spawnSync('ip', ['netns', 'del', ns]);
      rmSync(dir, { recursive: true, force: true });
    });
    it('nft -f refuses exactly the cases nfwalk refuses, at the same line', () => {
      execFileSync('ip', ['netns', 'add', ns]);
      for (const [i, c] of CASES.entries()) {
        const file = join(dir, `case${i}.nft`);
        writeFileSync(file, c.text);
        const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', file], { encoding: 'utf8' });
        spawnSync('ip', ['netns', 'exec', ns, 'nft', 'flush', 'ruleset']);
        const kernelRefused = r.status !== 0;
        expect({ name: c.name, refused: kernelRefused }).toEqual({
          name: c.name,
          refused: outcome(c.text).refused,
        });
        if (kernelRefused) {
          expect(r.stderr).toMatch(/Too many links/);
          const line = Number(/\.nft:(\d+):/.exec(r.stderr)?.[1]);
          expect(line).toBe(outcome(c.text).line);
        }
      }
    }, 60_000);
  },
);
