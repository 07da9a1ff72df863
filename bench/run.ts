/**
 * Parser and simulator benchmark on kube-proxy-like rulesets (bench/kube-proxy-gen.ts).
 *
 *   npm run bench [-- --sizes 1000,10000] [-- --runs 5] [-- --no-nft] [-- --no-fast-reject]
 *
 * For each N, in fresh child processes (so peak RSS is that N's alone): the time to parse the
 * listing, the time to trace one conversation whose packet matches the last service (first
 * walk after parsing, and the best of 5 further walks), and the child's peak RSS. Where nft is
 * installed and we are root, `nft -c -f` on the same file in a fresh network namespace is the
 * reference. Each side runs `--runs` times (5 by default), taking turns so that both see the
 * same drift in this machine's speed, and the best run of each is compared. Growth: parse time
 * per rule, which stays flat when parsing is linear.
 * Then the same as users run it, as whole processes (bench/whole-process.ts): `nfwalk check` on
 * each N against `nft -c -f`, CPU time, median of `--runs` taking turns; and `nfwalk --version`,
 * wall time, median of `--runs`.
 * `--no-fast-reject` walks with rule evaluation's fast reject off (src/netfilter/expr/fastpath.ts),
 * for a before/after comparison on the same machine at the same time. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastPath } from '../src/netfilter/expr/fastpath.ts';
import { simulate } from '../src/netfilter/simulate.ts';
import { parseRuleset } from '../src/ruleset/load.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { kubeProxyRuleset, kubeProxyScenario } from './kube-proxy-gen.ts';
import { checkCpuMs, commandMs, versionWallMs } from './whole-process.ts';

interface ChildResult {
  parseMs: number;
  firstTraceMs: number;
  traceMs: number;
  /** The same walks' best CPU time (user + system, all threads): steadier on a busy machine. */
  traceCpuMs: number;
  maxRssMb: number;
  rules: number;
  lastRule: string;
}

function child(scenarioFile: string, fastReject: boolean): void {
  fastPath.enabled = fastReject;
  const scenario = loadScenario(scenarioFile);
  const text = readFileSync(scenario.ruleset.resolved, 'utf8');
  const t0 = performance.now();
  const ruleset = parseRuleset(text, 'nft', scenario.ruleset.path);
  const parseMs = performance.now() - t0;
  const rules = ruleset.tables.reduce(
    (n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0),
    0,
  );
  const t1 = performance.now();
  const first = simulate(scenario, ruleset);
  const firstTraceMs = performance.now() - t1;
  let traceMs = Number.POSITIVE_INFINITY;
  let traceCpuMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    simulate(scenario, ruleset);
    const used = process.cpuUsage(cpu);
    traceMs = Math.min(traceMs, performance.now() - t);
    traceCpuMs = Math.min(traceCpuMs, (used.user + used.system) / 1000);
  }
  // The walk must really have reached the last service's chain: otherwise the timing is of
  // a different walk.
  const events = first.conversations[0]?.packets[0]?.events ?? [];
  const jump = events.find((e) => e.type === 'rule' && e.chain === 'services');
  const dnat = events.find((e) => e.type === 'rule' && e.chain.startsWith('svc_'));
  if (!jump || !dnat || jump.type !== 'rule') {
    throw new Error(
      `the walk did not reach the last service: ${JSON.stringify(events.slice(0, 6))}`,
    );
  }
  const result: ChildResult = {
    parseMs,
    firstTraceMs,
    traceMs,
    traceCpuMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rules,
    lastRule: `services #${jump.index} → ${jump.verdict}`,
  };
  process.stdout.write(JSON.stringify(result));
}

/** Why `nft -c` cannot be the reference here, or undefined when it can. */
function nftUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('nft', ['--version']).status !== 0) return 'nft not installed';
  return undefined;
}

/** One `nft -c -f file` in the namespace, in ms. */
function nftCheckMs(ns: string, file: string): number {
  const t = performance.now();
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', file], { stdio: 'inherit' });
  return performance.now() - t;
}

