/**
 * `nfwalk new NAME [--from SCENARIO]`: writes NAME.yaml and its ruleset — the minimal template,
 * or a copy of a gallery scenario — checks that the two load and walk as written, and says what
 * to edit next.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from '../io.ts';
import { findSource, type NewScenario, newScenario } from '../new-scenario.ts';

export function newCommand(io: Io, name: string, from: string | undefined): number {
  let source: string | undefined;
  if (from !== undefined) {
    const found = findSource(from);
    if ('error' in found) {
      io.err(`nfwalk new: ${found.error}\n`);
      return EXIT_USAGE;
    }
    source = found.path;
  }
  let files: NewScenario;
  try {
    files = newScenario(name, source);
  } catch (e) {
    return refused(io, e);
  }
  for (const path of [files.scenarioPath, files.rulesetPath]) {
    if (existsSync(path)) {
      io.err(`nfwalk new: ${path} already exists; choose another name or remove it\n`);
      return EXIT_USAGE;
    }
  }
  try {
    writeFileSync(files.rulesetPath, files.rulesetText, { flag: 'wx' });
    writeFileSync(files.scenarioPath, files.scenarioText, { flag: 'wx' });
  } catch (e) {
    io.err(`nfwalk new: cannot write: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  try {
    walk(readSources(scenarioFileSources(files.scenarioPath)));
  } catch (e) {
    return refused(io, e, files.scenarioPath);
  }
  io.out(nextSteps(files));
  return EXIT_OK;
}

function refused(io: Io, e: unknown, scenarioFile?: string): number {
  const why = inputErrorText(e, scenarioFile);
  if (why === undefined) throw e;
  io.err(why);
  return EXIT_FAILED;
}

/** The command that prints a live ruleset in the format of a ruleset file's extension. */
const DUMP: Record<string, string> = {
  '.nft': 'nft list ruleset',
  '.rules': 'iptables-save',
  '.json': 'nft -j list ruleset',
};

/** What was written and what to do with it. */
function nextSteps(f: NewScenario): string {
  return [
    `wrote ${f.scenarioPath} and ${f.rulesetPath} (from ${f.from})`,
    '',
    'Next:',
    `  1. Put your ruleset in ${f.rulesetPath} (\`${DUMP[extname(f.rulesetPath)] ?? DUMP['.nft']} > ${f.rulesetPath}\` on the machine).`,
    `  2. In ${f.scenarioPath}, describe the host (interfaces, routes, sysctl), the machines`,
    '     around it (hosts) and the packets to send; docs/spec/scenario-format.md has every key,',
    '     and editors with the YAML language server check it against the schema named on line 1.',
    `  3. nfwalk trace ${f.scenarioPath}        # the walk, hook by hook`,
    `     nfwalk explain ${f.scenarioPath} -o page.md   # the explainer page`,
    '',
  ].join('\n');
}
