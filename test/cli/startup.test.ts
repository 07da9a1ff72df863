/**
 * A CLI that starts fast: `nfwalk --version` is answered by the shim before any TypeScript is
 * loaded, and a subcommand loads its own work only — `--help` none, `check` the ruleset front
 * end but not the simulator, the explainer, the kernel harness or capture. Observed with
 * Node's module hooks in a fresh process, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { capture } from '../support/io.ts';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'nfwalk.mjs');
const dir = mkdtempSync(join(tmpdir(), 'nfw-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The repository's modules a fresh `nfwalk ARGS` process loads (paths under src/). */
function loadedBy(args: string[]): string[] {
  const probe = `
    import module from 'node:module';
    const seen = new Set();
    module.registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });
    const { run } = await import(${JSON.stringify(join(REPO, 'src', 'cli', 'main.ts'))});
    await run(${JSON.stringify(args)}, { out() {}, err() {} });
    process.stdout.write(JSON.stringify([...seen]));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    cwd: REPO,
  });
  expect(r.status, r.stderr).toBe(0);
  const src = `file://${join(REPO, 'src')}/`;
  return (JSON.parse(r.stdout) as string[])
    .filter((u) => u.startsWith(src))
    .map((u) => u.slice(src.length));
}

describe('the stripped-source cache (bin/strip-cache.mjs)', () => {
  it('keeps each source stripped under its hash, and a run from the cache answers the same', () => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const file = join(dir, 'cached.nft');
    writeFileSync(file, 'table ip t {\n\tchain c {\n\t\tip daddr 10.0.0.1 accept\n\t}\n}\n');
    const runs = [1, 2].map(() =>
      spawnSync(process.execPath, [BIN, 'check', file], {
        encoding: 'utf8',
        // The sources, not the bundle (bin/cli-bundle.mjs, test/cli/bundle.test.ts).
        env: { ...process.env, NFWALK_STRIP_CACHE: join(tmp, 'cache'), NFWALK_NO_BUNDLE: '1' },
      }),
    );
    for (const r of runs) {
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${file}: ok (nft): 1 table(s), 1 chain(s), 1 rule(s)\n`);
    }
    const cache = join(tmp, 'cache');
    const main = readFileSync(join(REPO, 'src', 'cli', 'main.ts'), 'utf8');
    const kept = readFileSync(
      join(cache, `${createHash('sha256').update(main).digest('hex')}.js`),
      'utf8',
    );
    expect(kept).toBe(stripTypeScriptTypes(main, { mode: 'strip' }));
    expect(readdirSync(cache).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(20);
  });
});

describe('nfwalk starts fast', () => {
  it('answers --version and -V from the shim with the version --help reports', async () => {
    const io = capture();
    expect(await run(['--version'], io)).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(io.stdout).toBe(`${pkg.version}\n`);
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [BIN, flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(io.stdout);
    }
  });

  it('runs as installed: executed itself, its #! line starts Node with its options', () => {
    // `npx nfwalk` executes bin/nfwalk.mjs; `env -S` splits the line into node and its options.
    const first = readFileSync(BIN, 'utf8').split('\n')[0];
    expect(first).toMatch(/^#!\/usr\/bin\/env -S node --max-semi-space-size=\d+$/);
    const file = join(dir, 'direct.nft');
    writeFileSync(file, 'table ip t {\n\tchain c {\n\t\tip daddr 10.0.0.400 accept\n\t}\n}\n');
    const env = {
      ...process.env,
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
    };
    const r = spawnSync(BIN, ['check', file], { encoding: 'utf8', env });
    expect(r.stderr).toContain(`${file}:3:12: error:`);
    expect(r.status).toBe(1);
  });

  it('loads no subcommand for --help', () => {
    const loaded = loadedBy(['--help']);
    expect(loaded).toContain('cli/define/check.ts');
    expect(
      loaded.filter((m) => !/^cli\/(define\/|commands\.ts|main\.ts|io\.ts|version\.ts)/.test(m)),
    ).toEqual([]);
  });

  it('loads the ruleset front end for check, and nothing of the simulator or the explainer', () => {
    const file = join(dir, 'small.nft');
    writeFileSync(file, 'table inet t {\n\tchain c {\n\t\ttcp dport 22 accept\n\t}\n}\n');
    const loaded = loadedBy(['check', file]);
    expect(loaded).toContain('cli/commands/check.ts');
    expect(loaded.some((m) => m.startsWith('ruleset/nft/'))).toBe(true);
    expect(
      loaded.filter((m) =>
        /^(netfilter|explain|kernel|capture|scenario|conntrack|routing|bridge|site)\/|^pipeline/.test(
          m,
        ),
      ),
    ).toEqual([]);
  });
});
