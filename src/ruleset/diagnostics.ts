/**
 * Positioned diagnostics for ruleset front ends, printed the way nft prints its errors:
 *
 *     file:line:col: error: message
 *     <the source line>
 *     <spaces>^^^^
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
}

/** Thrown by the front ends when the input has errors; carries every error found. */
export class RulesetError extends Error {
  readonly diagnostics: Diagnostic[];
  /** Source texts by file path, for quoting the offending lines. */
  readonly sources: Map<string, string>;
  constructor(diagnostics: Diagnostic[], sources: Map<string, string> = new Map()) {
    const first = diagnostics[0];
    super(
      first
        ? `${first.file}:${first.line}:${first.col}: ${first.severity}: ${first.message}`
        : 'ruleset error',
    );
    this.name = 'RulesetError';
    this.diagnostics = diagnostics;
    this.sources = sources;
  }
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

/** Formats one diagnostic, quoting its line when the source is known. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  let out = `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}\n`;
  const lineText = source === undefined ? undefined : sourceLine(source, d.line);
  if (lineText !== undefined) {
    out += `${lineText}\n`;
    const width =
      d.endLine === d.line && d.endCol !== undefined && d.endCol > d.col ? d.endCol - d.col : 1;
    // Keep tabs so the caret lines up under the source text.
    let pad = '';
    for (let i = 0; i < d.col - 1 && i < lineText.length; i++) {
      pad += lineText[i] === '\t' ? '\t' : ' ';
    }
    out += `${pad}${'^'.repeat(Math.max(1, width))}\n`;
  }
  return out;
}

/** Formats every diagnostic of an error, quoting lines from its sources. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string> = new Map(),
): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources.get(d.file))).join('');
}
