/**
 * The numbered steps of a hook: for each step of the replayed chains, the main sentence(s)
 * (why the chain runs, why the rule matched and what it does), the notes on what its verdict
 * means, and what happened right after it.
 */
import type { EnterEvent, PolicyEvent, RuleEvent } from '../../netfilter/trace.ts';
import type { DocContext, PacketState } from '../context.ts';
import { tellOnce } from '../context.ts';
import type { EmptyRun } from '../empty-runs.ts';
import { infoPhrases } from '../events/index.ts';
import { flowText, natDelta } from '../facts.ts';
import type { ChainRef } from '../i18n/messages.ts';
import { matchContext } from '../match-context.ts';
import { matchReasons, whyNot } from '../matches.ts';
import { ref } from '../mdast.ts';
import { type Phrase, plain } from '../phrase.ts';
import { type Step, splitVerdict } from '../stages.ts';
import { keyword, sideEffects } from '../syntax.ts';
import { findRule, flowOf, natStmtOf, type StageWalk, sameFlow } from '../walk.ts';

/** How many reasons a run of rules passed over is told by; the rest are counted. */
const WHYS_TOLD = 12;

export interface StepText {
  main: Phrase[];
  notes: Phrase[];
  info?: Phrase[];
}

type Told = { main: Phrase[]; notes: Phrase[] };
type PassedOver = Extract<Step['before'][number], { kind: 'passed' }>;

function laterBases(sw: StageWalk, step: Step): ChainRef[] {
  const entered = sw.replay.steps.filter((s) => s.event.type === 'enter' && s.n > step.n);
  return entered.map((s) => ref(s.event.family, s.event.table, s.event.chain));
}

/** The base chain's `enter` this step belongs to: the packet as the chain saw it. */
function enterOf(sw: StageWalk, step: Step): EnterEvent | undefined {
  const s = [...sw.replay.steps].reverse().find((x) => x.n <= step.n && x.event.type === 'enter');
  return s?.event.type === 'enter' ? s.event : undefined;
}

/**
 * Why each rule passed over fails, in order; rules in a row failing on the same statement for
 * the same reason are told once. A long run (a kube-proxy chain of 50,000 services) is told by
 * its first WHYS_TOLD reasons and a count of the rules after them.
 */
function passedPhrase(
  ctx: DocContext,
  ps: PacketState,
  b: PassedOver,
  seenEnter: EnterEvent | undefined,
): Phrase {
  const { msg, ruleset } = ctx;
  const seen = seenEnter?.packet;
  const merged: { stmt: string; fact: Phrase; count: number }[] = [];
  let explained = 0;
  let unexplained = !seen;
  const ctxM = seen
    ? matchContext(ctx, ps.walk, b.family, b.table, seen, seenEnter?.detail)
    : undefined;
  for (const i of b.indices) {
    if (!ctxM) break;
    const r = findRule(ruleset, b.family, b.table, b.chain, i);
    const why = r ? whyNot(r, ctxM, msg) : undefined;
    if (!why) {
      unexplained = true;
      break;
    }
    const prev = merged.at(-1);
    if (prev && prev.stmt === why.stmt && plain(prev.fact) === plain(why.fact)) prev.count++;
    else if (merged.length === WHYS_TOLD) break;
    else merged.push({ ...why, count: 1 });
    explained++;
  }
  return unexplained
    ? msg.passedOver(b.chain, b.count)
    : msg.passedOverWhy(b.chain, merged, b.count - explained);
}

/** What happened in the chains before the step: rules passed over, implicit returns. */
function beforePhrases(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  run?: EmptyRun,
): Phrase[] {
  const { msg } = ctx;
  const out: Phrase[] = [];
  const seenEnter = enterOf(sw, step);
  for (const b of step.before) {
    // The step right after a run of empty-chain jumps: the run already said it comes back.
    if (run && step.n === run.last + 1 && b.kind === 'return' && b.from === run.targets.at(-1))
      continue;
    if (b.kind === 'passed') {
      out.push(passedPhrase(ctx, ps, b, seenEnter));
      continue;
    }
    out.push(
      ps.told.has('implicit-return')
        ? msg.implicitReturnShort(b.from, b.to)
        : msg.implicitReturn(b.from, b.to),
    );
    ps.told.add('implicit-return');
  }
  return out;
}

/** A base chain entered: why it runs here, and what it sees if that changed. */
function enterPhrases(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  e: EnterEvent,
): Told {
  const { msg } = ctx;
  const main: Phrase[] = [];
  const idx = sw.bases.findIndex(
    (b) => b.table.family === e.family && b.table.name === e.table && b.chain.name === e.chain,
  );
  const base = sw.bases[idx]?.chain.base;
  const earlier = sw.replay.steps.filter((s) => s.event.type === 'enter' && s.n < step.n);
  main.push(
    msg.stepEnter({
      hook: sw.stage.hook,
      fclass: sw.stage.fclass,
      chain: ref(e.family, e.table, e.chain),
      type: base?.type ?? 'filter',
      priority: e.priority,
      priorityText: base?.priority.text ?? String(e.priority),
      position: idx + 1,
      total: sw.bases.length,
      first: earlier.length === 0,
    }),
  );
  if (earlier.length > 0) main.push(...tellOnce(ps, 'later-base', msg.laterBaseNote()));
  if (sw.bases[idx]?.chain.policy === 'drop')
    main.push(msg.policyDropNote(e.chain, keyword(ctx.ruleset, 'drop')));
  const prev = earlier.at(-1);
  const v = flowOf(e.packet);
  if (prev?.event.type === 'enter' && !sameFlow(flowOf(prev.event.packet), v)) {
    main.push(msg.chainSees(flowText(v)));
  }
  return { main, notes: [] };
}

