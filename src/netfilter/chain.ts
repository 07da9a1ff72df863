/**
 * The rule loop of one base chain, as nft_do_chain (net/netfilter/nf_tables_core.c) runs it:
 * rules in order; a rule that does not match is skipped silently; a matching rule is traced
 * with its verdict; accept, drop and queue end the base chain; jump pushes the next rule on
 * the jump stack and enters the target; goto enters the target without pushing; return, or
 * falling off the end of a chain, pops the stack (an implicit return is not traced); falling
 * off the base chain itself applies its policy (traced).
 */
import { chainNamed } from '../ruleset/chains.ts';
import type { Chain, Rule, Table, Verdict } from '../ruleset/model.ts';
import type { Effect, EvalEnv, RuleOutcome } from './env.ts';
import type { ChainHook } from './hooks.ts';
import type { TraceEvent, UnsupportedDetail } from './trace.ts';

/** NFT_JUMP_STACK_SIZE: the kernel refuses rulesets whose jumps nest deeper. */
export const NFT_JUMP_STACK_SIZE = 16;

export type Evaluate = (rule: Rule, env: EvalEnv) => RuleOutcome;

export type ChainVerdict =
  | { kind: 'accept' | 'drop' | 'queue' }
  | { kind: 'unsupported'; message: string };

export interface ChainRun {
  /** Builds the rule's view of the packet; called before each rule (effects change it). */
  env(table: Table): EvalEnv;
  /**
   * Carries out a rule's effects (marks, NAT setup, notrack, reject) at once. `matched` is
   * false for the effects of a rule whose later match failed (nft_do_chain has already run
   * the statements before the NFT_BREAK: a mark set there stays on the packet).
   */
  apply(effects: readonly Effect[], rule: Rule, chain: Chain, matched?: boolean): void;
  emit(e: TraceEvent): void;
  /**
   * Called once a rule's verdict or the policy has been traced and the rule's effects applied.
   * The kernel prints a chain's `packet:` line with its first traced event (nft_trace_packet
   * dumps the packet once per chain), so the packet the trace shows is the packet after the
   * first matching rule's statements ran (measured: `udp dport set 53` shows dport 53).
   */
  traced?(): void;
  evaluate: Evaluate;
}

interface Frame {
  chain: Chain;
  next: number;
}

export function verdictText(v: Verdict): string {
  if (v.kind === 'jump' || v.kind === 'goto') return `${v.kind} ${v.target ?? ''}`;
  return v.kind;
}

/** Where evaluation is: the base chain being run, the chain and the rule at hand. */
interface At {
  base: ChainHook;
  chain: Chain;
  rule: Rule;
}

/**
 * A rule nfwalk cannot run, traced as unsupported with the rule and its position; the base
 * chain ends there (nothing is guessed as a match or a miss).
 */
function refuse(
  run: ChainRun,
  { base, chain, rule }: At,
  what: UnsupportedDetail['what'],
  reason: string,
  message: string,
  tail: Pick<UnsupportedDetail, 'file' | 'line' | 'col' | 'target'> = {},
): ChainVerdict {
  run.emit({
    type: 'unsupported',
    message,
    detail: {
      what,
      reason,
      family: base.family,
      table: base.table.name,
      chain: chain.name,
      index: rule.index,
      text: rule.text,
      ...tail,
    },
  });
  return { kind: 'unsupported', message };
}

/** Falling off the base chain (or a return from it): its policy, traced. */
function policyOf(base: ChainHook, run: ChainRun): ChainVerdict {
  const policy = base.chain.policy ?? 'accept';
  run.emit({
    type: 'policy',
    family: base.family,
    table: base.table.name,
    chain: base.chain.name,
    verdict: policy,
  });
  run.traced?.();
  return { kind: policy };
}

/** An expression the simulator does not model. */
function refuseExpression(
  run: ChainRun,
  at: At,
  outcome: Extract<RuleOutcome, { kind: 'unsupported' }>,
): ChainVerdict {
  const { base, chain, rule } = at;
  const where = rule.span
    ? `${rule.span.file}:${rule.span.line}:${rule.span.col}`
    : 'unknown position';
  const message = `${where}: rule ${rule.index} of chain ${chain.name} in table ${base.family} ${base.table.name} cannot be simulated: ${outcome.reason} (${outcome.statement.text ?? outcome.statement.kind})`;
  const pos = rule.span ? { file: rule.span.file, line: rule.span.line, col: rule.span.col } : {};
  return refuse(run, at, 'expression', outcome.reason, message, pos);
}

/**
 * The chain a jump or goto enters, or why it cannot: a target the table lacks, or a jump
 * deeper than the kernel's jump stack (which it refuses when the ruleset is loaded).
 */
function jumpTarget(
  run: ChainRun,
  at: At,
  v: Verdict,
  depth: number,
): { target: Chain } | { refused: ChainVerdict } {
  const { base, chain, rule } = at;
  const target = v.target === undefined ? undefined : chainNamed(base.table, v.target);
  if (!target) {
    const message = `rule ${rule.index} of chain ${chain.name} jumps to "${v.target}", which table ${base.table.name} does not have`;
    const tail = v.target === undefined ? {} : { target: v.target };
    return { refused: refuse(run, at, 'missing-chain', message, message, tail) };
  }
  if (v.kind === 'jump' && depth >= NFT_JUMP_STACK_SIZE) {
    const message = `jumps nest deeper than ${NFT_JUMP_STACK_SIZE} chains at ${chain.name} rule ${rule.index}; the kernel refuses such a ruleset`;
    return { refused: refuse(run, at, 'jump-depth', message, message) };
  }
  return { target };
}

export function runChain(base: ChainHook, run: ChainRun): ChainVerdict {
  const { table } = base;
  const stack: Frame[] = [];
  let chain = base.chain;
  let i = 0;
  // What the rules see; built once and rebuilt only after effects changed the packet or its
  // meta data (the kernel's rules read the same skb until a statement writes to it).
  let env: EvalEnv | undefined;
  for (;;) {
    const rule = chain.rules[i];
    if (!rule) {
      // End of chain: implicit return (not traced), or the base chain's policy.
      const frame = stack.pop();
      if (!frame) return policyOf(base, run);
      chain = frame.chain;
      i = frame.next;
      continue;
    }
    env ??= run.env(table);
    const outcome = run.evaluate(rule, env);
    if (outcome.kind === 'nomatch') {
      if (outcome.effects) {
        run.apply(outcome.effects, rule, chain, false);
        env = undefined;
      }
      i++;
      continue;
    }
    if (outcome.kind === 'unsupported')
      return refuseExpression(run, { base, chain, rule }, outcome);
    const v = outcome.verdict;
    run.emit({
      type: 'rule',
      family: base.family,
      table: table.name,
      chain: chain.name,
      index: rule.index,
      verdict: verdictText(v),
      text: rule.text,
    });
    run.apply(outcome.effects, rule, chain);
    env = undefined;
    run.traced?.();
    switch (v.kind) {
      case 'continue':
        i++;
        continue;
      case 'accept':
      case 'drop':
      case 'queue':
        return { kind: v.kind };
      case 'return': {
        const frame = stack.pop();
        if (!frame) return policyOf(base, run);
        chain = frame.chain;
        i = frame.next;
        continue;
      }
      case 'jump':
      case 'goto': {
        const to = jumpTarget(run, { base, chain, rule }, v, stack.length);
        if ('refused' in to) return to.refused;
        if (v.kind === 'jump') stack.push({ chain, next: i + 1 });
        chain = to.target;
        i = 0;
        continue;
      }
    }
  }
}
