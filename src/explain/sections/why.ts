/**
 * Why the reply goes the way it does, and the seed author's questions: why no nat chain sees
 * it and where conntrack undoes each translation; why a bridged reply meets bridge input and
 * ip forward, never ip input.
 */
import type { Heading, RootContent } from 'mdast';
import type { HookName } from '../../ruleset/model.ts';
import type { DocContext } from '../context.ts';
import { type FlowView, flowText, machineByAddress, natDelta } from '../facts.ts';
import type { ChainRef } from '../i18n/messages.ts';
import { natChange } from '../info.ts';
import { heading, para, ref } from '../mdast.ts';
import type { Phrase } from '../phrase.ts';
import { keyword } from '../syntax.ts';
import { flowOf, type PacketWalk, type StageWalk, sameFlow, stageWalks } from '../walk.ts';

type Answer = { q: Phrase; a: Phrase[] };

export function natStepsOf(
  w: PacketWalk,
): { kind: string; hook: HookName; before: FlowView; after: FlowView }[] {
  return stageWalks(w).flatMap((sw) =>
    sw.nat.filter((n) => n.step !== undefined).map((n) => ({ ...n, hook: sw.stage.hook })),
  );
}

type Seen = { chain: ChainRef; priority: number; view: FlowView };
type Change = { change: { before: FlowView; after: FlowView; hook?: HookName } };

/** The reply's chains and rewrites in the order they happened. */
function seenInOrder(reply: PacketWalk): (Seen | Change)[] {
  const seen: (Seen | Change)[] = [];
  for (const item of reply.items) {
    if (item.kind === 'info') {
      const n = item.event.type === 'nat' ? natChange(item.event.detail) : undefined;
      if (n) seen.push({ change: { before: n.before, after: n.after, hook: n.hook } });
      continue;
    }
    for (const s of item.replay.steps) {
      if (s.event.type !== 'enter') continue;
      const change = item.nat.find(
        (n) =>
          n.kind === 'conntrack' &&
          sameFlow(n.after, flowOf((s.event as { packet: FlowView }).packet)),
      );
      if (change)
        seen.push({
          change: { before: change.before, after: change.after, hook: item.stage.hook },
        });
      seen.push({
        chain: ref(s.event.family, s.event.table, s.event.chain),
        priority: s.event.priority,
        view: flowOf(s.event.packet),
      });
    }
  }
  return seen;
}

/**
 * Each rewrite of the reply, with the chain that last saw the packet before it and the first
 * chain that saw it after.
 */
function undoPhrases(ctx: DocContext, reply: PacketWalk): Phrase[] {
  const seen = seenInOrder(reply);
  const undo: Phrase[] = [];
  seen.forEach((x, i) => {
    if (!('change' in x)) return;
    const before = seen
      .slice(0, i)
      .reverse()
      .find((y): y is Seen => 'chain' in y);
    const after = seen.slice(i + 1).find((y): y is Seen => 'chain' in y);
    undo.push(
      ctx.msg.whyUndo(
        natDelta(x.change.before, x.change.after),
        x.change.hook ?? 'postrouting',
        before && sameFlow(before.view, x.change.before) ? before : undefined,
        after && sameFlow(after.view, x.change.after) ? after : undefined,
      ),
    );
  });
  return undo;
}

/** 1. NAT: the reply is translated by conntrack, not by nat chains. */
function natAnswer(ctx: DocContext, request: PacketWalk, reply: PacketWalk): Answer | undefined {
  const { msg } = ctx;
  const reqNat = natStepsOf(request);
  const replyStages = stageWalks(reply);
  const skippedNat = replyStages.flatMap((sw) =>
    sw.bases
      .filter((b) => b.chain.base?.type === 'nat' && !sw.replay.reached.has(b.key))
      .map((b) => ({ ref: ref(b.table.family, b.table.name, b.chain.name), hook: sw.stage.hook })),
  );
  const enteredNat = replyStages.some((sw) =>
    sw.replay.steps.some(
      (s) =>
        s.event.type === 'enter' &&
        sw.bases.find(
          (b) => b.key === `${s.event.family}\u0000${s.event.table}\u0000${s.event.chain}`,
        )?.chain.base?.type === 'nat',
    ),
  );
  const undo = undoPhrases(ctx, reply);
  if (reqNat.length > 0 && !enteredNat) {
    const natPhrases = reqNat.map((n) =>
      msg.natRecap(keyword(ctx.ruleset, n.kind), n.hook, natDelta(n.before, n.after)),
    );
    const a: Phrase[] = [
      msg.whyNoNat(
        skippedNat.map((s) => s.ref),
        natPhrases,
      ),
      ...undo,
    ];
    if (request.first && reply.last && reply.last.saddr === request.first.daddr) {
      a.push(msg.whyClientSees(flowText(reply.last), request.first.daddr));
    }
    return { q: msg.qNoNat(), a };
  }
  if (undo.length > 0) return { q: msg.qRewrites(), a: undo };
  return undefined;
}

