/**
 * One packet of a conversation: its heading, who sent it, its flowchart, then every hook it
 * crosses and what happened between them (routing, conntrack, translations, the bridge).
 */
import type { RootContent } from 'mdast';
import type { DocContext, PacketState } from '../context.ts';
import { infoPhrases } from '../events/index.ts';
import { type FlowView, flowText, natDelta } from '../facts.ts';
import { folded } from '../fold.ts';
import { natChange } from '../info.ts';
import { codeBlock, heading, para } from '../mdast.ts';
import { packetFlowchart } from '../mermaid.ts';
import { routeSentence } from '../routing.ts';
import { senderOf } from '../sender.ts';
import { flowOf, type StageWalk, sameFlow } from '../walk.ts';
import { stageSection } from './stage.ts';

function packetIntro(ctx: DocContext, ps: PacketState, conv: number): RootContent[] {
  const { msg } = ctx;
  const w = ps.walk;
  const out: RootContent[] = [];
  out.push(heading(3, msg.packetHeading(w.role, w.first ? flowText(flowOf(w.first)) : '?')));
  const from = senderOf(ctx.scenario, w);
  const fromKernel =
    (w.role === 'icmp-error' || w.role === 'reset') && from === ctx.scenario.host.name;
  out.push(
    para(
      w.role === 'redirect'
        ? msg.packetIntroRedirect()
        : fromKernel
          ? msg.packetIntroKernel(w.role)
          : msg.packetIntro(w.role, from, w.arrivedOn),
    ),
  );
  // Folded: the at-a-glance table and the sequence diagram carry the overview; the flowchart
  // (often taller than the screen) is there on request.
  if (ps.repeatOf !== undefined) {
    out.push(para(msg.flowchartSameAs(ps.repeatOf)));
    return out;
  }
  const chart = codeBlock('mermaid', packetFlowchart(ctx.scenario, w, msg, conv));
  out.push(...folded(ctx.format, msg.flowchartSummary(), [para(msg.flowchartIntro()), chart]));
  return out;
}

/** Between ip prerouting and forward/input with no route event: the decision, inferred. */
function routedBetween(prev: StageWalk | undefined, next: StageWalk): boolean {
  return (
    prev !== undefined &&
    prev.stage.fclass === 'l3' &&
    prev.stage.hook === 'prerouting' &&
    next.stage.fclass === 'l3' &&
    (next.stage.hook === 'forward' || next.stage.hook === 'input')
  );
}

export function packetSection(ctx: DocContext, ps: PacketState, conv: number): RootContent[] {
  const { msg } = ctx;
  const w = ps.walk;
  const out = packetIntro(ctx, ps, conv);
  let prevStage: StageWalk | undefined;
  let routeSaid = false;
  let cursor: FlowView | undefined;
  for (const item of w.items) {
    if (item.kind === 'info') {
      if (item.event.type === 'route') routeSaid = true;
      // A frame the bridge forwards is not routed: br_netfilter runs ip forward for it.
      if (item.event.type === 'bridge' && item.event.detail.step === 'br_forward') routeSaid = true;
      if (item.event.type === 'nat') {
        const n = natChange(item.event.detail);
        if (n) cursor = n.after;
      }
      for (const p of infoPhrases(ctx, ps, item.event, true)) out.push(para(p));
      continue;
    }
    if (prevStage && !routeSaid && routedBetween(prevStage, item)) {
      const s = routeSentence(ctx, prevStage.viewOut.daddr, item);
      if (s) out.push(para(s));
    }
    if (cursor && !sameFlow(cursor, item.viewIn)) {
      out.push(para(msg.natChangeBetween(natDelta(cursor, item.viewIn))));
    }
    out.push(...stageSection(ctx, ps, item));
    cursor = item.viewOut;
    if (item.stage.fclass === 'l3') {
      prevStage = item;
      routeSaid = false;
    }
  }
  return out;
}
