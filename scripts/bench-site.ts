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
 *    page rewritten, every single file made; an empty NFWALK_ASTRO_CACHE: Astro's content
 *    store rebuilt), then again with the caches that build left
 *    (warm: nothing changed, nothing drawn). The machine's load average is printed before and
 *    after: other work on the machine makes every figure larger. So does the CPU time the
 *    builds used (with their workers and the diagram browser; Linux only), printed beside: on a
 *    shared machine it moves much less than wall time does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * CPU seconds used so far by this process's finished children and theirs (Linux: cutime and
 * cstime of /proc/self/stat, in clock ticks of 1/100 s); undefined elsewhere. Unlike wall time,
 * hardly changed by other work on the machine.
 */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

interface Timing {
  wall: number;
  cpu: number | undefined;
}

function build(scenariosDir: string | undefined, outDir: string, cacheDir: string): Timing {
  const start = performance.now();
  const cpu = childrenCpu();
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
        NFWALK_ASTRO_CACHE: join(cacheDir, 'astro'),
        ...(scenariosDir ? { NFWALK_SCENARIOS: scenariosDir } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const after = childrenCpu();
  return {
    wall: seconds(start),
    cpu: cpu === undefined || after === undefined ? undefined : after - cpu,
  };
}

/** The faster of two timings (by wall time), either missing. */
function best(a: Timing | undefined, b: Timing): Timing {
  return a === undefined || b.wall < a.wall ? b : a;
}

function cpuText(t: Timing | undefined): string {
  return t?.cpu === undefined ? '' : ` (CPU ${t.cpu.toFixed(1)} s)`;
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
  const t: Record<'allCold' | 'allWarm' | 'noneCold' | 'noneWarm', Timing | undefined> = {
    allCold: undefined,
    allWarm: undefined,
    noneCold: undefined,
    noneWarm: undefined,
  };
  for (let i = 0; i < runs; i++) {
    const caches = { all: join(tmp, `cache-all-${i}`), none: join(tmp, `cache-none-${i}`) };
    t.allCold = best(t.allCold, build(undefined, join(tmp, 'all'), caches.all));
    t.allWarm = best(t.allWarm, build(undefined, join(tmp, 'all'), caches.all));
    t.noneCold = best(t.noneCold, build(empty, join(tmp, 'none'), caches.none));
    t.noneWarm = best(t.noneWarm, build(empty, join(tmp, 'none'), caches.none));
  }
  const pages = files.length * langs.length;
  console.log('\nfull builds, seconds of wall time (caches cold / warm):');
  console.log(
    `  every scenario: ${t.allCold?.wall.toFixed(2)}${cpuText(t.allCold)} / ${t.allWarm?.wall.toFixed(2)}${cpuText(t.allWarm)}`,
  );
  console.log(
    `  no scenario:    ${t.noneCold?.wall.toFixed(2)}${cpuText(t.noneCold)} / ${t.noneWarm?.wall.toFixed(2)}${cpuText(t.noneWarm)}`,
  );
  if (pages > 0) {
    console.log(
      `seconds per scenario page (${pages} page(s): ${files.length} scenario(s) × ${langs.length} languages):`,
    );
    for (const name of ['cold', 'warm'] as const) {
      const [all, none] = name === 'cold' ? [t.allCold, t.noneCold] : [t.allWarm, t.noneWarm];
      if (!all || !none) continue;
      const value = (all.wall - none.wall) / pages;
      const budget = BUDGET[name];
      const verdict = value <= budget ? 'within' : 'OVER';
      const cpu =
        all.cpu !== undefined && none.cpu !== undefined
          ? `; CPU ${((all.cpu - none.cpu) / pages).toFixed(3)} s per page`
          : '';
      console.log(
        `  ${name}: ${value.toFixed(3)} s  (budget ≤ ${budget} s: ${verdict}, ${((100 * value) / budget).toFixed(0)}%${cpu})`,
      );
    }
  }
  console.log(`load average at the end: ${load()}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
}
