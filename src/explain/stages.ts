/**
 * Splits one packet's trace into hook crossings ("stages"), and replays each stage's events the
 * way the kernel's chain loop ran them (nft_do_chain: rules in order, a jump stack, goto,
 * return, the base chain's policy), so that the page can number every step and mark every
 * rule that was passed over. Everything on the page about chains comes from here, and this
 * comes from the trace events only.
 */

import type {
  EnterEvent,
  InfoFact,
  PacketTrace,
  PolicyEvent,
  RuleEvent,
} from '../netfilter/trace.ts';
import type { Family, HookName } from '../ruleset/model.ts';

export type FamilyClass = 'l3' | 'bridge' | 'netdev' | 'arp';
export type Compared = EnterEvent | RuleEvent | PolicyEvent;
/**
 * An event as the explainer reads it: compared events, and explanatory ones without their
 * English line (`message` is for `nfwalk trace`; the page takes its facts from `detail`).
 */
export type Fact = Compared | InfoFact;

export function familyClass(f: Family): FamilyClass {
  if (f === 'bridge') return 'bridge';
  if (f === 'netdev') return 'netdev';
  if (f === 'arp') return 'arp';
  return 'l3';
}

export function chainKey(family: Family, table: string, chain: string): string {
  return `${family}\u0000${table}\u0000${chain}`;
}

export function isCompared(e: Fact): e is Compared {
  return e.type === 'enter' || e.type === 'rule' || e.type === 'policy';
}

export interface Stage {
  kind: 'stage';
  hook: HookName;
  fclass: FamilyClass;
  /** Compared events and the info events that happened between them, in order. */
  events: Fact[];
}

export interface Between {
  kind: 'info';
  event: InfoFact;
}

export type PathItem = Stage | Between;

/** The packet's path: hook crossings with chains, and what happened between them. */
export function splitStages(packet: PacketTrace): PathItem[] {
  const items: PathItem[] = [];
  let current: Stage | undefined;
  let pendingInfo: InfoFact[] = [];
  const events: readonly Fact[] = packet.events;
  for (const e of events) {
    if (!isCompared(e)) {
      pendingInfo.push(e);
      continue;
    }
    // A chain after a hook event belongs to that new crossing, even of the same hook.
    const startsNew =
      e.type === 'enter' &&
      (!current ||
        current.hook !== e.hook ||
        current.fclass !== familyClass(e.family) ||
        pendingInfo.some((i) => i.type === 'hook'));
    if (startsNew) {
      // A translation reported right after a rule belongs to that rule's hook.
      while (current && pendingInfo[0] && isRuleNat(pendingInfo[0])) {
        current.events.push(pendingInfo.shift()!);
      }
      for (const i of pendingInfo) items.push({ kind: 'info', event: i });
      pendingInfo = [];
      current = { kind: 'stage', hook: e.hook, fclass: familyClass(e.family), events: [e] };
      items.push(current);
      continue;
    }
    if (!current) {
      throw new Error(`trace: a ${e.type} event comes before any chain was entered`);
    }
    current.events.push(...pendingInfo, e);
    pendingInfo = [];
  }
  while (current && pendingInfo[0] && isRuleNat(pendingInfo[0])) {
    current.events.push(pendingInfo.shift()!);
  }
  for (const i of pendingInfo) items.push({ kind: 'info', event: i });
  return items;
}

/** A `nat` event of a rule's translation (not conntrack undoing one on a reply). */
function isRuleNat(e: InfoFact): boolean {
  if (e.type !== 'nat') return false;
  const d = e.detail;
  return !((d.step === 'rewrite' || d.step === 'icmp-error') && d.reverse);
}

// ---------------------------------------------------------------------------------------------
// Replay

/** Margin marks for one chain in one stage's listing. */
export interface ChainMarks {
  /** On the chain's header line (`->(n)` when jumped or gone to). */
  header: string[];
  /** On the base chain's `type … hook …` line (`(n)` when entered). */
  typeLine: string[];
  /** On the closing brace (`(n)` when the policy applied). */
  close: string[];
  rules: Map<number, string[]>;
}

