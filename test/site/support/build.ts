/**
 * Build the site once for the browser tests, under a base path (so links that ignore the base
 * break the tests), into test-results/site-dist/. A build newer than every input is reused.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const BASE = '/nfwalk-test/';
export const OUT = join(REPO, 'test-results', 'site-dist');

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

/** What the build depended on besides files: a build made with other settings is not reused. */
function settings(): string {
  return JSON.stringify({ base: BASE, scenarios: process.env.NFWALK_SCENARIOS ?? 'scenarios' });
}

export function siteIsFresh(): boolean {
  const stamp = join(OUT, 'index.html');
  const made = join(OUT, '.nfwalk-build.json');
  if (!existsSync(stamp) || !existsSync(made) || readFileSync(made, 'utf8') !== settings())
    return false;
  const inputs = ['src', 'content', 'scenarios', 'astro.config.mjs', 'package-lock.json'];
  return statSync(stamp).mtimeMs > Math.max(...inputs.map((p) => newest(join(REPO, p))));
}

/**
 * The build's environment: ours without what vitest adds. Vitest exports import.meta.env into
 * process.env (NODE_ENV=test, MODE, DEV, PROD, SSR, BASE_URL); an Astro build that inherits them
 * is a development build with search disabled and language links that ignore the base path.
 */
export function buildEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'MODE',
    'DEV',
    'PROD',
    'SSR',
    'BASE_URL',
    'VITEST',
    'VITEST_MODE',
    'VITEST_POOL_ID',
    'VITEST_WORKER_ID',
    'TEST',
  ]) {
    delete env[key];
  }
  return { ...env, NODE_ENV: 'production', NFWALK_BASE: BASE, ASTRO_TELEMETRY_DISABLED: '1' };
}

/**
 * How long a test file's `beforeAll` may take to get the built site: one build on a loaded
 * two-core machine, plus the wait for another file's build (support/build.ts builds once).
 */
export const BUILD_TIMEOUT = 1_500_000;

const LOCK = `${OUT}.lock`;
/** A lock older than this was left by a run that was killed: a build never takes so long. */
const STALE_LOCK_MS = 20 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Test files run in parallel worker processes; the first to want the site builds it and the
 * others wait for that build instead of starting their own into the same folder (a directory
 * made with mkdir is the lock: creating it is atomic).
 */
function withBuildLock<T>(work: () => T): T {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > STALE_LOCK_MS) {
        rmSync(LOCK, { recursive: true, force: true });
      } else sleepSync(1000);
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Build (or reuse); returns the seconds the build took (0 when reused). */
export function buildSite(): number {
  if (siteIsFresh()) return 0;
  return withBuildLock(() => (siteIsFresh() ? 0 : build()));
}

function build(): number {
  const started = performance.now();
  try {
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', OUT],
      {
        cwd: REPO,
        env: buildEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    const output = `${e.stdout?.toString() ?? ''}\n${e.stderr?.toString() ?? ''}`;
    throw new Error(`the site build failed:\n${output.slice(-6000)}`);
  }
  writeFileSync(join(OUT, '.nfwalk-build.json'), settings());
  return (performance.now() - started) / 1000;
}
