/**
 * The differential fuzzer: `npm run fuzz:kernel -- --seeds 1..200 [--jobs N] [--out DIR]
 * [--shrink]`. Each seed's random scenario (src/fuzz) runs through the simulator and on this
 * kernel (root: network namespaces, nft monitor trace), and is compared packet by packet.
 * One line per seed, then the figures: scenarios, packets compared and agreeing, and the
 * failing seeds by the kind of their first difference. Each failing seed's scenario, ruleset
 * and both traces go to DIR/seed-N (and, with --shrink, the reduced case to DIR/seed-N/shrunk).
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { differenceSignature } from '../src/fuzz/agreement.ts';
import type { FuzzCase } from '../src/fuzz/case.ts';
import { generateCase } from '../src/fuzz/generate.ts';
import { type CaseResult, runCase, simulateFile, writeCase } from '../src/fuzz/run.ts';
import { shrink } from '../src/fuzz/shrink.ts';
import { kernelUnavailable } from '../src/kernel/preflight.ts';

/** `1..200`, `7`, `3,9,12` or a mix: `1..10,15`. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`"${part}": a seed (7) or a range (1..200)`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new InvalidArgumentError(`"${part}": the range runs backwards`);
    for (let s = lo; s <= hi; s++) seeds.push(s);
  }
  return seeds;
}

const positive = (name: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name}: a whole number ≥ 1`);
  return n;
};

interface Options {
  seeds: number[];
  jobs: number;
  out: string;
  shrink?: boolean;
  shrinkRuns: number;
  timeout: number;
  keepTraces?: boolean;
  classic?: boolean;
  /** false with --no-ipv6-policy. */
  ipv6Policy: boolean;
}

const program = new Command('fuzz:kernel')
  .description('random scenarios through the simulator and on this kernel, compared')
  .requiredOption('--seeds <list>', 'seeds: 1..200, 7, or 1..10,15', parseSeeds)
  .option('--jobs <n>', 'seeds run at once (each in namespaces of its own)', positive('--jobs'), 1)
  .option('--out <dir>', "where failing seeds' cases and traces go", 'fuzz-out')
  .option('--shrink', 'reduce each failing case while the same difference persists')
  .option('--shrink-runs <n>', 'kernel runs per shrink at most', positive('--shrink-runs'), 30)
  .option('--timeout <s>', 'seconds per kernel run at most', positive('--timeout'), 120)
  .option(
    '--classic',
    "each seed's case without the widened features (TCP segments, policy routing), as seeds generated before them",
  )
  .option(
    '--no-ipv6-policy',
    "each seed's case without the IPv6 half of policy routing, as seeds were generated before it",
  )
  .option(
    '--keep-traces',
    "keep every seed's case and kernel trace in DIR/seed-N (also of seeds the simulator does not model), for scripts/fuzz-recompare.ts",
  );
program.parse();
const opts = program.opts<Options>();

const why = await kernelUnavailable();
if (why) {
  process.stderr.write(`fuzz:kernel: cannot run on this machine: ${why}\n`);
  process.exit(2);
}

const out = resolve(opts.out);
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'nfwalk-fuzz-'));
const timeoutMs = opts.timeout * 1000;

function oneLine(seed: number, c: FuzzCase, r: CaseResult): string {
  const head = `seed ${seed} (${c.shape}, ${c.packets.length} conversations)`;
  switch (r.status) {
    case 'agree':
      return `${head}: agree (${r.agreeing}/${r.packets} packets)`;
    case 'differ': {
      const d = r.difference!;
      const msg = d.message.replace(/\n\s*/g, ' | ');
      return `${head}: differ (${r.agreeing}/${r.packets} packets) [${r.kind}] conversation ${d.conversation}, ${msg}`;
    }
    case 'unsupported':
      return `${head}: unsupported by the simulator: ${r.message}`;
    case 'invalid':
      return `${head}: refused by nfwalk's loader: ${r.message}`;
    case 'refused':
      return `${head}: refused by the kernel: ${r.message.split('\n').slice(0, 2).join(' ')}`;
    case 'error':
      return `${head}: kernel run failed: ${r.message.split('\n').slice(0, 2).join(' ')}`;
  }
}

