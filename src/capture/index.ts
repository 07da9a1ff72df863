/**
 * `nfwalk capture`: writes a scenario (YAML and its ruleset file) describing the running machine
 * or one of its network namespaces. Reading is sources.ts, turning it into a scenario is
 * scenario.ts; this module names the files, writes them and checks that the scenario loads.
 */
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { inNetns, run } from '../kernel/exec.ts';
import { readRuleset } from '../pipeline-files.ts';
import type { Diagnostic } from '../ruleset/diagnostics.ts';
import { ScenarioError } from '../scenario/diagnostics.ts';
import { parseScenario } from '../scenario/load.ts';
import { buildScenario, type CaptureContext, scenarioYaml } from './scenario.ts';
import { readSources, type Sources } from './sources.ts';

export interface CaptureOptions {
  netns?: string;
  name?: string;
  /** Directory the two files go to (it must exist). */
  outDir: string;
  /** For tests: what was read, instead of reading the machine. */
  sources?: Sources;
  now?: Date;
}

export interface CaptureResult {
  scenarioPath: string;
  rulesetPath: string;
  notes: string[];
  /** Empty when the written scenario loads. */
  diagnostics: readonly Diagnostic[];
}

export class CaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The scenario's name: --name, else the namespace's, else the machine's host name. */
export function scenarioName(opts: { name?: string; netns?: string }): string {
  if (opts.name !== undefined) {
    if (!NAME.test(opts.name))
      throw new CaptureError(
        `--name ${JSON.stringify(opts.name)}: use letters, digits, '.', '_' and '-' (it names the files)`,
      );
    return opts.name;
  }
  const candidate = opts.netns ?? hostname().split('.')[0] ?? '';
  return NAME.test(candidate) ? candidate : 'captured';
}

async function create(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CaptureError(`${path} already exists; not overwritten`);
    if (code === 'ENOENT') throw new CaptureError(`cannot write ${path}: no such directory`);
    throw new CaptureError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export async function capture(opts: CaptureOptions): Promise<CaptureResult> {
  const name = scenarioName(opts);
  if (opts.netns !== undefined && !opts.sources) {
    try {
      await run(inNetns(opts.netns, ['true']));
    } catch {
      throw new CaptureError(
        `cannot enter the network namespace ${JSON.stringify(opts.netns)} (see ip netns list)`,
      );
    }
  }
  const sources = opts.sources ?? (await readSources(opts.netns));
  const date = (opts.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const ctx: CaptureContext = {
    name,
    where: opts.netns !== undefined ? `network namespace ${opts.netns}` : name,
    date,
    rulesetFile: (format) => `${name}.${format === 'nft' ? 'nft' : 'rules'}`,
  };
  const captured = buildScenario(sources, ctx);
  const yamlText = scenarioYaml(captured, ctx);
  const rulesetPath = join(opts.outDir, ctx.rulesetFile(captured.ruleset.format));
  const scenarioPath = join(opts.outDir, `${name}.yaml`);
  await create(rulesetPath, captured.ruleset.text);
  await create(scenarioPath, yamlText);
  let diagnostics: readonly Diagnostic[] = [];
  const notes = [...captured.notes];
  try {
    const sc = parseScenario(yamlText, scenarioPath, opts.outDir);
    try {
      readRuleset(sc);
    } catch (e) {
      const first = String((e as Error).message).split('\n')[0];
      notes.push(`nfwalk cannot read the captured ruleset yet: ${first}`);
    }
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    diagnostics = e.diagnostics;
  }
  return { scenarioPath, rulesetPath, notes, diagnostics };
}
