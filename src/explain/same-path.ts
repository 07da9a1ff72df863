/**
 * A conversation that repeats an earlier one's path: the same packets (by role) crossing the
 * same hooks, each step in the same chain. What differs is read from the two walks alone: the
 * request's protocol, addresses and ports as sent, the steps whose rule or verdict is not the
 * same, and how the conversation ended.
 */
import type { Compared, Step } from './stages.ts';
import { flowOf, type PacketWalk, type StageWalk } from './walk.ts';

export type DiffField = 'protocol' | 'saddr' | 'sport' | 'daddr' | 'dport';

export interface StepDiff {
  walk: PacketWalk;
  sw: StageWalk;
  now: Step;
  was: Step;
}

export interface PathDiff {
  /** The earlier conversation (0-based position among the page's conversations). */
  earlier: number;
  fields: { field: DiffField; now: string; was: string }[];
  steps: StepDiff[];
}

const stagesOf = (w: PacketWalk): StageWalk[] =>
  w.items.filter((i): i is StageWalk => i.kind === 'stage');

const chainKey = (e: Compared) => `${e.family} ${e.table} ${e.chain}`;

/** The packet's path: its role, then each hook it crosses with the chain of every step. */
function pathKey(w: PacketWalk): string {
  const stages = stagesOf(w).map(
    (sw) =>
      `${sw.stage.fclass} ${sw.stage.hook}: ${sw.replay.steps.map((s) => `${s.event.type} ${chainKey(s.event)}`).join(', ')}`,
  );
  return [w.role, ...stages].join('\n');
}

/** What a step did: the rule that matched (or the chain entered, or its policy) and its verdict. */
function stepKey(e: Compared): string {
  if (e.type === 'rule') return `rule ${chainKey(e)} #${e.index} ${e.verdict}`;
  if (e.type === 'policy') return `policy ${chainKey(e)} ${e.verdict}`;
  return `enter ${chainKey(e)}`;
}

function samePath(a: PacketWalk[], b: PacketWalk[]): boolean {
  return a.length === b.length && a.every((w, i) => pathKey(w) === pathKey(b[i]!));
}

function fieldDiffs(now: PacketWalk | undefined, then: PacketWalk | undefined) {
  const out: PathDiff['fields'] = [];
  if (!now?.first || !then?.first) return out;
  if (now.first.protocol !== then.first.protocol)
    out.push({ field: 'protocol', now: now.first.protocol, was: then.first.protocol });
  const a = flowOf(now.first);
  const b = flowOf(then.first);
  for (const field of ['saddr', 'sport', 'daddr', 'dport'] as const) {
    if (a[field] !== b[field])
      out.push({ field, now: String(a[field] ?? '-'), was: String(b[field] ?? '-') });
  }
  return out;
}

/** The steps of `walks` that did something else than the same step of `earlier`. */
function stepDiffs(walks: PacketWalk[], earlier: PacketWalk[]): StepDiff[] {
  const out: StepDiff[] = [];
  walks.forEach((walk, i) => {
    const thenStages = stagesOf(earlier[i]!);
    stagesOf(walk).forEach((sw, k) => {
      const thenSteps = thenStages[k]?.replay.steps ?? [];
      sw.replay.steps.forEach((now, j) => {
        const then = thenSteps[j];
        if (then && stepKey(now.event) !== stepKey(then.event))
          out.push({ walk, sw, now, was: then });
      });
    });
  });
  return out;
}

/**
 * The first earlier conversation whose path `walks` repeats, and what differs from it; none
 * when no earlier conversation took the same path.
 */
export function repeatedPath(walks: PacketWalk[], earlier: PacketWalk[][]): PathDiff | undefined {
  const at = earlier.findIndex((e) => samePath(walks, e));
  if (at < 0) return undefined;
  const then = earlier[at]!;
  return { earlier: at, fields: fieldDiffs(walks[0], then[0]), steps: stepDiffs(walks, then) };
}
