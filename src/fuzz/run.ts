/**
 * One fuzz case from start to end: written out as a scenario and a ruleset, loaded with the
 * project's scenario loader and nft front end, walked by the simulator, run on the kernel
 * (kernel-run.ts) and compared packet by packet.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Difference } from '../kernel/compare.ts';
import type { InfoEvent, Trace } from '../netfilter/trace.ts';
import { readSources, walk } from '../pipeline.ts';
import { scenarioFileSources } from '../pipeline-files.ts';
import { RulesetError } from '../ruleset/diagnostics.ts';
import { ScenarioError } from '../scenario/diagnostics.ts';
import { agreement, differenceKind } from './agreement.ts';
import { type FuzzCase, rulesetText, scenarioText } from './case.ts';
import { runOnKernel } from './kernel-run.ts';

export const RULESET_FILE = 'ruleset.nft';
export const SCENARIO_FILE = 'scenario.yaml';

export type CaseResult =
  | {
      status: 'agree' | 'differ';
      packets: number;
      agreeing: number;
      difference?: Difference;
      kind?: string;
      simulator: Trace;
      kernel: Trace;
    }
  /** The simulator reported a rule or packet it does not model. */
  | { status: 'unsupported'; message: string; simulator: Trace; kernel?: Trace }
  /** nfwalk's scenario loader or nft front end refused the case. */
  | { status: 'invalid'; message: string }
  /** The kernel did not load the ruleset. */
  | { status: 'refused'; message: string }
  /** The kernel run failed otherwise (a timeout, a tool that failed). */
  | { status: 'error'; message: string };

/** Writes the case's scenario and ruleset into `dir`; returns the scenario's path. */
export function writeCase(c: FuzzCase, dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RULESET_FILE), rulesetText(c));
  const file = join(dir, SCENARIO_FILE);
  writeFileSync(file, scenarioText(c, RULESET_FILE));
  return file;
}

export type Simulated =
  | { status: 'ok'; trace: Trace }
  | { status: 'unsupported'; message: string; trace: Trace }
  | { status: 'invalid'; message: string };

/** Loads a written case with the project's loaders and walks it with the simulator. */
export function simulateFile(file: string): Simulated {
  try {
    const { trace } = walk(readSources(scenarioFileSources(file)));
    const unsupported = trace.conversations
      .flatMap((c) => c.packets)
      .flatMap((p) => p.events)
      .find((e): e is InfoEvent => e.type === 'unsupported');
    return unsupported
      ? { status: 'unsupported', message: unsupported.message, trace }
      : { status: 'ok', trace };
  } catch (e) {
    if (e instanceof RulesetError || e instanceof ScenarioError) {
      const d = e.diagnostics[0];
      return {
        status: 'invalid',
        message: d ? `${d.file}:${d.line}:${d.col}: ${d.message}` : e.message,
      };
    }
    throw e;
  }
}

/**
 * `kernelAlways`: run the kernel for a case the simulator reports unsupported too, so its
 * kernel trace can be kept and compared again later (`--keep-traces`, fuzz-recompare).
 */
export async function runCase(
  c: FuzzCase,
  dir: string,
  timeoutMs: number,
  kernelAlways = false,
): Promise<CaseResult> {
  const file = writeCase(c, dir);
  const sim = simulateFile(file);
  if (sim.status === 'invalid') return sim;
  if (sim.status === 'unsupported' && !kernelAlways) return { ...sim, simulator: sim.trace };
  const k = await runOnKernel(file, timeoutMs);
  if (k.kind === 'refused') return { status: 'refused', message: k.message };
  if (k.kind === 'error') return { status: 'error', message: k.message };
  if (sim.status === 'unsupported') return { ...sim, simulator: sim.trace, kernel: k.trace };
  const a = agreement(sim.trace, k.trace);
  const d = a.comparison.difference;
  return {
    status: d ? 'differ' : 'agree',
    packets: a.packets,
    agreeing: a.agreeing,
    ...(d ? { difference: d, kind: differenceKind(d) } : {}),
    simulator: sim.trace,
    kernel: k.trace,
  };
}