/** One parse-and-walk in a fresh process (so peak RSS is that N's alone). */
function runChild(yaml: string, fastReject: boolean): ChildResult {
  const out = execFileSync(
    process.execPath,
    [import.meta.filename, '--child', yaml, ...(fastReject ? [] : ['--no-fast-reject'])],
    { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out) as ChildResult;
}

function main(): void {
  const args = process.argv.slice(2);
  const sizesArg = args.indexOf('--sizes');
  const sizes =
    sizesArg >= 0
      ? (args[sizesArg + 1] ?? '').split(',').map(Number)
      : [1_000, 10_000, 50_000, 100_000];
  const withNft = !args.includes('--no-nft');
  const fastReject = !args.includes('--no-fast-reject');
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
  const dir = mkdtempSync(join(tmpdir(), 'nfwalk-bench-'));
  const rows: string[][] = [];
  const whole: [number, { nfwalk: number; nft?: number }][] = [];
  try {
    for (const n of sizes) {
      const nft = join(dir, `kube-${n}.nft`);
      writeFileSync(nft, kubeProxyRuleset(n));
      const yaml = join(dir, `kube-${n}.yaml`);
      writeFileSync(yaml, kubeProxyScenario(n, nft));
      // Each side RUNS times, taking turns (this machine's speed drifts), best of each:
      // the same rule for nfwalk and for nft.
      let r: ChildResult | undefined;
      let ref: number | string = withNft
        ? (nftUnavailable() ?? Number.POSITIVE_INFINITY)
        : 'skipped';
      const ns = `nfwbench${process.pid}`;
      if (typeof ref === 'number') execFileSync('ip', ['netns', 'add', ns]);
      try {
        for (let k = 0; k < runs; k++) {
          const c = runChild(yaml, fastReject);
          if (!r) r = c;
          else {
            r.parseMs = Math.min(r.parseMs, c.parseMs);
            r.firstTraceMs = Math.min(r.firstTraceMs, c.firstTraceMs);
            r.traceMs = Math.min(r.traceMs, c.traceMs);
            r.traceCpuMs = Math.min(r.traceCpuMs, c.traceCpuMs);
            r.maxRssMb = Math.max(r.maxRssMb, c.maxRssMb);
          }
          if (typeof ref === 'number') ref = Math.min(ref, nftCheckMs(ns, nft));
        }
      } finally {
        if (typeof ref === 'number') {
          whole.push([n, checkCpuMs(nft, runs, ns)]);
          execFileSync('ip', ['netns', 'del', ns]);
        } else whole.push([n, checkCpuMs(nft, runs, undefined)]);
      }
      if (!r) throw new Error('--runs must be at least 1');
      const size = statSync(nft).size;
      const lines = readFileSync(nft, 'utf8').split('\n').length - 1;
      rows.push([
        String(n),
        `${(size / 1e6).toFixed(1)} MB / ${lines}`,
        String(r.rules),
        r.parseMs.toFixed(0),
        typeof ref === 'number' ? ref.toFixed(0) : ref,
        typeof ref === 'number' ? (r.parseMs / ref).toFixed(2) : '-',
        ((r.parseMs * 1000) / r.rules).toFixed(2),
        r.firstTraceMs.toFixed(1),
        r.traceMs.toFixed(2),
        r.traceCpuMs.toFixed(2),
        r.maxRssMb.toFixed(0),
      ]);
      console.error(`N=${n}: done (${r.lastRule})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
  printWholeProcess(whole, runs);
}

/** The in-process table: one row per N. */
function printTable(rows: string[][]): void {
  const head = [
    'N',
    'size / lines',
    'rules',
    'parse ms',
    'nft -c ms',
    'nfwalk/nft',
    'parse µs/rule',
    'trace ms (1st)',
    'trace ms (best)',
    'trace cpu ms',
    'peak RSS MB',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(
    '\ntargets at N = 50,000: parse ≤ 1/3 of nft -c, trace < 10 ms, peak RSS < 600 MB; µs/rule flat in N',
  );
}

/** Issue #18's targets for the whole processes. */
const CHECK_TARGET = { n: 50_000, ratio: 0.33 };
const VERSION_TARGET_MS = 150;

/** The whole-process table: what a user running the commands pays, against issue #18's targets. */
function printWholeProcess(
  whole: [number, { nfwalk: number; nft?: number }][],
  runs: number,
): void {
  console.log(`\nwhole processes, median of ${runs} taking turns (CPU = user + system):`);
  console.log('| N | nfwalk check cpu ms | nft -c -f cpu ms | nfwalk/nft |');
  console.log('|---|---|---|---|');
  for (const [n, w] of whole) {
    const ratio = w.nft ? (w.nfwalk / w.nft).toFixed(2) : '-';
    console.log(`| ${n} | ${w.nfwalk.toFixed(0)} | ${w.nft?.toFixed(0) ?? 'skipped'} | ${ratio} |`);
  }
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const at = whole.find(([n]) => n === CHECK_TARGET.n)?.[1];
  if (at?.nft) {
    const ratio = at.nfwalk / at.nft;
    console.log(
      `nfwalk check at N = ${CHECK_TARGET.n}: ${ratio.toFixed(2)} × nft -c -f CPU (target ≤ ${CHECK_TARGET.ratio}: ${met(ratio <= CHECK_TARGET.ratio)})`,
    );
  } else {
    console.log(
      `nfwalk check at N = ${CHECK_TARGET.n}: not measured against nft (target ≤ ${CHECK_TARGET.ratio} × nft -c -f CPU; needs root, nft and that N in --sizes)`,
    );
  }
  const version = versionWallMs(runs);
  console.log(
    `nfwalk --version: ${version.toFixed(0)} ms wall (target ≤ ${VERSION_TARGET_MS}: ${met(version <= VERSION_TARGET_MS)})`,
  );
  // A command readers run most, on the seed scenario: start-up is most of what it costs.
  const seed = fileURLToPath(
    new URL('../scenarios/seed-docker-firewalld-radius.yaml', import.meta.url),
  );
  const trace = commandMs(['trace', seed], runs);
  console.log(
    `nfwalk trace on the seed scenario: ${trace.cpuMs.toFixed(0)} ms CPU, ${trace.wallMs.toFixed(0)} ms wall`,
  );
  // These figures are CPU or wall time on a machine other work shares: say how busy it was.
  console.log(
    `load average while measured: ${loadavg()[0]?.toFixed(2)} (1 min), ${cpus().length} cores`,
  );
}

if (process.argv[2] === '--child')
  child(process.argv[3] ?? '', !process.argv.includes('--no-fast-reject'));
else main();
