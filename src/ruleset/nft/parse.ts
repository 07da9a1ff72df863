/**
 * The nft text front end proper: `nft list ruleset` listings and `nft -f` scripts into the
 * ruleset model, from text alone (includes come through an IncludeHost), so it runs anywhere.
 */
import { RulesetError } from '../diagnostics.ts';
import { checkLiterals } from '../literal-check.ts';
import type { Ruleset } from '../model.ts';
import { validateJumps } from '../validate.ts';
import { ReadsRulesBack, RuleStream } from './check-stream.ts';
import { type IncludeHost, NftParser, numberRules, type ParseState } from './parser.ts';
import { validateRuleset } from './validate.ts';

/**
 * Parses nft text into the model, reading `include`s through `include` (without it an include
 * is an error). Throws RulesetError with every error found.
 */
export function parseNftText(text: string, file: string, include?: IncludeHost): Ruleset {
  const state = readScript(text, file, include);
  const ruleset = state.ruleset;
  if (state.diagnostics.length === 0) {
    const { diagnostics, graphs } = validateRuleset(ruleset);
    state.diagnostics.push(...diagnostics, ...checkLiterals(ruleset));
    // What the kernel refuses at commit (jumps nesting too deep, loops), on the jump graphs
    // the checks built on their way through the rules.
    if (state.diagnostics.length === 0) state.diagnostics.push(...validateJumps(ruleset, graphs));
  }
  throwFindings(state);
  numberRules(ruleset);
  return ruleset;
}

/** What `nfwalk check` prints of a ruleset that has no error. */
export interface CheckCounts {
  tables: number;
  chains: number;
  rules: number;
}

/**
 * Checks nft text as parseNftText does, with the same errors in the same order, without
 * keeping the rules (check-stream.ts); a script that reads rules back is parsed whole.
 */
export function checkNftText(text: string, file: string, include?: IncludeHost): CheckCounts {
  const stream = new RuleStream();
  let state: ParseState;
  try {
    state = readScript(text, file, include, stream);
    if (state.diagnostics.length === 0) state.diagnostics.push(...stream.finish(state.ruleset));
  } catch (e) {
    if (!(e instanceof ReadsRulesBack)) throw e;
    return countsOf(parseNftText(text, file, include));
  }
  throwFindings(state);
  // Dropped rules keep their places (check-stream.ts): the counts are the model's.
  return countsOf(state.ruleset);
}

function countsOf(rs: Ruleset): CheckCounts {
  const chains = rs.tables.flatMap((t) => t.chains);
  const rules = chains.reduce((n, c) => n + c.rules.length, 0);
  return { tables: rs.tables.length, chains: chains.length, rules };
}

/** The script parsed into a fresh state; `rules`: given each chain's rules as read. */
function readScript(
  text: string,
  file: string,
  include: IncludeHost | undefined,
  rules?: RuleStream,
): ParseState {
  const ruleset: Ruleset = { format: 'nft', files: [{ path: file, text }], tables: [] };
  const state: ParseState = {
    ruleset,
    defines: new Map(),
    diagnostics: [],
    includeStack: [file],
  };
  if (include) state.include = include;
  if (rules) state.rules = rules;
  try {
    new NftParser(text, file, state).parseScript();
  } catch (e) {
    if (e instanceof ReadsRulesBack) throw e;
    // A bug in the parser must still surface as a positioned error, never a stack trace.
    state.diagnostics.push({
      file,
      line: 1,
      col: 1,
      message: `internal parser error: ${(e as Error).message}`,
      severity: 'error',
    });
  }
  return state;
}

/** Throws the state's diagnostics, if any, in source order: files as read, line, column. */
function throwFindings(state: ParseState): void {
  if (state.diagnostics.length === 0) return;
  const ruleset = state.ruleset;
  const order = new Map(ruleset.files.map((f, i) => [f.path, i]));
  state.diagnostics.sort(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col,
  );
  const sources = new Map(ruleset.files.map((f) => [f.path, f.text]));
  throw new RulesetError(state.diagnostics, sources);
}
