/**
 * Rule evaluation, as nft_do_chain runs one rule: its expressions in order, each either
 * continuing, breaking (NFT_BREAK: the rule does not match) or setting a verdict, which ends the
 * rule. What nfwalk cannot decide from the scenario ends the rule as `unsupported`, naming the
 * statement, so the walk reports it instead of guessing.
 *
 * Marks set by `meta mark set` / `ct mark set` are written to the environment at once, as the
 * kernel writes skb->mark and ct->mark, so later statements of the same rule see them; they are
 * also returned as effects for the walk to report.
 */
import type { Rule } from '../../ruleset/model.ts';
import type { Effect, EvalEnv, RuleOutcome } from '../env.ts';
import { NotDecidable } from './datatypes.ts';
import { hiddenDependencyFails } from './dependencies.ts';
import { certainlyNoMatch } from './fastpath.ts';
import { resetSetStore } from './sets.ts';
import { evalStatement, mapLookupValue } from './statements.ts';
import { BREAK, type EvalContext, resetGenerators } from './values.ts';

export { NotDecidable } from './datatypes.ts';

/**
 * Start a new simulation: dynamic set elements (`add @s …`) and numgen counters live across
 * packets of one simulation, as in the kernel, and are forgotten here.
 */
export function resetRuntimeState(): void {
  resetSetStore();
  resetGenerators();
}

/** What a rule that certainly does not match yields (shared: nothing reads it but `kind`). */
const NO_MATCH: RuleOutcome = Object.freeze({ kind: 'nomatch' });

export function evaluateRule(rule: Rule, env: EvalEnv): RuleOutcome {
  // A leading match that certainly fails ends the rule before anything else runs.
  if (certainlyNoMatch(rule, env)) return NO_MATCH;
  if (hiddenDependencyFails(rule, env)) return NO_MATCH;
  const effects: Effect[] = [];
  const ctx: EvalContext = { env, rule, effects, mapLookup: mapLookupValue };
  for (const statement of rule.statements) {
    let result: ReturnType<typeof evalStatement>;
    try {
      result = evalStatement(statement, ctx);
    } catch (err) {
      if (err instanceof NotDecidable) {
        return { kind: 'unsupported', statement, reason: err.message, rule };
      }
      throw err;
    }
    // The statements before the break keep their effect (marks written, headers mangled).
    if (result === BREAK)
      return effects.length ? { kind: 'nomatch', effects } : { kind: 'nomatch' };
    // NFT_CONTINUE (a `continue` verdict, also from a vmap) does not end the rule: the kernel's
    // loop stops only at a verdict other than NFT_CONTINUE.
    if (result !== 'continue' && result.kind !== 'continue') {
      return { kind: 'match', verdict: result, effects };
    }
  }
  return { kind: 'match', verdict: { kind: 'continue' }, effects };
}
