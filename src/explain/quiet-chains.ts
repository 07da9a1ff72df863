/**
 * Base chains that do nothing to the packet: on this crossing, every rule that matched only
 * jumped, went or returned to another chain, and the base chain ended on its policy `accept`
 * (firewalld's `raw_PREROUTING` and `mangle_PREROUTING`, which walk through a zone's chains
 * and do nothing). Told as one item, its steps folded.
 */
import type { Family, Ruleset } from '../ruleset/model.ts';
import { type Step, splitVerdict } from './stages.ts';
import { findRule } from './walk.ts';

export interface QuietChain {
  first: number;
  last: number;
  /** The base chain, and its table. */
  family: Family;
  table: string;
  chain: string;
  /** The regular chains its rules led to, in order, each once. */
  reached: string[];
}

/** Fewer steps than this are told one by one: folding them would save nothing. */
const MIN_QUIET_STEPS = 5;

const MOVES = new Set(['jump', 'goto', 'return']);
/** What a rule that only moves between chains may hold besides its matches and verdict. */
const QUIET_STATEMENTS = new Set(['match', 'verdict', 'counter']);

function onlyMoves(ruleset: Ruleset, step: Step): string | undefined | false {
  const e = step.event;
  if (e.type !== 'rule') return false;
  const [verdict, target] = splitVerdict(e.verdict);
  if (!MOVES.has(verdict)) return false;
  const rule = findRule(ruleset, e.family, e.table, e.chain, e.index);
  if (!rule || rule.statements.some((x) => !QUIET_STATEMENTS.has(x.kind))) return false;
  return verdict === 'return' ? undefined : target;
}

const tableOf = (s: Step) => ({ family: s.event.family, table: s.event.table });

/** The base chain entered at `steps[i]`, if it is quiet: its steps up to its policy accept. */
function quietFrom(ruleset: Ruleset, steps: Step[], i: number): QuietChain | undefined {
  const enter = steps[i]!;
  if (enter.event.type !== 'enter' || enter.after.length > 0) return undefined;
  const reached: string[] = [];
  for (let j = i + 1; j < steps.length; j++) {
    const s = steps[j]!;
    if (s.event.type === 'enter') return undefined;
    if (s.event.type === 'policy') {
      const long = s.n - enter.n + 1 >= MIN_QUIET_STEPS;
      return s.event.verdict === 'accept' && long
        ? { first: enter.n, last: s.n, ...tableOf(enter), chain: enter.event.chain, reached }
        : undefined;
    }
    // What happened right after a step (conntrack…) is told at the item's top level: only
    // the policy's (the last step's) can be, so a chain with more is told step by step.
    if (s.after.length > 0) return undefined;
    const target = onlyMoves(ruleset, s);
    if (target === false) return undefined;
    if (target !== undefined && !reached.includes(target)) reached.push(target);
  }
  return undefined;
}

/** The quiet base chains of a hook crossing. */
export function quietChains(ruleset: Ruleset, steps: Step[]): QuietChain[] {
  const out: QuietChain[] = [];
  steps.forEach((s, i) => {
    if (s.event.type !== 'enter') return;
    const q = quietFrom(ruleset, steps, i);
    if (q) out.push(q);
  });
  return out;
}
