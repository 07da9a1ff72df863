/**
 * How long the site takes per scenario page.
 *
 *   npm run bench:site [-- --runs N]
 *
 * 1. The explainer on each scenario file, per language (what the content loader calls).
 * 2. Full builds into temporary folders: with every scenario, and with none; the difference
 *    divided by the number of scenario pages is the build's cost per page, printed against the
 *    budget of issue #15 (≤ 1.5 s cold, ≤ 0.5 s warm). Each is built with cold caches (an empty
 *    NFWALK_MERMAID_CACHE: every diagram drawn in Chromium; an empty NFWALK_BUILD_CACHE: every
 *    page rewritten, every single file made), then again with the caches that build left
 *    (warm: nothing changed, nothing drawn). The machine's load average is printed before and
 *    after: other work on the machine makes every figure larger.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Lang } from '../src/scenario/model.ts';
import { explainScenario, scenarioFiles } from '../src/site/scenarios.ts';

const root = join(import.meta.dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1]) || 1) : 1;
const langs: Lang[] = ['en', 'ja'];
/** Issue #15's budget, seconds per scenario page. */
const BUDGET = { cold: 1.5, warm: 0.5 };

function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}
const files = scenarioFiles(join(root, 'scenarios'));

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function build(scenariosDir: string | undefined, outDir: string, cacheDir: string): number {
  const start = performance.now();
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', outDir],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ASTRO_TELEMETRY_DISABLED: '1',
        NFWALK_MERMAID_CACHE: join(cacheDir, 'diagrams'),
        NFWALK_BUILD_CACHE: join(cacheDir, 'build'),
        ...(scenariosDir ? { NFWALK_SCENARIOS: scenariosDir } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return seconds(start);
}

console.log(`${files.length} scenario file(s), ${langs.length} languages, ${runs} run(s)`);
console.log(`load average (1, 5, 15 min) at the start: ${load()}\n`);
console.log('explainer (simulate + explain), seconds per page:');
for (const file of files) {
  const cells: string[] = [];
  for (const lang of langs) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      explainScenario(root, file, lang);
      best = Math.min(best, seconds(start));
    }
    cells.push(`${lang} ${best.toFixed(3)} s`);
  }
  console.log(`  ${basename(file).padEnd(48)} ${cells.join('   ')}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'nfw-bench-'));
const empty = mkdtempSync(join(tmpdir(), 'nfw-bench-empty-'));
try {
  const best = { allCold: Infinity, allWarm: Infinity, noneCold: Infinity, noneWarm: Infinity };
  for (let i = 0; i < runs; i++) {
    const caches = { all: join(tmp, `cache-all-${i}`), none: join(tmp, `cache-none-${i}`) };
    best.allCold = Math.min(best.allCold, build(undefined, join(tmp, 'all'), caches.all));
    best.allWarm = Math.min(best.allWarm, build(undefined, join(tmp, 'all'), caches.all));
    best.noneCold = Math.min(best.noneCold, build(empty, join(tmp, 'none'), caches.none));
    best.noneWarm = Math.min(best.noneWarm, build(empty, join(tmp, 'none'), caches.none));
  }
  const pages = files.length * langs.length;
  console.log('\nfull builds, seconds (caches cold / warm):');
  console.log(`  every scenario: ${best.allCold.toFixed(2)} / ${best.allWarm.toFixed(2)}`);
  console.log(`  no scenario:    ${best.noneCold.toFixed(2)} / ${best.noneWarm.toFixed(2)}`);
  if (pages > 0) {
    const cold = (best.allCold - best.noneCold) / pages;
    const warm = (best.allWarm - best.noneWarm) / pages;
    console.log(
      `seconds per scenario page (${pages} page(s): ${files.length} scenario(s) × ${langs.length} languages):`,
    );
    for (const [name, value] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      const budget = BUDGET[name];
      const verdict = value <= budget ? 'within' : 'OVER';
      console.log(
        `  ${name}: ${value.toFixed(3)} s  (budget ≤ ${budget} s: ${verdict}, ${((100 * value) / budget).toFixed(0)}%)`,
      );
    }
  }
  console.log(`load average at the end: ${load()}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
}
