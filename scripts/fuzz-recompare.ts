/**
 * `node scripts/fuzz-recompare.ts DIR`: compares the kernel traces a fuzz run kept
 * (`npm run fuzz:kernel -- --keep-traces --out DIR`) with the simulator as it is now, without
 * running the kernel again: for every DIR/seed-N with a scenario.yaml and a kernel.json, the
 * simulator walks the scenario and the two traces are compared packet by packet. Prints one
 * line per seed that does not agree, then the figures, as fuzz:kernel does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agreement, differenceKind } from '../src/fuzz/agreement.ts';
import { SCENARIO_FILE, simulateFile } from '../src/fuzz/run.ts';
import type { Trace } from '../src/netfilter/trace.ts';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  process.stderr.write(
    'usage: node scripts/fuzz-recompare.ts DIR (a fuzz:kernel --keep-traces --out DIR)\n',
  );
  process.exit(2);
}
const seeds = readdirSync(dir)
  .map((d) => /^seed-(\d+)$/.exec(d)?.[1])
  .filter((s): s is string => s !== undefined)
  .map(Number)
  .sort((a, b) => a - b);
let packets = 0;
let agreeing = 0;
let compared = 0;
const unsupported: number[] = [];
const byKind = new Map<string, number[]>();
for (const seed of seeds) {
  const at = join(dir, `seed-${seed}`);
  if (!existsSync(join(at, 'kernel.json'))) continue;
  const kernel = JSON.parse(readFileSync(join(at, 'kernel.json'), 'utf8')) as Trace;
  const sim = simulateFile(join(at, SCENARIO_FILE));
  if (sim.status === 'invalid') continue;
  if (sim.status === 'unsupported') {
    unsupported.push(seed);
    process.stdout.write(`seed ${seed}: unsupported by the simulator: ${sim.message}\n`);
    continue;
  }
  compared++;
  const a = agreement(sim.trace, kernel);
  packets += a.packets;
  agreeing += a.agreeing;
  const d = a.comparison.difference;
  if (!d) continue;
  const kind = differenceKind(d);
  byKind.set(kind, [...(byKind.get(kind) ?? []), seed]);
  const msg = d.message.replace(/\n\s*/g, ' | ');
  process.stdout.write(
    `seed ${seed}: differ (${a.agreeing}/${a.packets} packets) [${kind}] conversation ${d.conversation}, ${msg}\n`,
  );
}
const pct = packets > 0 ? ((100 * agreeing) / packets).toFixed(2) : '-';
const lines = [
  '',
  `seeds with a kernel trace: ${compared + unsupported.length}; compared: ${compared}; unsupported by the simulator: ${unsupported.length}`,
  `packets compared: ${packets}; agreeing: ${agreeing} (${pct}%)`,
];
for (const [kind, s] of [...byKind].sort((a, b) => b[1].length - a[1].length))
  lines.push(`  ${String(s.length).padStart(4)}  ${kind}: ${s.join(' ')}`);
process.stdout.write(`${lines.join('\n')}\n`);