export interface Step {
  n: number;
  event: Compared;
  /** Rules tried and not matched before this step, per chain (in order). */
  passed: { key: string; chain: string; indices: number[] }[];
  /** Regular chains that ended without a verdict just before this step (implicit returns). */
  implicitReturns: { from: string; to: string }[];
  /** Both of the above, in the order they happened. */
  before: (
    | {
        kind: 'passed';
        family: Family;
        table: string;
        chain: string;
        count: number;
        indices: number[];
      }
    | { kind: 'return'; from: string; to: string }
  )[];
  /** For an explicit `return`: the chain evaluation went back to. */
  returnTo?: string;
  /** For jump and goto: the chain that called the current one (goto's return point). */
  caller?: string;
  /** Info events that happened right after this step, before the next one. */
  after: InfoFact[];
  /** The base chain this step belongs to. */
  base: { family: Family; table: string; chain: string };
}

export interface Replay {
  steps: Step[];
  marks: Map<string, ChainMarks>;
  /** Chains that appear in the stage (entered base chains and reached regular chains). */
  reached: Set<string>;
}

interface Frame {
  key: string;
  family: Family;
  table: string;
  chain: string;
  pos: number;
}

export interface ChainSizes {
  /** Number of rules in a chain, or undefined when the ruleset has no such chain. */
  ruleCount(family: Family, table: string, chain: string): number | undefined;
}

function marksFor(map: Map<string, ChainMarks>, key: string): ChainMarks {
  let m = map.get(key);
  if (!m) {
    m = { header: [], typeLine: [], close: [], rules: new Map() };
    map.set(key, m);
  }
  return m;
}

function addRuleMark(m: ChainMarks, index: number, mark: string): void {
  const list = m.rules.get(index) ?? [];
  if (mark === '↓' && list.includes('↓')) return;
  list.push(mark);
  m.rules.set(index, list);
}

/**
 * Replays one stage's compared events on a jump stack (as nft_do_chain keeps one), to number
 * the steps, find the rules passed over and the implicit returns between them, and place the
 * listing's margin marks.
 */
class Replayer {
  readonly steps: Step[] = [];
  readonly marks = new Map<string, ChainMarks>();
  readonly reached = new Set<string>();
  private stack: Frame[] = [];
  private base: Frame | undefined;
  private pendingReturnMark: { key: string; label: string } | undefined;

  private readonly sizes: ChainSizes;

  constructor(sizes: ChainSizes) {
    this.sizes = sizes;
  }

  private passOver(frame: Frame, upTo: number, step: Step): void {
    const indices: number[] = [];
    for (let i = frame.pos; i < upTo; i++) {
      indices.push(i);
      addRuleMark(marksFor(this.marks, frame.key), i, '↓');
    }
    if (indices.length > 0) {
      step.passed.push({ key: frame.key, chain: frame.chain, indices });
      step.before.push({
        kind: 'passed',
        family: frame.family,
        table: frame.table,
        chain: frame.chain,
        count: indices.length,
        indices,
      });
    }
    frame.pos = Math.max(frame.pos, upTo);
  }

  private countOf(f: Frame): number {
    return this.sizes.ruleCount(f.family, f.table, f.chain) ?? f.pos;
  }

  /** A regular chain ran out of rules: evaluation goes back to its caller. */
  private popImplicit(step: Step): void {
    const top = this.stack.pop();
    if (!top) return;
    this.passOver(top, this.countOf(top), step);
    const caller = this.stack[this.stack.length - 1];
    if (caller) {
      step.implicitReturns.push({ from: top.chain, to: caller.chain });
      step.before.push({ kind: 'return', from: top.chain, to: caller.chain });
    }
  }

  /** Marks `->(n)` on the rule evaluation resumes at, once we know where that is. */
  private placeReturnMark(frame: Frame, atIndex: number | 'close'): void {
    const pending = this.pendingReturnMark;
    if (!pending || pending.key !== frame.key) return;
    const m = marksFor(this.marks, frame.key);
    if (atIndex === 'close') m.close.push(pending.label);
    else addRuleMark(m, atIndex, pending.label);
    this.pendingReturnMark = undefined;
  }

  /** A step for the event, belonging to the base chain being run. */
  newStep(n: number, e: Compared, after: InfoFact[]): Step {
    const b = this.base;
    return {
      n,
      event: e,
      passed: [],
      implicitReturns: [],
      before: [],
      after,
      base: b
        ? { family: b.family, table: b.table, chain: b.chain }
        : { family: e.family, table: e.table, chain: e.chain },
    };
  }

