/**
 * What every evaluation step shares: the environment, the rule, the effects so far, and the
 * kernel's NFT_BREAK.
 */
import type { Expr, Rule } from '../../ruleset/model.ts';
import type { Effect, EvalEnv } from '../env.ts';
import type { DataType, TypedValue } from './datatypes.ts';

/** The kernel's NFT_BREAK: the rule stops here without matching. */
export const BREAK = Symbol('NFT_BREAK');
export type Break = typeof BREAK;

export interface EvalContext {
  env: EvalEnv;
  rule: Rule;
  effects: Effect[];
  /** Map lookups used as values (`ip saddr map {…}`) call back into the set module. */
  mapLookup?: (
    expr: Extract<Expr, { kind: 'map' }>,
    ctx: EvalContext,
    want?: DataType,
  ) => TypedValue[] | Break;
}

/** A key: one value, or the parts of a concatenation. */
export type Key = TypedValue[];

/** Tell the reader how nfwalk decided something the kernel decides at random or by rate. */
export function note(ctx: EvalContext, text: string, about?: 'numgen' | 'jhash' | 'symhash'): void {
  ctx.effects.push(about ? { kind: 'note', text, about } : { kind: 'note', text });
}
