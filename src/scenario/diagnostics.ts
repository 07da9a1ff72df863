/**
 * Scenario errors: every problem found in a scenario file, each positioned at its file, line
 * and column, so the user can jump straight to it. The loader collects them all before it
 * gives up, so one run shows every mistake. The diagnostics and their format are the ones of
 * every input (src/ruleset/diagnostics.ts).
 */
import { type Diagnostic, DiagnosticError } from '../ruleset/diagnostics.ts';

/** A scenario file that cannot be read. */
export class ScenarioError extends DiagnosticError {
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics);
    this.name = 'ScenarioError';
  }
}