/** The ip input base chains of the reply's family, the filter ones first by priority. */
function ipInputChains(ctx: DocContext, reply: PacketWalk): { all: ChainRef[]; first?: ChainRef } {
  const { ruleset } = ctx;
  const all = ruleset.tables
    .filter((t) => t.family === (reply.ipFamily === 4 ? 'ip' : 'ip6') || t.family === 'inet')
    .flatMap((t) =>
      t.chains.filter((c) => c.base?.hook === 'input').map((c) => ref(t.family, t.name, c.name)),
    );
  const sorted = all
    .map((r) => ({
      r,
      base: ruleset.tables
        .find((t) => t.family === r.family && t.name === r.table)
        ?.chains.find((c) => c.name === r.chain)?.base,
    }))
    .sort(
      (a, b) =>
        Number(a.base?.type !== 'filter') - Number(b.base?.type !== 'filter') ||
        (a.base?.priority.value ?? 0) - (b.base?.priority.value ?? 0),
    );
  const first = sorted[0]?.r;
  return first ? { all, first } : { all };
}

/** 2 and 3. The bridge: bridge input and ip forward, never ip input. */
function bridgeAnswers(
  ctx: DocContext,
  reply: PacketWalk,
  bridgeInput: StageWalk,
  ipForward: StageWalk,
): Answer[] {
  const { msg, ruleset } = ctx;
  const answers: Answer[] = [];
  const bEnter = bridgeInput.replay.steps.find((s) => s.event.type === 'enter')?.event;
  const fEnter = ipForward.replay.steps.find((s) => s.event.type === 'enter')?.event;
  const bridgeName =
    ctx.scenario.hosts.find((m) => m.port === bridgeInput.iif)?.interface ??
    ctx.scenario.host.interfaces.find((i) => i.kind === 'bridge')?.name ??
    '?';
  const sender = reply.first ? machineByAddress(ctx.scenario, reply.first.saddr) : undefined;
  const gw = reply.send?.way === 'in' ? reply.send.gateway : undefined;
  const ipInputs = ipInputChains(ctx, reply);
  answers.push({
    q: msg.qInputAndForward(
      bEnter ? ref(bEnter.family, bEnter.table, bEnter.chain) : undefined,
      fEnter ? ref(fEnter.family, fEnter.table, fEnter.chain) : undefined,
    ),
    a: [
      msg.whyBridgeLocal(bridgeName, bridgeInput.iif ?? undefined, gw, sender?.name),
      msg.whyForwardNotInput(ipForward.viewIn.daddr, ipForward.oif ?? '?'),
    ],
  });
  const firstInput = ipInputs.first;
  if (firstInput && bEnter?.type === 'enter') {
    const ipPrio =
      ruleset.tables
        .find((t) => t.family === firstInput.family && t.name === firstInput.table)
        ?.chains.find((c) => c.name === firstInput.chain)?.base?.priority.value ?? 0;
    answers.push({
      q: msg.qBridgeNotIpInput(
        ref(bEnter.family, bEnter.table, bEnter.chain),
        bEnter.priority,
        firstInput,
        ipPrio,
      ),
      a: [msg.whyLayers(bEnter.priority, ipPrio, ipInputs.all)],
    });
  }
  return answers;
}

export function whySection(ctx: DocContext, walks: PacketWalk[]): RootContent[] {
  const { msg } = ctx;
  const request = walks.find((w) => w.role === 'request');
  const reply = walks.find((w) => w.role === 'reply');
  if (!request || !reply) return [];
  const answers: Answer[] = [];
  const nat = natAnswer(ctx, request, reply);
  if (nat) answers.push(nat);
  const replyStages = stageWalks(reply);
  const bridgeInput = replyStages.find(
    (sw) => sw.stage.fclass === 'bridge' && sw.stage.hook === 'input',
  );
  const ipForward = replyStages.find(
    (sw) => sw.stage.fclass === 'l3' && sw.stage.hook === 'forward',
  );
  if (bridgeInput && ipForward) answers.push(...bridgeAnswers(ctx, reply, bridgeInput, ipForward));
  if (answers.length === 0) return [];
  const h = heading(3, msg.whyHeading()) as Heading;
  // Linked from the top of the page.
  ctx.anchors.set(walks, h);
  const out: RootContent[] = [h];
  for (const { q, a } of answers) {
    out.push(heading(4, q));
    out.push(...a.map(para));
  }
  return out;
}
