/**
 * Positioned diagnostics, one shape for every input nfwalk reads (scenario files, nft text and
 * scripts, `nft -j` JSON, iptables-save), printed the way nft prints its errors:
 *
 *     file:line:col: error: message
 *     <the source line>
 *     <spaces>^^^^
 *
 * The source line and caret are printed when the source text is known (the ruleset front ends
 * keep it); a scenario's diagnostics are the first line alone.
 */

export interface Diagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Optional end (exclusive column on endLine), for the caret underline. */
  endLine?: number;
  endCol?: number;
  message: string;
  severity: 'error' | 'warning';
  /** The kind of error, for tools, when the check that found it has a name. */
  ruleId?: string;
}

/** Marks a DiagnosticError also when it comes from another copy of this module. */
const DIAGNOSTIC_ERROR = Symbol.for('nfwalk.DiagnosticError');

/**
 * Thrown when an input has errors; carries every error found, and the source texts by file
 * path for quoting the offending lines. Its message is every error's first line.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
  readonly [DIAGNOSTIC_ERROR] = true;

  constructor(
    diagnostics: readonly Diagnostic[],
    sources: ReadonlyMap<string, string> = new Map(),
  ) {
    super(diagnostics.length > 0 ? diagnostics.map(headline).join('\n') : 'input error');
    this.name = 'DiagnosticError';
    this.diagnostics = diagnostics;
    this.sources = sources;
  }

  /**
   * `e instanceof DiagnosticError` holds for an error from any copy of this module (the site
   * loads the explainer with a dynamic import, which a bundler may give a module graph of its
   * own); for the subclasses, as usual, only for their own instances.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the class asked about (a subclass or this one) decides
    if (this !== DiagnosticError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && DIAGNOSTIC_ERROR in value;
  }
}

/** A ruleset (nft text, nft JSON, iptables-save) that cannot be read. */
export class RulesetError extends DiagnosticError {
  constructor(diagnostics: readonly Diagnostic[], sources?: ReadonlyMap<string, string>) {
    super(diagnostics, sources);
    this.name = 'RulesetError';
  }
}

/** `file:line:col: error: message`, the form compilers use and editors understand. */
function headline(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** The source line `line` (1-based) of `text`, without its newline. */
function sourceLine(text: string, line: number): string | undefined {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** The quoted source line and the caret line under the diagnostic's columns. */
function excerpt(d: Diagnostic, lineText: string): string {
  const width =
    d.endLine === d.line && d.endCol !== undefined && d.endCol > d.col ? d.endCol - d.col : 1;
  // Keep tabs so the caret lines up under the source text.
  let pad = '';
  for (let i = 0; i < d.col - 1 && i < lineText.length; i++) {
    pad += lineText[i] === '\t' ? '\t' : ' ';
  }
  return `${lineText}\n${pad}${'^'.repeat(Math.max(1, width))}\n`;
}

/** Formats one diagnostic, quoting its line when the source is known. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const lineText = source === undefined ? undefined : sourceLine(source, d.line);
  return `${headline(d)}\n${lineText === undefined ? '' : excerpt(d, lineText)}`;
}

/** Formats every diagnostic, quoting lines from their sources. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string> = new Map(),
): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources.get(d.file))).join('');
}
