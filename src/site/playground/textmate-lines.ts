/**
 * The project's TextMate grammars (src/site/grammars/, what Shiki colours the listings with)
 * run line by line, for the playground's ruleset editor: each line comes out as segments with
 * the innermost scope TextMate gives them. It is the part of TextMate these grammars use —
 * `match` with `name`/`captures`, `begin`/`end` with their captures and inner `patterns`, and
 * `include` of the repository — with TextMate's choice at each point: the leftmost match, the
 * earlier pattern on a tie, a rule's `end` before its inner patterns. The patterns are read as
 * JavaScript regular expressions (the two grammars use nothing Oniguruma has alone);
 * test/site/editor-grammar.test.ts holds the scopes equal to Shiki's over every gallery ruleset.
 */

export interface GrammarRule {
  include?: string;
  match?: string;
  begin?: string;
  end?: string;
  name?: string;
  contentName?: string;
  captures?: Record<string, { name?: string }>;
  beginCaptures?: Record<string, { name?: string }>;
  endCaptures?: Record<string, { name?: string }>;
  patterns?: GrammarRule[];
}

export interface Grammar {
  patterns: GrammarRule[];
  repository: Record<string, GrammarRule>;
}

/** A piece of a line and its innermost scope (undefined: none). */
export interface Segment {
  length: number;
  scope: string | undefined;
}

/** The begin/end rules open at a line's start, innermost last. Immutable: shared freely. */
export type RuleStack = readonly GrammarRule[];

interface Candidate {
  rule: GrammarRule;
  kind: 'match' | 'begin' | 'end';
  found: RegExpExecArray;
}

const compiled = new WeakMap<GrammarRule, Partial<Record<'match' | 'begin' | 'end', RegExp>>>();

function regex(rule: GrammarRule, key: 'match' | 'begin' | 'end'): RegExp {
  let forRule = compiled.get(rule);
  if (!forRule) {
    forRule = {};
    compiled.set(rule, forRule);
  }
  forRule[key] ??= new RegExp(rule[key]!, 'dg');
  return forRule[key]!;
}

const NONE: GrammarRule[] = [];
const flattened = new WeakMap<readonly GrammarRule[], GrammarRule[]>();

/** The rules that can match inside `patterns`, includes resolved (each once), remembered. */
function candidates(grammar: Grammar, patterns: readonly GrammarRule[]): GrammarRule[] {
  let out = flattened.get(patterns);
  if (!out) {
    out = flatten(grammar, patterns, new Set());
    flattened.set(patterns, out);
  }
  return out;
}

function flatten(
  grammar: Grammar,
  patterns: readonly GrammarRule[],
  seen: Set<GrammarRule>,
): GrammarRule[] {
  const out: GrammarRule[] = [];
  for (const rule of patterns) {
    if (seen.has(rule)) continue;
    seen.add(rule);
    if (rule.include) {
      const target =
        rule.include === '$self'
          ? { patterns: grammar.patterns }
          : grammar.repository[rule.include.replace(/^#/, '')];
      if (target) out.push(...flatten(grammar, [target], seen));
    } else if (rule.match || rule.begin) {
      out.push(rule);
    } else if (rule.patterns) {
      out.push(...flatten(grammar, rule.patterns, seen));
    }
  }
  return out;
}

function exec(re: RegExp, line: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(line);
}

/** TextMate's next match from `at`: leftmost; on a tie the rule's end, then pattern order. */
function nextMatch(
  line: string,
  at: number,
  inner: readonly GrammarRule[],
  open: GrammarRule | undefined,
): Candidate | undefined {
  let best: Candidate | undefined;
  const consider = (rule: GrammarRule, kind: Candidate['kind']) => {
    const found = exec(regex(rule, kind), line, at);
    if (found && (!best || found.index < best.found.index)) best = { rule, kind, found };
  };
  if (open?.end) consider(open, 'end');
  for (const rule of inner) consider(rule, rule.match ? 'match' : 'begin');
  return best;
}

/** Paints `scope` over [from, to) of `scopes`, one entry per character. */
function paint(scopes: (string | undefined)[], from: number, to: number, scope?: string): void {
  if (scope === undefined) return;
  for (let i = from; i < to; i++) scopes[i] = scope;
}

function paintMatch(
  scopes: (string | undefined)[],
  found: RegExpExecArray,
  name: string | undefined,
  captures: GrammarRule['captures'],
): void {
  const end = found.index + found[0].length;
  paint(scopes, found.index, end, name);
  // Captures in group order: a later (nested) group paints over the one around it.
  for (const [group, capture] of Object.entries(captures ?? {})) {
    const span = found.indices?.[Number(group)];
    if (span) paint(scopes, span[0], span[1], capture.name);
  }
}

/** One line's scopes, from the rules open at its start; returns those open at its end. */
export function tokenizeLine(
  grammar: Grammar,
  line: string,
  stack: RuleStack,
): { segments: Segment[]; stack: RuleStack } {
  const scopes: (string | undefined)[] = new Array(line.length).fill(undefined);
  let open = [...stack];
  for (const rule of open) paint(scopes, 0, line.length, rule.contentName ?? rule.name);
  let at = 0;
  while (at <= line.length) {
    const top = open.at(-1);
    const inner = candidates(grammar, top ? (top.patterns ?? NONE) : grammar.patterns);
    const next = nextMatch(line, at, inner, top);
    if (!next) break;
    const { rule, kind, found } = next;
    const end = found.index + found[0].length;
    if (kind === 'end') {
      paintMatch(scopes, found, rule.name, rule.endCaptures ?? rule.captures);
      open = open.slice(0, -1);
      // What follows belongs to the rules still open: repaint it as theirs.
      for (let i = end; i < line.length; i++) scopes[i] = undefined;
      for (const r of open) paint(scopes, end, line.length, r.contentName ?? r.name);
    } else if (kind === 'begin') {
      paint(scopes, found.index, line.length, rule.contentName ?? rule.name);
      paintMatch(scopes, found, rule.name, rule.beginCaptures ?? rule.captures);
      open = [...open, rule];
    } else {
      paintMatch(scopes, found, rule.name, rule.captures);
    }
    // On from the match's end; a zero-length match where we stand moves one on, so nothing loops.
    at = end > at ? end : at + 1;
  }
  return { segments: segmentsOf(scopes), stack: open };
}

function segmentsOf(scopes: readonly (string | undefined)[]): Segment[] {
  const out: Segment[] = [];
  for (const scope of scopes) {
    const last = out.at(-1);
    if (last && last.scope === scope) last.length += 1;
    else out.push({ length: 1, scope });
  }
  return out;
}
