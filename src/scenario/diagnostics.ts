/**
 * Scenario errors: every problem found in a scenario file, each positioned at its file, line
 * and column, so the user can jump straight to it. The loader collects them all before it
 * gives up, so one run shows every mistake.
 */

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
}

/** `file:line:col: error: message`, the form compilers use and editors understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}

export class ScenarioError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ScenarioError';
    this.diagnostics = diagnostics;
  }
}
