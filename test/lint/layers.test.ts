/**
 * The layer order README.md states is the one `npm run lint` enforces: in a scratch tree with
 * the project's biome.jsonc, a probe module in every layer imports every other layer, and Biome
 * must refuse exactly the imports upward and sideways; an import cycle (type-only included) must
 * be refused and a chain without one must pass. The probes are new files in a temporary folder,
 * so no file of the project, and no exception the config makes for one, takes part.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const BIOME = join(REPO, 'node_modules/.bin/biome');

/** README.md's layer line, bottom to top: `a → b | c → …`, each layer a list of folders. */
function readmeLayers(): string[][] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith('ruleset → '));
  if (!line) throw new Error('README.md has no layer line starting "ruleset → "');
  return line.split('→').map((layer) => layer.split('|').map((unit) => unit.trim()));
}

/** A unit is a folder of src/ or a module at its top (`pipeline.ts`). */
const isModule = (unit: string) => unit.endsWith('.ts');

/** Where a probe importing every other unit lives: at the folder's top and one level down. */
function probePaths(unit: string): string[] {
  return isModule(unit)
    ? [`src/${unit}`]
    : [`src/${unit}/__layer_probe.ts`, `src/${unit}/nested/__layer_probe.ts`];
}

function targetPath(unit: string): string {
  return isModule(unit) ? `src/${unit}` : `src/${unit}/__layer_target.ts`;
}

function specifier(from: string, to: string): string {
  const rel = relative(dirname(from), to);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

interface Diagnostic {
  rule: string;
  file: string;
  line: number;
}

/** Biome's GitHub reporter: `::error title=lint/…,file=…,line=…,…::message`, one a line. */
function lint(root: string): Diagnostic[] {
  const run = spawnSync(
    BIOME,
    [
      'lint',
      `--config-path=${join(root, 'biome.jsonc')}`,
      '--vcs-enabled=false',
      '--reporter=github',
      '--max-diagnostics=none',
      'src',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const found: Diagnostic[] = [];
  for (const m of run.stdout.matchAll(/^::error title=([^,]+),file=([^,]+),line=(\d+),/gm)) {
    found.push({ rule: m[1] as string, file: relative(root, m[2] as string), line: Number(m[3]) });
  }
  if (found.length === 0) throw new Error(`biome reported nothing:\n${run.stdout}${run.stderr}`);
  return found;
}

describe('the layer order is enforced by the linter', () => {
  const layers = readmeLayers();
  const units = layers.flat();
  const level = new Map(layers.flatMap((layer, i) => layer.map((unit) => [unit, i] as const)));
  let root = '';
  /** Per probe file, the unit each of its lines imports. */
  const probes = new Map<string, string[]>();
  let diagnostics: Diagnostic[] = [];

  const cycle = ['src/packet/__cycle_a.ts', 'src/packet/__cycle_b.ts'];
  const chain = ['src/packet/__chain_a.ts', 'src/packet/__chain_b.ts'];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nfwalk-layers-'));
    // biome.jsonc extends biome.function-length.jsonc: the scratch tree needs both.
    for (const config of ['biome.jsonc', 'biome.function-length.jsonc']) {
      copyFileSync(join(REPO, config), join(root, config));
    }
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    for (const unit of units) {
      if (!isModule(unit)) write(targetPath(unit), 'export const probe = 1;\n');
    }
    for (const unit of units) {
      for (const path of probePaths(unit)) {
        const others = units.filter((u) => u !== unit);
        probes.set(path, others);
        const lines = others.map(
          (u, i) => `import { probe as p${i} } from '${specifier(path, targetPath(u))}';`,
        );
        const names = others.map((_, i) => `p${i}`).join(', ');
        write(path, `${lines.join('\n')}\nexport const probe = [${names}];\n`);
      }
    }
    // a ⇄ b, one way by a type-only import; chain a → b with nothing back.
    write(cycle[0] as string, "import type { B } from './__cycle_b.ts';\nexport type A = B | 1;\n");
    write(cycle[1] as string, "import { a } from './__cycle_a.ts';\nexport const b = a;\n");
    write(chain[0] as string, "import { b } from './__chain_b.ts';\nexport const a = b;\n");
    write(chain[1] as string, 'export const b = 1;\n');
    diagnostics = lint(root);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses every import of a layer above or of a folder beside, and no other', () => {
    const refused = (rule: string) =>
      new Set(diagnostics.filter((d) => d.rule === rule).map((d) => `${d.file}:${d.line}`));
    const restricted = refused('lint/style/noRestrictedImports');
    const expected: string[] = [];
    const actual: string[] = [];
    for (const [path, imported] of probes) {
      const from = units.find((u) => probePaths(u).includes(path)) as string;
      imported.forEach((to, i) => {
        const pair = `${path}: ${to}`;
        if ((level.get(to) as number) >= (level.get(from) as number)) expected.push(pair);
        if (restricted.has(`${path}:${i + 1}`)) actual.push(pair);
      });
    }
    expect(actual.sort()).toEqual(expected.sort());
    // Neither side is empty: some imports are refused, some allowed.
    const all = [...probes.values()].reduce((n, list) => n + list.length, 0);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all);
  });

  it('refuses an import cycle, a type-only import in it included, and passes a chain', () => {
    const cycles = diagnostics.filter((d) => d.rule === 'lint/suspicious/noImportCycles');
    expect(cycles.map((d) => d.file).sort()).toEqual([...cycle].sort());
    expect(diagnostics.filter((d) => chain.includes(d.file))).toEqual([]);
  });
});
