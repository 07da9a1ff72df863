/**
 * Errors found while reading `nft -j` JSON: every one carries the place in the file.
 *
 * Local stand-in until the shared src/ruleset/diagnostics.ts lands (the text parser's helper
 * writes it); the shape is the same idea: a list of positioned diagnostics in one error.
 */

import type { Span } from '../model.ts';

export interface JsonDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  span: Span;
}

export class NftJsonError extends Error {
  readonly diagnostics: JsonDiagnostic[];
  constructor(diagnostics: JsonDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'NftJsonError';
    this.diagnostics = diagnostics;
  }
}

export function formatDiagnostic(d: JsonDiagnostic): string {
  return `${d.span.file}:${d.span.line}:${d.span.col}: ${d.severity}: ${d.message}`;
}

/** A schema violation at one node; collected by the reader into an NftJsonError. */
export class SchemaError extends Error {
  readonly span: Span;
  constructor(message: string, span: Span) {
    super(message);
    this.name = 'SchemaError';
    this.span = span;
  }
}
