/**
 * The command as users run it loads a bundle (bin/cli-bundle.mjs): made on the first run, made
 * again when a source it holds changed, answering exactly as the sources do, and still loading
 * a subcommand's own work only.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'nfwalk.mjs');
const SEED = join(REPO, 'scenarios', 'seed-docker-firewalld-radius.yaml');
const dir = mkdtempSync(join(tmpdir(), 'nfw-bundle-'));
// Inside the checkout, as the bundle's imports of packages need (bin/cli-bundle.mjs).
const cacheRoot = join(REPO, 'node_modules', '.cache');
mkdirSync(cacheRoot, { recursive: true });
const cache = mkdtempSync(join(cacheRoot, 'nfwalk-cli-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

interface Manifest {
  root: string;
  dir: string;
  inputs: [string, number, number][];
  outputs: Record<string, string[]>;
}
const manifest = (): Manifest =>
  JSON.parse(readFileSync(join(cache, 'manifest.json'), 'utf8')) as Manifest;

function nfwalk(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, NFWALK_CLI_CACHE: cache, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled command (bin/cli-bundle.mjs)', () => {
  it('is made on the first run, from every source the command can load, and kept', () => {
    const bad = join(dir, 'bad.nft');
    writeFileSync(bad, 'table ip t {\n\tchain c {\n\t\tip daddr 10.0.0.400 accept\n\t}\n}\n');
    const first = nfwalk(['check', bad]);
    expect(first.stderr).toContain(`${bad}:3:12: error:`);
    const made = manifest();
    const sources = made.inputs.map(([file]) => file);
    expect(sources).toContain('bin/nfwalk.ts');
    expect(sources).toContain('src/cli/commands/check.ts');
    expect(sources).toContain('src/netfilter/simulate.ts');
    expect(sources).toContain('bin/cli-bundle.mjs');
    expect(nfwalk(['check', bad]).stderr).toBe(first.stderr);
    expect(manifest().dir).toBe(made.dir);
  });

  it('answers as the sources do', () => {
    for (const args of [
      ['trace', SEED],
      ['explain', SEED, '--lang', 'ja'],
      ['explain', SEED, '--format', 'html'],
      ['trace', join(dir, 'missing.yaml')],
      ['--help'],
    ]) {
      const bundled = nfwalk(args);
      const sources = nfwalk(args, { NFWALK_NO_BUNDLE: '1' });
      expect(bundled, args.join(' ')).toEqual(sources);
    }
    // Files found beside a module (the templates of `nfwalk new`) are found from the bundle.
    const made = nfwalk(['new', 'first']);
    expect(made.stdout).toContain('wrote first.yaml and first.nft');
    expect(nfwalk(['explain', join(dir, 'first.yaml')]).status).toBe(0);
  });

  it('is made again when a source it holds changed', () => {
    nfwalk(['--help']);
    const before = manifest();
    const stale = { ...before, inputs: before.inputs.map(([f, m, s], i) => [f, i ? m : m - 1, s]) };
    writeFileSync(join(cache, 'manifest.json'), JSON.stringify(stale));
    expect(nfwalk(['--help']).status).toBe(0);
    expect(manifest().dir).not.toBe(before.dir);
    expect(manifest().inputs).toEqual(before.inputs);
  });

  it('loads the ruleset front end for check, and no file holding the simulator or the explainer', () => {
    const probe = join(dir, 'probe.mjs');
    writeFileSync(
      probe,
      `import module from 'node:module';
       const seen = new Set();
       module.registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.add(r.url); return r; } });
       process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen])));`,
    );
    const file = join(dir, 'small.nft');
    writeFileSync(file, 'table inet t {\n\tchain c {\n\t\ttcp dport 22 accept\n\t}\n}\n');
    nfwalk(['check', file]);
    const r = nfwalk(['check', file], {}, ['--import', probe]);
    expect(r.status).toBe(0);
    const urls = JSON.parse(r.stderr.slice(r.stderr.indexOf('LOADED ') + 7)) as string[];
    const { dir: build, outputs } = manifest();
    const loaded = urls
      .filter((u) => u.includes(`/${build}/`))
      .flatMap((u) => outputs[u.slice(u.lastIndexOf('/') + 1)] ?? ['(not in the manifest)']);
    expect(loaded).toContain('src/cli/commands/check.ts');
    expect(loaded.some((m) => m.startsWith('src/ruleset/nft/'))).toBe(true);
    expect(
      loaded.filter((m) =>
        /^src\/(netfilter|explain|kernel|capture|scenario|conntrack|routing|bridge|site)\/|^src\/pipeline/.test(
          m,
        ),
      ),
    ).toEqual([]);
  });
});
