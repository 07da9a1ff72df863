/**
 * Builds the site twice into two temporary folders and compares them file by file, byte for
 * byte. Exit 0 when identical; otherwise lists the files that differ (and the first differing
 * line of each) and exits 1.
 *
 *   node scripts/determinism.ts [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');

function build(outDir: string): number {
  const start = performance.now();
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir],
    {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return (performance.now() - start) / 1000;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Every file under `dir`, relative to it, sorted. */
function files(dir: string): string[] {
  return walk(dir)
    .map((p) => relative(dir, p))
    .sort();
}

function firstDifference(a: Buffer, b: Buffer): string {
  const la = a.toString('utf8').split('\n');
  const lb = b.toString('utf8').split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      return `line ${i + 1}:\n      - ${(la[i] ?? '').slice(0, 160)}\n      + ${(lb[i] ?? '').slice(0, 160)}`;
    }
  }
  return 'same lines, different bytes';
}

const a = mkdtempSync(join(tmpdir(), 'nfwalk-det-a-'));
const b = mkdtempSync(join(tmpdir(), 'nfwalk-det-b-'));
let status = 0;
try {
  const ta = build(a);
  const tb = build(b);
  const fa = files(a);
  const fb = files(b);
  const onlyA = fa.filter((f) => !fb.includes(f));
  const onlyB = fb.filter((f) => !fa.includes(f));
  const differ: string[] = [];
  for (const f of fa.filter((x) => fb.includes(x))) {
    const ba = readFileSync(join(a, f));
    const bb = readFileSync(join(b, f));
    if (!ba.equals(bb)) differ.push(`  ${f}: ${firstDifference(ba, bb)}`);
  }
  console.log(`builds: ${ta.toFixed(1)} s and ${tb.toFixed(1)} s; ${fa.length} files`);
  if (onlyA.length || onlyB.length || differ.length) {
    status = 1;
    for (const f of onlyA) console.log(`  only in the first build: ${f}`);
    for (const f of onlyB) console.log(`  only in the second build: ${f}`);
    console.log(`${differ.length} file(s) differ:`);
    for (const d of differ) console.log(d);
  } else console.log('identical: every file byte for byte');
} finally {
  if (keep) console.log(`kept: ${a} ${b}`);
  else {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}
process.exit(status);
