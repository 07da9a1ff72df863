/**
 * The nft text front end proper: `nft list ruleset` listings and `nft -f` scripts into the
 * ruleset model, from text alone (includes come through an IncludeHost), so it runs anywhere.
 */
import { RulesetError } from '../diagnostics.ts';
import { checkLiterals } from '../literal-check.ts';
import type { Ruleset } from '../model.ts';
import { validateJumps } from '../validate.ts';
import { type IncludeHost, NftParser, numberRules, type ParseState } from './parser.ts';
import { validateRuleset } from './validate.ts';

/**
 * Parses nft text into the model, reading `include`s through `include` (without it an include
 * is an error). Throws RulesetError with every error found.
 */
export function parseNftText(text: string, file: string, include?: IncludeHost): Ruleset {
  const ruleset: Ruleset = { format: 'nft', files: [{ path: file, text }], tables: [] };
  const state: ParseState = {
    ruleset,
    defines: new Map(),
    diagnostics: [],
    includeStack: [file],
  };
  if (include) state.include = include;
  try {
    new NftParser(text, file, state).parseScript();
  } catch (e) {
    // A bug in the parser must still surface as a positioned error, never a stack trace.
    state.diagnostics.push({
      file,
      line: 1,
      col: 1,
      message: `internal parser error: ${(e as Error).message}`,
      severity: 'error',
    });
  }
  if (state.diagnostics.length === 0) {
    const { diagnostics, graphs } = validateRuleset(ruleset);
    state.diagnostics.push(...diagnostics, ...checkLiterals(ruleset));
    // What the kernel refuses at commit (jumps nesting too deep, loops), on the jump graphs
    // the checks built on their way through the rules.
    if (state.diagnostics.length === 0) state.diagnostics.push(...validateJumps(ruleset, graphs));
  }
  if (state.diagnostics.length > 0) {
    // In source order: files as read, then line and column.
    const order = new Map(ruleset.files.map((f, i) => [f.path, i]));
    state.diagnostics.sort(
      (a, b) =>
        (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col,
    );
    const sources = new Map(ruleset.files.map((f) => [f.path, f.text]));
    throw new RulesetError(state.diagnostics, sources);
  }
  numberRules(ruleset);
  return ruleset;
}
