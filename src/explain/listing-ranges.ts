/**
 * Where, in a listing's line, the walk's step is: the statement that gave the rule's verdict
 * (`dnat to 172.20.0.4:1812`, `jump DOCKER`, `-j MASQUERADE`), and the zero counters
 * (`counter packets 0 bytes 0`) that say nothing about this walk. Offsets come from the
 * statements' source spans (the parser's), never from searching the text; a rule without
 * spans (nft JSON) gets no ranges.
 */
import type { Rule, Statement } from '../ruleset/model.ts';

/** [start, end) offsets into the line's text (UTF-16 units). */
export type TextRange = [number, number];

export interface LineRanges {
  hit?: TextRange;
  dim?: TextRange[];
}

/** Statements that decide what the rule does to the packet, strongest first. */
const DECIDING = ['verdict', 'vmap', 'nat', 'reject'] as const;

/**
 * The statement a rule that matched is known by: its verdict, else its last action (a counter
 * when that is all the rule does).
 */
function actingStatement(rule: Rule): Statement | undefined {
  const deciding = rule.statements.filter((s) => (DECIDING as readonly string[]).includes(s.kind));
  if (deciding.length > 0) return deciding.at(-1);
  const actions = rule.statements.filter((s) => s.kind !== 'match');
  return actions.filter((s) => s.kind !== 'counter').at(-1) ?? actions.at(-1);
}

/** The statement's range in the rule's own text (from `start`, where the text begins), if sure. */
function rangeOf(s: Statement, start: number, text: string): TextRange | undefined {
  if (!s.span) return undefined;
  const from = s.span.offset - start;
  const to = s.span.end - start;
  if (from < 0 || to > text.length || from >= to) return undefined;
  // The span must be the statement as written (nft's statements carry their text).
  if (s.text !== undefined && text.slice(from, to) !== s.text) return undefined;
  return [from, to];
}

/**
 * The ranges of one rule's line. `prefix`: how many characters come before the rule's text in
 * the line (its indentation). `hit`: whether the walk took a step at this rule (it matched).
 */
export function ruleLineRanges(rule: Rule, prefix: number, hit: boolean): LineRanges {
  const text = rule.iptables?.line ?? rule.text;
  const start = rule.span?.offset;
  if (start === undefined) return {};
  const out: LineRanges = {};
  const shift = ([a, b]: TextRange): TextRange => [a + prefix, b + prefix];
  if (hit) {
    const s = actingStatement(rule);
    const r = s ? rangeOf(s, start, text) : undefined;
    // iptables-save: a target's span is `-j NAME`; its options follow to the end of the line.
    if (r) out.hit = shift(rule.iptables ? [r[0], text.length] : r);
  }
  const dim = rule.statements
    .filter((s) => s.kind === 'counter' && !s.name && s.packets === 0 && s.bytes === 0)
    .map((s) => rangeOf(s, start, text))
    .filter((r): r is TextRange => r !== undefined)
    .filter((r) => !out.hit || r[1] + prefix <= out.hit[0] || r[0] + prefix >= out.hit[1])
    .map(shift);
  if (dim.length > 0) out.dim = dim;
  return out;
}
