/**
 * One hook a packet crosses: why these chains run, the packet as they receive it, the listing
 * with its margin marks, the numbered steps, the base chains not entered, and the packet after.
 */
import type { Heading, RootContent } from 'mdast';
import type { DocContext, PacketState } from '../context.ts';
import { flowText } from '../facts.ts';
import { listingLayout, listingText } from '../listing.ts';
import { listingFolds } from '../listing-folds.ts';
import { bullets, codeBlock, heading, para, ref } from '../mdast.ts';
import { type JsonValue, jsxElement } from '../mdx.ts';
import { type Phrase, sentences } from '../phrase.ts';
import { quietChains } from '../quiet-chains.ts';
import { senderOf } from '../sender.ts';
import { splitVerdict } from '../stages.ts';
import { type PacketWalk, type StageWalk, sameFlow } from '../walk.ts';
import { stepItems } from './step-items.ts';

/** Why a base chain on this hook was not entered. */
function notEntered(ctx: DocContext, w: PacketWalk, sw: StageWalk): Phrase[] {
  const { msg } = ctx;
  const out: Phrase[] = [];
  const lastStep = sw.replay.steps.at(-1)?.event;
  const droppedAt =
    lastStep &&
    ((lastStep.type === 'policy' && lastStep.verdict === 'drop') ||
      (lastStep.type === 'rule' && splitVerdict(lastStep.verdict)[0] === 'drop'));
  for (const b of sw.bases) {
    if (sw.replay.reached.has(b.key)) continue;
    const r = ref(b.table.family, b.table.name, b.chain.name);
    const prio = b.chain.base!.priority.value;
    const mapped = sw.nat.find((n) => n.step !== undefined);
    const mappedStep = sw.replay.steps.find((s) => s.n === mapped?.step);
    const mappedBase = sw.bases.find(
      (x) =>
        mappedStep &&
        x.table.family === mappedStep.base.family &&
        x.table.name === mappedStep.base.table &&
        x.chain.name === mappedStep.base.chain,
    );
    const mappedBy =
      mappedBase && mappedBase.chain.base!.priority.value <= prio ? mappedStep : undefined;
    if (b.chain.base?.type === 'nat' && w.ct.state && w.ct.state !== 'new') {
      out.push(msg.notEnteredNatEstablished(r, w.ct.state));
    } else if (b.chain.base?.type === 'nat' && mappedBy) {
      out.push(msg.notEnteredNatMapped(r, mappedBy.base.chain));
    } else if (droppedAt) {
      out.push(msg.notEnteredDropped(r));
    } else {
      out.push(msg.notEnteredUnknown(r));
    }
  }
  return out;
}

/**
 * The site's listing: rows with their marks and ranges, and the folds that hide the chains a
 * quiet base chain led through (the explanation folds those steps too) and runs of rules never
 * reached (listing-folds.ts). Markdown's listing is a code block, whole but for its cuts: a
 * code block cannot fold part of itself.
 */
function listingNode(ctx: DocContext, sw: StageWalk, title: string): RootContent {
  const lang = ctx.ruleset.format === 'iptables-save' ? 'iptables' : 'nft';
  const elide = ctx.msg.listingElided;
  if (ctx.format === 'md')
    return codeBlock(lang, listingText(ctx.ruleset, sw.tables, sw.replay, elide));
  const layout = listingLayout(ctx.ruleset, sw.tables, sw.replay, elide);
  // `mark` is optional in the contract: unmarked lines carry only their text (a leaner page).
  // `hit` (the statement the step is at) and `dim` (zero counters) are offsets into `text`.
  const lines = layout.rows.map(
    (r): JsonValue => ({
      ...(r.mark === '' ? {} : { mark: r.mark }),
      text: r.text,
      ...(r.hit ? { hit: r.hit } : {}),
      ...(r.dim ? { dim: r.dim } : {}),
    }),
  );
  const folds = listingFolds(layout, quietChains(ctx.ruleset, sw.replay.steps)).map(
    (f): JsonValue => ({
      from: f.from,
      to: f.to,
      summary:
        f.kind === 'quiet'
          ? ctx.msg.listingFolded(f.base, f.chains.length, f.first, f.last, f.to - f.from)
          : ctx.msg.listingUnreached(f.rules),
    }),
  );
  const props = { anchor: sw.anchor, lang, title, lines, ...(folds.length > 0 ? { folds } : {}) };
  return jsxElement('ChainListing', props, []);
}

/** The heading and the sentences before the listing: why these chains, the packet at start. */
function stageIntro(ctx: DocContext, w: PacketWalk, sw: StageWalk): RootContent[] {
  const { msg } = ctx;
  const out: RootContent[] = [];
  const from = w.first ? senderOf(ctx.scenario, w) : undefined;
  const h = heading(4, msg.stageHeading(w.role, sw.stage.hook, sw.stage.fclass, from)) as Heading;
  ctx.anchors.set(sw, h);
  out.push(h);
  const intro = sw.inferred
    ? msg.stageInferredIntro(sw.stage.hook)
    : msg.stageIntro(sw.stage.hook, sw.stage.fclass, ctx.ruleset.format === 'iptables-save');
  const viaBridge =
    sw.stage.fclass === 'l3' && sw.stage.hook === 'prerouting' && sw.iif
      ? ctx.scenario.host.interfaces.find((i) => i.name === sw.iif && i.kind === 'bridge')
      : undefined;
  const told = w.items.some(
    (i) =>
      i.kind === 'info' && i.event.type === 'bridge' && i.event.detail.step === 'br_nf_pre_routing',
  );
  if (
    !told &&
    viaBridge &&
    (ctx.scenario.host.sysctl['net.bridge.bridge-nf-call-iptables'] ?? 1) === 1
  ) {
    out.push(para(msg.brNetfilterPrerouting(viaBridge.name)));
  }
  // One paragraph: the packet as the chains receive it, then what the listing below holds.
  out.push(para(sentences(msg.packetAtStart(flowText(sw.viewIn), sw.iif, sw.oif), intro)));
  return out;
}

export function stageSection(ctx: DocContext, ps: PacketState, sw: StageWalk): RootContent[] {
  const { msg } = ctx;
  const w = ps.walk;
  const out = stageIntro(ctx, w, sw);
  const family = sw.stage.fclass === 'l3' ? (w.ipFamily === 4 ? 'ip' : 'ip6') : sw.stage.fclass;
  if (ps.repeatOf !== undefined) out.push(para(msg.listingSameAs(ps.repeatOf)));
  else out.push(listingNode(ctx, sw, `${flowText(sw.viewIn)} · ${family} ${sw.stage.hook}`));
  out.push(...stepItems(ctx, ps, sw));
  const skipped = notEntered(ctx, w, sw);
  if (skipped.length > 0) out.push(bullets(skipped.map((p) => [para(p)])));
  // Only a rewrite is told: the next hook's first sentence gives the packet anyway.
  if (!sameFlow(sw.viewIn, sw.viewOut)) out.push(para(msg.packetNow(flowText(sw.viewOut))));
  return out;
}