  enter(step: Step, e: EnterEvent): void {
    const key = chainKey(e.family, e.table, e.chain);
    this.pendingReturnMark = undefined;
    this.base = { key, family: e.family, table: e.table, chain: e.chain, pos: 0 };
    this.stack = [this.base];
    step.base = { family: e.family, table: e.table, chain: e.chain };
    this.reached.add(key);
    marksFor(this.marks, key).typeLine.push(`(${step.n})`);
    this.steps.push(step);
  }

  policy(step: Step, e: PolicyEvent): void {
    this.baseOf(e);
    while (this.stack.length > 1) this.popImplicit(step);
    const top = this.stack[0]!;
    this.placeReturnMark(top, top.pos < this.countOf(top) ? top.pos : 'close');
    this.passOver(top, this.countOf(top), step);
    marksFor(this.marks, chainKey(e.family, e.table, e.chain)).close.push(`(${step.n})`);
    this.steps.push(step);
  }

  private baseOf(e: Compared): Frame {
    if (!this.base)
      throw new Error(`trace: ${e.type} event in ${e.chain} before its chain was entered`);
    return this.base;
  }

  rule(step: Step, e: RuleEvent): void {
    const base = this.baseOf(e);
    const key = chainKey(e.family, e.table, e.chain);
    // Unwind implicit returns until the rule's chain is on top.
    while (this.stack.length > 1 && this.stack[this.stack.length - 1]!.key !== key)
      this.popImplicit(step);
    const top = this.stack[this.stack.length - 1];
    if (!top || top.key !== key) {
      throw new Error(
        `trace: rule ${e.index} of ${e.family} ${e.table} ${e.chain} was not reached from ${base.chain}`,
      );
    }
    this.placeReturnMark(top, top.pos);
    this.passOver(top, e.index, step);
    this.reached.add(key);
    this.verdict(step, e, top);
    this.steps.push(step);
  }

  /** What the rule's verdict does to the stack: jump, goto, return, or the chain ends here. */
  private verdict(step: Step, e: RuleEvent, top: Frame): void {
    const n = step.n;
    const m = marksFor(this.marks, top.key);
    const [verdict, target] = splitVerdict(e.verdict);
    top.pos = e.index + 1;
    if (verdict === 'jump' || verdict === 'goto') {
      addRuleMark(m, e.index, `(${n})->`);
      const tkey = chainKey(e.family, e.table, target);
      marksFor(this.marks, tkey).header.push(`->(${n})`);
      this.reached.add(tkey);
      const frame: Frame = { key: tkey, family: e.family, table: e.table, chain: target, pos: 0 };
      if (verdict === 'goto') this.stack.pop();
      step.caller = verdict === 'jump' ? top.chain : this.stack[this.stack.length - 1]?.chain;
      this.stack.push(frame);
    } else if (verdict === 'return') {
      addRuleMark(m, e.index, `(${n})->`);
      if (this.stack.length > 1) {
        this.stack.pop();
        const caller = this.stack[this.stack.length - 1]!;
        step.returnTo = caller.chain;
        this.pendingReturnMark = { key: caller.key, label: `->(${n})` };
      } else {
        step.returnTo = undefined;
      }
    } else {
      addRuleMark(m, e.index, `(${n})`);
    }
  }
}

export function replayStage(stage: Stage, sizes: ChainSizes): Replay {
  const r = new Replayer(sizes);
  const afterOf: InfoFact[][] = [];
  let n = 0;
  for (const e of stage.events) {
    if (!isCompared(e)) {
      afterOf[afterOf.length - 1]?.push(e);
      continue;
    }
    n++;
    const after: InfoFact[] = [];
    afterOf.push(after);
    const step = r.newStep(n, e, after);
    if (e.type === 'enter') r.enter(step, e);
    else if (e.type === 'policy') r.policy(step, e);
    else r.rule(step, e);
  }
  return { steps: r.steps, marks: r.marks, reached: r.reached };
}

/** `jump DOCKER` → ['jump', 'DOCKER']; `accept` → ['accept', '']. */
export function splitVerdict(v: string): [string, string] {
  const i = v.indexOf(' ');
  if (i < 0) return [v, ''];
  return [v.slice(0, i), v.slice(i + 1).trim()];
}

/** The verdict that decided the stage's last base chain, for diagrams. */
export function stageOutcome(replay: Replay): string | undefined {
  const last = replay.steps[replay.steps.length - 1];
  if (!last) return undefined;
  const e = last.event;
  if (e.type === 'policy') return e.verdict;
  if (e.type === 'rule') return splitVerdict(e.verdict)[0];
  return undefined;
}