function save(dir: string, c: FuzzCase, r: CaseResult): void {
  writeCase(c, dir);
  if ('simulator' in r)
    writeFileSync(join(dir, 'simulator.json'), `${JSON.stringify(r.simulator, null, 2)}\n`);
  if ('kernel' in r && r.kernel)
    writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(r.kernel, null, 2)}\n`);
  const d = 'difference' in r ? r.difference : undefined;
  const text = d
    ? [
        `${r.status} [${'kind' in r ? r.kind : ''}] conversation ${d.conversation}, ${d.message}`,
        'around it, simulator:',
        ...d.context.simulator.map((l) => `    ${l}`),
        'around it, kernel:',
        ...d.context.kernel.map((l) => `    ${l}`),
        ...(d.unsupported.length > 0 ? ['the simulator does not model:', ...d.unsupported] : []),
      ].join('\n')
    : `${r.status}: ${'message' in r ? r.message : ''}`;
  writeFileSync(join(dir, 'difference.txt'), `${text}\n`);
}

async function shrinkSeed(seed: number, c: FuzzCase, r: CaseResult): Promise<string> {
  if (r.status !== 'differ' || !r.difference) return '';
  const target = differenceSignature(r.difference);
  let n = 0;
  const scratch = () => join(work, `seed-${seed}-shrink-${n++}`);
  const result = await shrink(c, target, {
    budget: opts.shrinkRuns,
    valid: (x) => {
      const dir = scratch();
      const ok = simulateFile(writeCase(x, dir)).status === 'ok';
      rmSync(dir, { recursive: true, force: true });
      return ok;
    },
    signature: async (x) => {
      const dir = scratch();
      const res = await runCase(x, dir, timeoutMs);
      rmSync(dir, { recursive: true, force: true });
      return res.status === 'differ' && res.difference
        ? differenceSignature(res.difference)
        : undefined;
    },
  });
  // Run the reduced case once more, to save its traces.
  const final = await runCase(result.case, scratch(), timeoutMs);
  save(join(out, `seed-${seed}`, 'shrunk'), result.case, final);
  const size = (x: FuzzCase) =>
    `${x.tables.length} tables, ${x.tables.reduce((s, t) => s + t.chains.length, 0)} chains, ${x.tables.reduce((s, t) => s + t.chains.reduce((u, ch) => u + ch.rules.length, 0), 0)} rules, ${x.packets.length} conversations`;
  return `  shrunk in ${result.runs} kernel runs${result.exhausted ? ' (budget used up)' : ''} to ${size(result.case)}: ${join(opts.out, `seed-${seed}`, 'shrunk')}`;
}

const results = new Map<number, { c: FuzzCase; r: CaseResult }>();
const queue = [...opts.seeds];
// SIGINT or SIGTERM to this process: no new seed starts; the figures cover the seeds run.
const stop = () => {
  if (queue.length > 0)
    process.stderr.write(`fuzz:kernel: stopping; ${queue.length} seeds not run\n`);
  queue.length = 0;
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
async function worker(): Promise<void> {
  for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
    const c = generateCase(seed, {
      classic: opts.classic ?? false,
      noIpv6Policy: !opts.ipv6Policy,
    });
    const r = await runCase(c, join(work, `seed-${seed}`), timeoutMs, opts.keepTraces);
    results.set(seed, { c, r });
    const record = {
      seed,
      shape: c.shape,
      status: r.status,
      ...('packets' in r ? { packets: r.packets, agreeing: r.agreeing } : {}),
      ...('kind' in r ? { kind: r.kind } : {}),
    };
    appendFileSync(join(out, 'results.jsonl'), `${JSON.stringify(record)}\n`);
    let line = oneLine(seed, c, r);
    if (r.status !== 'agree' || opts.keepTraces) {
      save(join(out, `seed-${seed}`), c, r);
      if (opts.shrink) line += `\n${await shrinkSeed(seed, c, r)}`;
    }
    process.stdout.write(`${line}\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(opts.jobs, queue.length) }, worker));
rmSync(work, { recursive: true, force: true });

const all = [...results.entries()].sort(([a], [b]) => a - b);
const compared = all.filter(([, x]) => x.r.status === 'agree' || x.r.status === 'differ');
const packets = compared.reduce((s, [, x]) => s + ('packets' in x.r ? x.r.packets : 0), 0);
const agreeing = compared.reduce((s, [, x]) => s + ('agreeing' in x.r ? x.r.agreeing : 0), 0);
const count = (status: CaseResult['status']) => all.filter(([, x]) => x.r.status === status).length;
const pct = packets > 0 ? ((100 * agreeing) / packets).toFixed(2) : '-';
const lines = [
  '',
  `seeds: ${all.length}; compared on the kernel: ${compared.length} (agree ${count('agree')}, differ ${count('differ')})`,
  `not compared: unsupported by the simulator ${count('unsupported')}, refused by nfwalk's loader ${count('invalid')}, refused by the kernel ${count('refused')}, kernel run failed ${count('error')}`,
  `packets compared: ${packets}; agreeing: ${agreeing} (${pct}%)`,
];
const byKind = new Map<string, number[]>();
for (const [seed, x] of all) {
  const kind =
    x.r.status === 'differ'
      ? (x.r.kind ?? 'other')
      : x.r.status === 'agree'
        ? undefined
        : x.r.status;
  if (kind) byKind.set(kind, [...(byKind.get(kind) ?? []), seed]);
}
if (byKind.size > 0) lines.push('failing seeds by the first difference:');
for (const [kind, seeds] of [...byKind].sort((a, b) => b[1].length - a[1].length))
  lines.push(`  ${String(seeds.length).padStart(4)}  ${kind}: ${seeds.join(' ')}`);
process.stdout.write(`${lines.join('\n')}\n`);
