/**
 * On a Node.js older than nfwalk needs, `nfwalk` (package.json's bin) and the guard the npm
 * scripts run first stop at once with one line and exit code 2. Run under an older node found
 * on this machine (Debian's /usr/bin/node is 20); skipped, saying why, when there is none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: { nfwalk: string };
  engines: { node: string };
  scripts: Record<string, string>;
  version: string;
};
const BIN = join(REPO, pkg.bin.nfwalk);
const GUARD = join(REPO, 'scripts', 'require-node.mjs');

function version(node: string): number[] | undefined {
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('.').map(Number) : undefined;
}

/** Every `node` on PATH (and the usual places), this process's own excepted. */
function nodesOnMachine(): string[] {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  const seen = new Set([realpathSync(process.execPath)]);
  const found: string[] = [];
  for (const dir of dirs) {
    const node = join(dir, 'node');
    if (!dir || !existsSync(node)) continue;
    const real = realpathSync(node);
    if (seen.has(real)) continue;
    seen.add(real);
    found.push(node);
  }
  return found;
}

const OLD_NODE = nodesOnMachine().find((node) => {
  const v = version(node);
  return v !== undefined && ((v[0] ?? 0) < 22 || (v[0] === 22 && (v[1] ?? 0) < 12));
});
const skipReason = OLD_NODE ? undefined : 'no node older than 22.12 on this machine';
const ONE_LINE =
  /^nfwalk needs Node\.js >= (\d+\.\d+), but this is Node\.js (\S+) \(.+\); install .+\n$/;

describe.skipIf(skipReason !== undefined)(
  `an older Node.js${skipReason ? ` (skipped: ${skipReason})` : ` (${OLD_NODE})`}`,
  () => {
    const old = OLD_NODE as string;
    const oldVersion = (version(old) ?? []).join('.');

    it('nfwalk stops with one line naming both versions and how to get Node 22, exit 2', () => {
      const r = spawnSync(old, [BIN, 'check', 'some.nft'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const m = ONE_LINE.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      // The command runs TypeScript directly: it needs type stripping without a flag.
      expect(m?.[1]).toBe('22.18');
      expect(m?.[2]).toBe(oldVersion);
      expect(r.stderr).toContain('.nvmrc');
    });

    it('the npm scripts’ guard stops with the version package.json asks for, exit 2', () => {
      const r = spawnSync(old, [GUARD], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      const m = ONE_LINE.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m?.[1]).toBe(pkg.engines.node.replace(/^>=\s*/, ''));
      expect(m?.[2]).toBe(oldVersion);
    });
  },
);

describe('on this Node.js', () => {
  it('the guard says nothing and lets the script go on', () => {
    const r = spawnSync(process.execPath, [GUARD], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('nfwalk runs through the plain-JavaScript entry', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('the npm scripts that start vitest or astro run the guard first', () => {
    for (const name of ['test', 'build', 'dev', 'preview']) {
      expect(pkg.scripts[name], name).toMatch(/^node scripts\/require-node\.mjs && /);
    }
    expect(pkg.bin.nfwalk).toMatch(/\.mjs$/);
  });
});