function policyPhrases(ctx: DocContext, ps: PacketState, e: PolicyEvent): Told {
  const { msg } = ctx;
  return {
    main: [msg.stepPolicy(e.chain, keyword(ctx.ruleset, e.verdict))],
    notes: tellOnce(ps, `policy-${e.verdict}`, msg.policyMeans(e.verdict)),
  };
}

/** What a matched rule's verdict does (the action) and what that means (the notes). */
function ruleAction(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  e: RuleEvent,
): { action: Phrase; extra: Phrase[] } {
  const { msg } = ctx;
  const rule = findRule(ctx.ruleset, e.family, e.table, e.chain, e.index);
  const [verdict, target] = splitVerdict(e.verdict);
  const nat = natStmtOf(rule);
  const reject = rule?.statements.find((s) => s.kind === 'reject');
  const accepts = () => msg.acceptMeans(e.chain, step.base.chain, laterBases(sw, step));
  if (verdict === 'jump')
    return {
      action: msg.actJump(target),
      extra: tellOnce(ps, 'jump', msg.jumpMeans(target, e.chain)),
    };
  if (verdict === 'goto')
    return {
      action: msg.actGoto(target),
      extra: tellOnce(ps, 'goto', msg.gotoMeans(target, e.chain, step.caller)),
    };
  if (verdict === 'return')
    return {
      action: msg.actReturn(step.returnTo),
      extra: step.returnTo ? tellOnce(ps, 'return', msg.returnMeans(step.returnTo)) : [],
    };
  if (verdict === 'accept' && nat) {
    const change = sw.nat.find((c) => c.step === step.n);
    const iface = nat.type === 'masquerade' ? sw.oif : nat.type === 'redirect' ? sw.iif : null;
    const delta = change ? natDelta(change.before, change.after) : undefined;
    const action = msg.actNat(
      nat.type,
      delta?.to,
      change ? flowText(change.after) : undefined,
      iface ?? undefined,
      keyword(ctx.ruleset, nat.type),
    );
    return { action, extra: [...tellOnce(ps, 'nat', msg.natMeans(nat.type)), accepts()] };
  }
  if (verdict === 'accept') return { action: msg.actAccept(), extra: [accepts()] };
  if (verdict === 'drop')
    return {
      action: reject ? msg.actReject(reject.text ?? 'reject') : msg.actDrop(),
      extra: tellOnce(ps, 'drop', msg.dropMeans()),
    };
  if (verdict === 'queue') return { action: msg.actQueue(), extra: [] };
  return { action: msg.actContinue(sideEffects(ctx.ruleset, rule?.statements ?? [])), extra: [] };
}

/** A matched rule: why it matched and what it does; the first of a run of empty jumps. */
function rulePhrases(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  e: RuleEvent,
  run?: EmptyRun,
): Told {
  const { msg } = ctx;
  const rule = findRule(ctx.ruleset, e.family, e.table, e.chain, e.index);
  const seen = enterOf(sw, step);
  const reasons =
    rule && seen
      ? matchReasons(
          rule,
          matchContext(ctx, ps.walk, e.family, e.table, seen.packet, seen.detail),
          msg,
        )
      : [];
  const [verdict, target] = splitVerdict(e.verdict);
  if (verdict === 'jump' && run?.first === step.n) {
    return {
      main: [msg.emptyJumps(run.chain, run.targets, run.first, run.last)],
      notes: tellOnce(ps, 'jump', msg.jumpMeans(target, e.chain)),
    };
  }
  const { action, extra } = ruleAction(ctx, ps, sw, step, e);
  const main = [reasons.length > 0 ? msg.stepBecause(reasons, action) : msg.stepAlways(action)];
  if (!rule) main.push(msg.ruleNotInRuleset(e.text));
  return { main, notes: extra };
}

/**
 * One step's explanation: the main sentence(s), then the notes on what the verdict means. The
 * first step of a run of empty-chain jumps tells the whole run (its item is numbered
 * first–last: stage.ts folds the steps after it into its detail).
 */
export function stepPhrases(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  runs: EmptyRun[] = [],
): StepText {
  const run = runs.find((r) => step.n >= r.first && step.n <= r.last + 1);
  const e = step.event;
  const before = beforePhrases(ctx, ps, sw, step, run);
  const told =
    e.type === 'enter'
      ? enterPhrases(ctx, ps, sw, step, e)
      : e.type === 'policy'
        ? policyPhrases(ctx, ps, e)
        : rulePhrases(ctx, ps, sw, step, e, run);
  const info = step.after.flatMap((i) => infoPhrases(ctx, ps, i));
  return { main: [...before, ...told.main], notes: told.notes, info };
}
