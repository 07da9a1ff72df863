/**
 * How long the site takes per scenario page.
 *
 *   npm run bench:site [-- --runs N]
 *
 * 1. The explainer on each scenario file, per language (what the content loader calls).
 * 2. Two full builds into temporary folders: with every scenario, and with none; the
 *    difference divided by the number of scenario pages is the build's cost per page.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Lang } from '../src/scenario/model.ts';
import { explainScenario, scenarioFiles } from '../src/site/scenarios.ts';

const root = join(import.meta.dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Math.max(1, Number(process.argv[runsArg + 1]) || 1) : 1;
const langs: Lang[] = ['en', 'ja'];
const files = scenarioFiles(join(root, 'scenarios'));

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function build(scenariosDir: string | undefined, outDir: string): number {
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
        ...(scenariosDir ? { NFWALK_SCENARIOS: scenariosDir } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return seconds(start);
}

console.log(`${files.length} scenario file(s), ${langs.length} languages, ${runs} run(s)\n`);
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
  let withAll = Number.POSITIVE_INFINITY;
  let withNone = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    withAll = Math.min(withAll, build(undefined, join(tmp, 'all')));
    withNone = Math.min(withNone, build(empty, join(tmp, 'none')));
  }
  const pages = files.length * langs.length;
  console.log(`\nfull build with every scenario: ${withAll.toFixed(2)} s`);
  console.log(`full build with no scenario:    ${withNone.toFixed(2)} s`);
  if (pages > 0) {
    console.log(
      `seconds per scenario page: ${((withAll - withNone) / pages).toFixed(3)} (${pages} page(s): ${files.length} scenario(s) × ${langs.length} languages)`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
}
