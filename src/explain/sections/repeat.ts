/**
 * Under the heading of a conversation that repeats an earlier one's path: one sentence saying
 * so and what differs, then the steps that did something else, each linked to its hook's
 * section in the conversation's folded walk.
 */
import type { BlockContent, PhrasingContent } from 'mdast';
import type { DocContext } from '../context.ts';
import { linkTo } from '../links.ts';
import { bullets, para } from '../mdast.ts';
import { code, type Phrase, toPhrasing } from '../phrase.ts';
import type { PathDiff, StepDiff } from '../same-path.ts';
import { senderOf } from '../sender.ts';
import type { Compared } from '../stages.ts';
import { findRule } from '../walk.ts';

/** What a step did, quoted: the rule that matched as written, the policy, the chain entered. */
function stepDid(ctx: DocContext, e: Compared): Phrase {
  if (e.type === 'rule') {
    const rule = findRule(ctx.ruleset, e.family, e.table, e.chain, e.index);
    return [code(rule ? (rule.iptables?.line ?? rule.text) : e.text)];
  }
  if (e.type === 'policy') return [code(`policy ${e.verdict}`)];
  return [code(e.chain)];
}

function stepLine(ctx: DocContext, d: StepDiff, then: number): BlockContent[] {
  const { msg } = ctx;
  const w = d.walk;
  const from = w.first ? senderOf(ctx.scenario, w) : undefined;
  const where = toPhrasing(msg.stageHeading(w.role, d.sw.stage.hook, d.sw.stage.fclass, from));
  const said = msg.samePathStep(
    d.now.n,
    d.now.event.chain,
    stepDid(ctx, d.now.event),
    stepDid(ctx, d.was.event),
    then,
  );
  const children: PhrasingContent[] = [linkTo(d.sw, where), { type: 'text', value: ' ' }];
  return [{ type: 'paragraph', children: [...children, ...toPhrasing(said)] }];
}

/** The sentence and the list of differing steps; `then` is the earlier conversation's number. */
export function repeatNodes(
  ctx: DocContext,
  diff: PathDiff,
  then: number,
  verdicts: { now: string; was: string },
): BlockContent[] {
  const { msg } = ctx;
  const differs = diff.fields.map((f) => msg.samePathField(f.field, f.now, f.was, then));
  if (verdicts.now !== verdicts.was)
    differs.push(msg.samePathVerdict(verdicts.now, verdicts.was, then));
  const out: BlockContent[] = [para(msg.samePath(then, differs, diff.steps.length))];
  if (diff.steps.length > 0) out.push(bullets(diff.steps.map((d) => stepLine(ctx, d, then))));
  return out;
}
