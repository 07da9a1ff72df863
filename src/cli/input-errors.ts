/**
 * How the commands that read a scenario say why its input was refused: the scenario's errors
 * and the ruleset's, each `file:line:col: error: …` (a ruleset's with the line quoted).
 */
import { formatDiagnostics, RulesetError } from '../ruleset/diagnostics.ts';
import { ScenarioError } from '../scenario/diagnostics.ts';

/** The text to print for a refused scenario or ruleset; undefined for any other error. */
export function inputErrorText(e: unknown): string | undefined {
  if (e instanceof ScenarioError) return `${e.message}\n`;
  if (e instanceof RulesetError) return formatDiagnostics(e.diagnostics, e.sources);
  return undefined;
}
