/**
 * How the commands that read a scenario say why its input was refused: the scenario's errors
 * and the ruleset's, each `file:line:col: error: …` (a ruleset's with the line quoted).
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { type Diagnostic, formatDiagnostics, RulesetError } from '../ruleset/diagnostics.ts';
import { ScenarioError } from '../scenario/diagnostics.ts';

/**
 * The text to print for a refused scenario or ruleset; undefined for any other error. A
 * ruleset's files are named in the scenario relative to its folder; with `scenarioFile` they
 * are printed relative to the current directory instead, so that `file:line:col` opens from
 * where the command ran.
 */
export function inputErrorText(e: unknown, scenarioFile?: string): string | undefined {
  if (e instanceof ScenarioError) return `${e.message}\n`;
  if (!(e instanceof RulesetError)) return undefined;
  if (scenarioFile === undefined) return formatDiagnostics(e.diagnostics, e.sources);
  const shown = (file: string) => fromHere(dirname(scenarioFile), file);
  const diagnostics = e.diagnostics.map((d): Diagnostic => ({ ...d, file: shown(d.file) }));
  const sources = new Map([...e.sources].map(([file, text]) => [shown(file), text]));
  return formatDiagnostics(diagnostics, sources);
}

/** `file`, written relative to `dir`, as a path from the current directory. */
function fromHere(dir: string, file: string): string {
  if (isAbsolute(file)) return file;
  const path = relative(process.cwd(), resolve(dir, file));
  return path === '' ? file : path;
}
