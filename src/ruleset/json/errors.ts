/**
 * A schema violation in `nft -j` JSON at one node. The reader collects them (one per
 * ruleset element) into the shared RulesetError (src/ruleset/diagnostics.ts).
 */

import type { Span } from '../model.ts';

export class SchemaError extends Error {
  readonly span: Span;
  constructor(message: string, span: Span) {
    super(message);
    this.name = 'SchemaError';
    this.span = span;
  }
}
