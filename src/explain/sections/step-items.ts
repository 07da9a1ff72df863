/**
 * The numbered explanation of a hook: one item per step, except where steps do nothing to the
 * packet. A run of jumps to empty chains is one item numbered first–last, its jumps one by one
 * folded inside; a base chain whose rules only move between chains and that ends on its policy
 * accept is one item too, its steps (told as usual) folded inside.
 */
import type { BlockContent, RootContent } from 'mdast';
import type { DocContext, PacketState } from '../context.ts';
import { type EmptyRun, emptyJumpRuns } from '../empty-runs.ts';
import { folded } from '../fold.ts';
import { bullets, para } from '../mdast.ts';
import { type JsonValue, jsxElement } from '../mdx.ts';
import { type QuietChain, quietChains } from '../quiet-chains.ts';
import type { Step } from '../stages.ts';
import type { StageWalk } from '../walk.ts';
import { stepPhrases } from './steps.ts';

interface Item {
  first: number;
  last: number;
  paras: BlockContent[];
}

/**
 * Items as the page lists them: in Markdown a list, `(n)` or `(first)–(last)` before the first
 * paragraph; in MDX `<Step>` elements. A folded item's `<Step last>` is not the target of its
 * steps' links: the steps told one by one inside its fold are (a browser opens the fold).
 */
function itemNodes(ctx: DocContext, anchor: string, items: Item[]): BlockContent[] {
  if (items.length === 0) return [];
  if (ctx.format === 'mdx')
    return items.map((it) => {
      const props: Record<string, JsonValue> = { anchor, n: it.first };
      if (it.last > it.first) props.last = it.last;
      return jsxElement('Step', props, it.paras);
    });
  return [
    bullets(
      items.map((it) => {
        const [firstP, ...rest] = it.paras;
        const label = it.last > it.first ? `(${it.first})–(${it.last}) ` : `(${it.first}) `;
        const lead = firstP?.type === 'paragraph' ? firstP.children : [];
        return [
          { type: 'paragraph', children: [{ type: 'text', value: label }, ...lead] },
          ...rest,
        ];
      }),
    ),
  ];
}

/** A run's folded detail: each jump of the run, numbered, one line each. */
function runDetail(ctx: DocContext, anchor: string, run: EmptyRun): BlockContent[] {
  const items = run.targets.map((t, i) => ({
    first: run.first + i,
    last: run.first + i,
    paras: [para(ctx.msg.emptyJumpOne(t, run.chain))],
  }));
  return folded(
    ctx.format,
    ctx.msg.emptyRunSummary(run.first, run.last),
    itemNodes(ctx, anchor, items),
  );
}

/** One step told, or a run of empty-chain jumps told from its first step. */
function stepItem(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  step: Step,
  runs: EmptyRun[],
  withInfo = true,
): Item & { info: BlockContent[] } {
  const { msg } = ctx;
  const run = runs.find((r) => r.first === step.n);
  const { main, notes, info = [] } = stepPhrases(ctx, ps, sw, step, runs);
  // What happened right after the step (conntrack, a translation…) is a paragraph of its own.
  const infoParas = info.length > 0 ? [para(msg.sentences(info))] : [];
  const paras: BlockContent[] = [
    para(msg.sentences(main)),
    ...(notes.length > 0 ? [para(msg.sentences(notes))] : []),
  ];
  if (withInfo) paras.push(...infoParas);
  if (run) paras.push(...runDetail(ctx, sw.anchor, run));
  return { first: step.n, last: run?.last ?? step.n, paras, info: infoParas };
}

/** A quiet base chain: its entry told, one sentence for the rest, every step folded. */
function quietItem(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  q: QuietChain,
  runs: EmptyRun[],
): Item {
  const steps = sw.replay.steps.filter((s) => s.n >= q.first && s.n <= q.last);
  const inner = items(ctx, ps, sw, steps, runs, q.last);
  const lastInfo = inner.info;
  const enter = inner.items[0]?.paras[0];
  const policy = steps.at(-1)?.event;
  const verdict = policy?.type === 'policy' ? policy.verdict : 'accept';
  const paras: BlockContent[] = [
    ...(enter ? [enter] : []),
    para(ctx.msg.quietChain(q.chain, q.reached, q.first + 1, q.last, verdict)),
    ...lastInfo,
    ...folded(
      ctx.format,
      ctx.msg.quietChainSummary(q.first, q.last),
      itemNodes(ctx, sw.anchor, inner.items),
    ),
  ];
  return { first: q.first, last: q.last, paras };
}

/** The items of `steps`; the info of step `infoApart` is returned apart, not in its item. */
function items(
  ctx: DocContext,
  ps: PacketState,
  sw: StageWalk,
  steps: Step[],
  runs: EmptyRun[],
  infoApart?: number,
): { items: Item[]; info: BlockContent[] } {
  const out: Item[] = [];
  let info: BlockContent[] = [];
  for (const step of steps) {
    if (runs.some((r) => step.n > r.first && step.n <= r.last)) continue;
    const it = stepItem(ctx, ps, sw, step, runs, step.n !== infoApart);
    if (step.n === infoApart) info = it.info;
    out.push(it);
  }
  return { items: out, info };
}

export function stepItems(ctx: DocContext, ps: PacketState, sw: StageWalk): RootContent[] {
  const steps = sw.replay.steps;
  const runs = emptyJumpRuns(ctx.ruleset, steps);
  const quiet = quietChains(ctx.ruleset, steps);
  const all: Item[] = [];
  for (const step of steps) {
    const q = quiet.find((x) => step.n >= x.first && step.n <= x.last);
    if (q && step.n === q.first) all.push(quietItem(ctx, ps, sw, q, runs));
    if (q) continue;
    all.push(...items(ctx, ps, sw, [step], runs).items);
  }
  return itemNodes(ctx, sw.anchor, all);
}
