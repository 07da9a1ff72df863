/** Runs of unconditional jumps to empty chains, told as one sentence on their first step. */
import type { Ruleset } from '../ruleset/model.ts';
import { type Step, splitVerdict } from './stages.ts';
import { findRule } from './walk.ts';

export interface EmptyRun {
  first: number;
  last: number;
  chain: string;
  targets: string[];
}

const MIN_EMPTY_RUN = 3;

/** The step is an unconditional jump to a chain without rules; its target, if so. */
function emptyJumpTarget(ruleset: Ruleset, step: Step): string | undefined {
  const e = step.event;
  if (e.type !== 'rule') return undefined;
  const [verdict, target] = splitVerdict(e.verdict);
  const rule = findRule(ruleset, e.family, e.table, e.chain, e.index);
  const empty =
    verdict === 'jump' &&
    rule?.statements.every((x) => x.kind !== 'match') === true &&
    ruleset.tables
      .find((t) => t.family === e.family && t.name === e.table)
      ?.chains.find((c) => c.name === target)?.rules.length === 0;
  return empty ? target : undefined;
}

/**
 * Runs of at least three consecutive steps that are unconditional jumps from one chain to
 * chains without rules (each following step starts with nothing but the implicit return from
 * the previous target): firewalld's `_pre`, `_log`, `_deny`, `_allow`, `_post` zone chains.
 */
export function emptyJumpRuns(ruleset: Ruleset, steps: Step[]): EmptyRun[] {
  const runs: EmptyRun[] = [];
  let cur: EmptyRun | undefined;
  const close = () => {
    if (cur && cur.targets.length >= MIN_EMPTY_RUN) runs.push(cur);
    cur = undefined;
  };
  for (const step of steps) {
    const e = step.event;
    const target = emptyJumpTarget(ruleset, step);
    const prev = cur?.targets.at(-1);
    const continues =
      target !== undefined &&
      cur !== undefined &&
      e.type === 'rule' &&
      e.chain === cur.chain &&
      step.n === cur.last + 1 &&
      step.before.length === 1 &&
      step.before[0]?.kind === 'return' &&
      step.before[0].from === prev;
    if (continues && cur && target !== undefined) {
      cur.last = step.n;
      cur.targets.push(target);
      continue;
    }
    close();
    if (
      target !== undefined &&
      e.type === 'rule' &&
      step.before.every((b) => b.kind === 'return')
    ) {
      cur = { first: step.n, last: step.n, chain: e.chain, targets: [target] };
    }
  }
  close();
  return runs;
}
