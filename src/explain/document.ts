/**
 * Builds the explanation page as an mdast tree: the setup, then for each conversation its
 * diagrams, every packet hook by hook (extracted chains with margin marks, numbered steps, the
 * packet after every rewrite, the routing decisions), and why the reply went the way it did.
 * All sentences come from the message catalogue; all facts from the trace and the scenario.
 */
import type {
  BlockContent,
  Code,
  List,
  ListItem,
  Paragraph,
  Root,
  RootContent,
  Table,
  TableRow,
} from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { InfoFact, NoteDetail, PacketView, RouteEvent, Trace } from '../netfilter/trace.ts';
import { ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES } from '../ruleset/icmp-types.ts';
import type { Family, HookName, Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import {
  cidrText,
  connectedIface,
  type FlowView,
  flowText,
  localIface,
  machineByAddress,
  natDelta,
  ownerOf,
  subnetText,
} from './facts.ts';
import type { ChainRef, Messages } from './i18n/messages.ts';
import { flowOfEndpoints, natChange } from './info.ts';
import { listingRows, listingText } from './listing.ts';
import { type MatchContext, matchReasons, whyNot } from './matches.ts';
import { hookMap, packetFlowchart, sequenceDiagram } from './mermaid.ts';
import { type Phrase, plain, toPhrasing } from './phrase.ts';
import { type Step, splitVerdict } from './stages.ts';
import {
  findRule,
  flowOf,
  natStmtOf,
  type PacketWalk,
  type StageWalk,
  sameFlow,
  stageWalks,
  walkPacket,
} from './walk.ts';

export interface DocOptions {
  format: 'md' | 'mdx';
  msg: Messages;
}

export interface ConversationSummary {
  index: number;
  verdict: string;
}

interface Ctx {
  scenario: Scenario;
  ruleset: Ruleset;
  trace: Trace;
  msg: Messages;
  format: 'md' | 'mdx';
  /** The translations the conversation's first packet set up (to name what a reply undoes). */
  requestNat: { kind: string; field: 'source' | 'destination' | 'both' }[];
  /** The machine the host last sent a packet to (the receiver of a `deliver`). */
  lastSentTo?: string;
  /** The hook maps already drawn, with the conversation (1-based) that drew each. */
  hookMaps: Map<string, number>;
  /** The last routing decision told, to tell a repeated one only once. */
  lastRoute?: string;
  /** What a jump, goto, NAT statement, policy… means: told once per packet. */
  told: Set<string>;
  /** The bridge the packet is on, and whether br_netfilter runs ip prerouting inside it now. */
  lastBridge?: string;
  inBridgePrerouting?: boolean;
}

const para = (p: Phrase): Paragraph => ({ type: 'paragraph', children: toPhrasing(p) });
const heading = (depth: 1 | 2 | 3 | 4 | 5, p: Phrase): RootContent => ({
  type: 'heading',
  depth,
  children: toPhrasing(p),
});
const codeBlock = (lang: string, value: string): Code => ({ type: 'code', lang, value });
const bullets = (items: BlockContent[][]): List => ({
  type: 'list',
  ordered: false,
  spread: false,
  children: items.map((children): ListItem => ({ type: 'listItem', spread: false, children })),
});

function ref(family: Family, table: string, chain: string): ChainRef {
  return { family, table, chain };
}

/** Links and images of a summary may point to http(s), mailto or a relative path, no script. */
function safeUrl(url: string): boolean {
  const u = url.replace(/[\u0000-\u0020\u007f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u);
  return !scheme || /^(https?|mailto)$/i.test(scheme[1] ?? '');
}

/**
 * The summary is Markdown by the scenario format; raw HTML in it becomes plain text, and a link
 * or image to a script (`javascript:`, `data:`…) becomes its text.
 */
function summaryNodes(summary: string): RootContent[] {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(summary) as Root;
  const clean = (n: RootContent): RootContent => {
    if (n.type === 'html')
      return { type: 'paragraph', children: [{ type: 'text', value: n.value }] };
    if ((n.type === 'link' || n.type === 'image' || n.type === 'definition') && !safeUrl(n.url))
      return {
        type: 'text',
        value: summary.slice(n.position?.start.offset, n.position?.end.offset),
      };
    if ('children' in n && Array.isArray(n.children)) {
      return {
        ...n,
        children: (n.children as RootContent[]).map((c) =>
          c.type === 'html' ? { type: 'text', value: c.value } : clean(c),
        ),
      } as RootContent;
    }
    return n;
  };
  return tree.children.map(clean);
}

// ---------------------------------------------------------------------------------------------
// Setup

function setupSection(ctx: Ctx): RootContent[] {
  const { scenario: s, msg } = ctx;
  const out: RootContent[] = [heading(2, msg.setupHeading()), para(msg.setupIntro(s.host.name))];
  const cell = (p: Phrase) => ({ type: 'tableCell' as const, children: toPhrasing(p) });
  const row = (cells: Phrase[]): TableRow => ({ type: 'tableRow', children: cells.map(cell) });
  const ifaces: Table = {
    type: 'table',
    align: [null, null, null],
    children: [
      row([msg.colInterface(), msg.colKind(), msg.colAddresses()]),
      ...s.host.interfaces.map((i) =>
        row([[{ code: i.name }], msg.kind(i.kind), [i.addresses.map(cidrText).join(', ')]]),
      ),
    ],
  };
  out.push(ifaces);
  if (s.hosts.length > 0) {
    out.push(para(msg.machinesIntro()));
    out.push({
      type: 'table',
      align: [null, null, null, null],
      children: [
        row([msg.colMachine(), msg.colBehind(), msg.colAddresses(), msg.colListens()]),
        ...s.hosts.map((m) =>
          row([
            [m.name],
            m.port ? [{ code: m.interface }, ' (', { code: m.port }, ')'] : [{ code: m.interface }],
            [m.addresses.join(', ')],
            m.listens.length > 0
              ? [m.listens.map((l) => `${l.protocol}/${l.port}`).join(', ')]
              : msg.none(),
          ]),
        ),
      ],
    });
  }
  const facts: Phrase[] = [];
  for (const r of s.host.routes) {
    facts.push(msg.route(cidrText(r.to), r.via, r.dev));
  }
  facts.push(msg.sysctlForwarding((s.host.sysctl['net.ipv4.ip_forward'] ?? 0) === 1));
  if (s.host.interfaces.some((i) => i.kind === 'bridge')) {
    facts.push(
      msg.sysctlBridgeNf((s.host.sysctl['net.bridge.bridge-nf-call-iptables'] ?? 1) === 1),
    );
  }
  if (s.host.listens.length > 0) {
    facts.push(msg.hostListens(s.host.listens.map((l) => `${l.protocol}/${l.port}`)));
  }
  facts.push(
    msg.rulesetIntro(ctx.scenario.ruleset.path, ctx.ruleset.format, ctx.ruleset.tables.length),
  );
  out.push(bullets(facts.map((f) => [para(f)])));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps

function laterBases(sw: StageWalk, step: Step): ChainRef[] {
  const entered = sw.replay.steps.filter((s) => s.event.type === 'enter' && s.n > step.n);
  return entered.map((s) => ref(s.event.family, s.event.table, s.event.chain));
}

/** A run of unconditional jumps to empty chains, told as one sentence on its first step. */
interface EmptyRun {
  first: number;
  last: number;
  chain: string;
  targets: string[];
}

const MIN_EMPTY_RUN = 3;

/**
 * Runs of at least three consecutive steps that are unconditional jumps from one chain to
 * chains without rules (each following step starts with nothing but the implicit return from
 * the previous target): firewalld's `_pre`, `_log`, `_deny`, `_allow`, `_post` zone chains.
 */
function emptyJumpRuns(ruleset: Ruleset, steps: Step[]): EmptyRun[] {
  const runs: EmptyRun[] = [];
  let cur: EmptyRun | undefined;
  const close = () => {
    if (cur && cur.targets.length >= MIN_EMPTY_RUN) runs.push(cur);
    cur = undefined;
  };
  for (const step of steps) {
    const e = step.event;
    const [verdict, target] = e.type === 'rule' ? splitVerdict(e.verdict) : ['', ''];
    const rule =
      e.type === 'rule' ? findRule(ruleset, e.family, e.table, e.chain, e.index) : undefined;
    const empty =
      e.type === 'rule' &&
      verdict === 'jump' &&
      rule?.statements.every((x) => x.kind !== 'match') === true &&
      ruleset.tables
        .find((t) => t.family === e.family && t.name === e.table)
        ?.chains.find((c) => c.name === target)?.rules.length === 0;
    const prev = cur?.targets.at(-1);
    const continues =
      empty &&
      cur !== undefined &&
      e.type === 'rule' &&
      e.chain === cur.chain &&
      step.n === cur.last + 1 &&
      step.before.length === 1 &&
      step.before[0]?.kind === 'return' &&
      step.before[0].from === prev;
    if (continues && cur) {
      cur.last = step.n;
      cur.targets.push(target);
      continue;
    }
    close();
    if (empty && e.type === 'rule' && step.before.every((b) => b.kind === 'return')) {
      cur = { first: step.n, last: step.n, chain: e.chain, targets: [target] };
    }
  }
  close();
  return runs;
}

function icmpTypeName(family: 4 | 6, type: number): string | undefined {
  return (family === 4 ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES)[type];
}

/**
 * What a rule sees of the packet. Beyond the trace's addresses and ports: nfwalk's packets are
 * the first of their kind, so a ping's request is an echo request and its reply an echo reply,
 * a TCP request is a SYN and its answer a SYN-ACK, and a reject sends a destination-unreachable
 * or a RST.
 */
function matchContext(
  ctx: Ctx,
  w: PacketWalk,
  family: Family,
  table: string,
  packet: PacketView,
  /** What the simulator says of the packet as the chain saw it (skb mark, ICMP type). */
  seen?: { mark: number; icmpType?: number; icmpCode?: number },
): MatchContext {
  const icmp = packet.protocol === 'icmp' || packet.protocol === 'icmpv6';
  const named =
    icmp && seen?.icmpType !== undefined
      ? icmpTypeName(packet.protocol === 'icmp' ? 4 : 6, seen.icmpType)
      : undefined;
  const icmpType = !icmp
    ? undefined
    : named
      ? named
      : w.role === 'request'
        ? 'echo-request'
        : w.role === 'reply'
          ? 'echo-reply'
          : w.role === 'icmp-error'
            ? 'destination-unreachable'
            : undefined;
  const tcpFlags =
    packet.protocol !== 'tcp'
      ? undefined
      : w.role === 'request'
        ? ['syn']
        : w.role === 'reply'
          ? ['syn', 'ack']
          : w.role === 'reset'
            ? ['rst', 'ack']
            : undefined;
  return {
    scenario: ctx.scenario,
    packet,
    ct: { state: w.ct.state, status: w.ct.status },
    ...(icmpType ? { icmpType } : {}),
    ...(tcpFlags ? { tcpFlags } : {}),
    ...(typeof seen?.mark === 'number' ? { mark: seen.mark } : {}),
    sets: ctx.ruleset.tables.find((t) => t.family === family && t.name === table)?.sets ?? [],
  };
}

/** One step's explanation: the main sentence(s), then the notes on what the verdict means. */
function stepPhrases(
  ctx: Ctx,
  w: PacketWalk,
  sw: StageWalk,
  step: Step,
  runs: EmptyRun[] = [],
): { main: Phrase[]; notes: Phrase[]; info?: Phrase[] } {
  const run = runs.find((r) => step.n >= r.first && step.n <= r.last + 1);
  if (run && step.n > run.first && step.n <= run.last) {
    const e = step.event;
    const target = e.type === 'rule' ? splitVerdict(e.verdict)[1] : '';
    return { main: [ctx.msg.emptyJumpAgain(target, run.first)], notes: [] };
  }
  const r = stepPhrasesFlat(ctx, w, sw, step, run);
  const end = r.noteEnd ?? r.length;
  return { main: r.slice(0, r.mainCount), notes: r.slice(r.mainCount, end), info: r.slice(end) };
}

function stepPhrasesFlat(
  ctx: Ctx,
  w: PacketWalk,
  sw: StageWalk,
  step: Step,
  run?: EmptyRun,
): Phrase[] & { mainCount: number; noteEnd?: number } {
  const { msg, ruleset } = ctx;
  const e = step.event;
  const out = [] as unknown as Phrase[] & { mainCount: number; noteEnd?: number };
  out.mainCount = 0;
  const once = (key: string, p: Phrase): Phrase[] => {
    if (ctx.told.has(key)) return [];
    ctx.told.add(key);
    return [p];
  };
  const enterOf = [...sw.replay.steps]
    .reverse()
    .find((s) => s.n <= step.n && s.event.type === 'enter');
  const seenEnter = enterOf?.event.type === 'enter' ? enterOf.event : undefined;
  const seen = seenEnter?.packet;
  for (const b of step.before) {
    // The step right after a run of empty-chain jumps: the run already said it comes back.
    if (run && step.n === run.last + 1 && b.kind === 'return' && b.from === run.targets.at(-1))
      continue;
    if (b.kind === 'passed') {
      // Why each rule fails, in order; rules in a row failing on the same statement for the
      // same reason are told once. A long run (a kube-proxy chain of 50,000 services) is told
      // by its first WHYS_TOLD reasons and a count of the rules after them.
      const merged: { stmt: string; fact: Phrase; count: number }[] = [];
      let explained = 0;
      let unexplained = !seen;
      const ctxM = seen
        ? matchContext(ctx, w, b.family, b.table, seen, seenEnter?.detail)
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
      out.push(
        unexplained
          ? msg.passedOver(b.chain, b.count)
          : msg.passedOverWhy(b.chain, merged, b.count - explained),
      );
      continue;
    }
    out.push(
      ctx.told.has('implicit-return')
        ? msg.implicitReturnShort(b.from, b.to)
        : msg.implicitReturn(b.from, b.to),
    );
    ctx.told.add('implicit-return');
  }
  if (e.type === 'enter') {
    const idx = sw.bases.findIndex(
      (b) => b.table.family === e.family && b.table.name === e.table && b.chain.name === e.chain,
    );
    const base = sw.bases[idx]?.chain.base;
    const enteredBefore = sw.replay.steps.filter(
      (s) => s.event.type === 'enter' && s.n < step.n,
    ).length;
    out.push(
      msg.stepEnter({
        hook: sw.stage.hook,
        fclass: sw.stage.fclass,
        chain: ref(e.family, e.table, e.chain),
        type: base?.type ?? 'filter',
        priority: e.priority,
        priorityText: base?.priority.text ?? String(e.priority),
        position: idx + 1,
        total: sw.bases.length,
        first: enteredBefore === 0,
      }),
    );
    if (enteredBefore > 0) out.push(...once('later-base', msg.laterBaseNote()));
    if (sw.bases[idx]?.chain.policy === 'drop') out.push(msg.policyDropNote(e.chain));
    const prev = sw.replay.steps.filter((s) => s.event.type === 'enter' && s.n < step.n).at(-1);
    const v = flowOf(e.packet);
    if (prev?.event.type === 'enter' && !sameFlow(flowOf(prev.event.packet), v)) {
      out.push(msg.chainSees(flowText(v)));
    }
    out.mainCount = out.length;
    out.noteEnd = out.length;
    for (const i of step.after) out.push(...infoPhrases(ctx, w, i));
    return out;
  }
  if (e.type === 'policy') {
    out.push(msg.stepPolicy(e.chain, e.verdict));
    out.mainCount = out.length;
    out.push(...once(`policy-${e.verdict}`, msg.policyMeans(e.verdict)));
    out.noteEnd = out.length;
    for (const i of step.after) out.push(...infoPhrases(ctx, w, i));
    return out;
  }
  const rule = findRule(ruleset, e.family, e.table, e.chain, e.index);
  const enterStep = [...sw.replay.steps]
    .reverse()
    .find((s) => s.n <= step.n && s.event.type === 'enter');
  const packet = enterStep?.event.type === 'enter' ? enterStep.event.packet : undefined;
  const enterDetail = enterStep?.event.type === 'enter' ? enterStep.event.detail : undefined;
  const reasons =
    rule && packet
      ? matchReasons(rule, matchContext(ctx, w, e.family, e.table, packet, enterDetail), msg)
      : [];
  const [verdict, target] = splitVerdict(e.verdict);
  const extra: Phrase[] = [];
  let action: Phrase;
  const nat = natStmtOf(rule);
  const reject = rule?.statements.find((s) => s.kind === 'reject');
  if (verdict === 'jump' && run?.first === step.n) {
    out.push(msg.emptyJumps(run.chain, run.targets, run.first, run.last));
    out.mainCount = out.length;
    out.push(...once('jump', msg.jumpMeans(target, e.chain)));
    out.noteEnd = out.length;
    for (const i of step.after) out.push(...infoPhrases(ctx, w, i));
    return out;
  }
  if (verdict === 'jump') {
    action = msg.actJump(target);
    extra.push(...once('jump', msg.jumpMeans(target, e.chain)));
  } else if (verdict === 'goto') {
    action = msg.actGoto(target);
    extra.push(...once('goto', msg.gotoMeans(target, e.chain, step.caller)));
  } else if (verdict === 'return') {
    action = msg.actReturn(step.returnTo);
    if (step.returnTo) extra.push(...once('return', msg.returnMeans(step.returnTo)));
  } else if (verdict === 'accept' && nat) {
    const change = sw.nat.find((c) => c.step === step.n);
    const iface = nat.type === 'masquerade' ? sw.oif : nat.type === 'redirect' ? sw.iif : null;
    const delta = change ? natDelta(change.before, change.after) : undefined;
    action = msg.actNat(
      nat.type,
      delta?.to,
      change ? flowText(change.after) : undefined,
      iface ?? undefined,
    );
    extra.push(...once('nat', msg.natMeans(nat.type)));
    extra.push(msg.acceptMeans(e.chain, step.base.chain, laterBases(sw, step)));
  } else if (verdict === 'accept') {
    action = msg.actAccept();
    extra.push(msg.acceptMeans(e.chain, step.base.chain, laterBases(sw, step)));
  } else if (verdict === 'drop' && reject) {
    action = msg.actReject(reject.text ?? 'reject');
    extra.push(...once('drop', msg.dropMeans()));
  } else if (verdict === 'drop') {
    action = msg.actDrop();
    extra.push(...once('drop', msg.dropMeans()));
  } else if (verdict === 'queue') {
    action = msg.actQueue();
  } else {
    const kinds = (rule?.statements ?? []).flatMap((x) =>
      x.kind === 'match' || x.kind === 'verdict'
        ? []
        : [x.kind === 'other' ? x.keyword : x.kind === 'mangle' ? (x.text ?? 'set') : x.kind],
    );
    action = msg.actContinue([...new Set(kinds)]);
  }
  out.push(reasons.length > 0 ? msg.stepBecause(reasons, action) : msg.stepAlways(action));
  if (!rule) out.push(msg.ruleNotInRuleset(e.text));
  out.mainCount = out.length;
  out.push(...extra);
  out.noteEnd = out.length;
  for (const i of step.after) out.push(...infoPhrases(ctx, w, i));
  return out;
}

/** Why a base chain on this hook was not entered. */
function notEntered(ctx: Ctx, w: PacketWalk, sw: StageWalk): Phrase[] {
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

/** How many reasons a run of rules passed over is told by; the rest are counted. */
const WHYS_TOLD = 12;

function listingNode(ctx: Ctx, sw: StageWalk, title: string): RootContent {
  const lang = ctx.ruleset.format === 'iptables-save' ? 'iptables' : 'nft';
  const elide = ctx.msg.listingElided;
  if (ctx.format === 'md')
    return codeBlock(lang, listingText(ctx.ruleset, sw.tables, sw.replay, elide));
  // `mark` is optional in the contract: unmarked lines carry only their text (a leaner page).
  const lines = listingRows(ctx.ruleset, sw.tables, sw.replay, elide).map(
    (r): JsonValue => (r.mark === '' ? { text: r.text } : { mark: r.mark, text: r.text }),
  );
  return jsxElement('ChainListing', { anchor: sw.anchor, lang, title, lines }, []);
}

function stageSection(ctx: Ctx, w: PacketWalk, sw: StageWalk): RootContent[] {
  const { msg } = ctx;
  const out: RootContent[] = [];
  const from = w.first ? ownerOf(ctx.scenario, w.first.saddr) : undefined;
  out.push(heading(4, msg.stageHeading(w.role, sw.stage.hook, sw.stage.fclass, from)));
  if (sw.inferred) out.push(para(msg.stageInferredIntro(sw.stage.hook)));
  else
    out.push(
      para(msg.stageIntro(sw.stage.hook, sw.stage.fclass, ctx.ruleset.format === 'iptables-save')),
    );
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
  out.push(para(msg.packetAtStart(flowText(sw.viewIn), sw.iif, sw.oif)));
  const family = sw.stage.fclass === 'l3' ? (w.ipFamily === 4 ? 'ip' : 'ip6') : sw.stage.fclass;
  out.push(listingNode(ctx, sw, `${flowText(sw.viewIn)} · ${family} ${sw.stage.hook}`));
  const items: BlockContent[][] = [];
  const runs = emptyJumpRuns(ctx.ruleset, sw.replay.steps);
  for (const step of sw.replay.steps) {
    const { main, notes, info = [] } = stepPhrases(ctx, w, sw, step, runs);
    // What happened right after the step (conntrack, a translation…) is a paragraph of its own.
    const paras = [
      msg.sentences(main),
      ...(notes.length > 0 ? [msg.sentences(notes)] : []),
      ...(info.length > 0 ? [msg.sentences(info)] : []),
    ];
    if (ctx.format === 'mdx') {
      out.push(jsxElement('Step', { anchor: sw.anchor, n: step.n }, paras.map(para)));
    } else {
      const [firstP, ...rest] = paras;
      items.push([para([`(${step.n}) `, ...(firstP ?? [])]), ...rest.map(para)]);
    }
  }
  if (items.length > 0) out.push(bullets(items));
  const skipped = notEntered(ctx, w, sw);
  if (skipped.length > 0) out.push(bullets(skipped.map((p) => [para(p)])));
  if (sw.replay.steps.length > 0 || sw.nat.length > 0) {
    out.push(
      para(
        sameFlow(sw.viewIn, sw.viewOut)
          ? msg.packetUnchanged(flowText(sw.viewOut))
          : msg.packetNow(flowText(sw.viewOut)),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Between the hooks

function routeSentence(
  ctx: Ctx,
  daddr: string,
  next: StageWalk | undefined,
  info?: Omit<RouteEvent, 'message'>,
): Phrase | undefined {
  const { scenario, msg } = ctx;
  const r = info?.detail;
  const decision =
    r?.decision ??
    (next?.stage.hook === 'input'
      ? 'local'
      : next?.stage.hook === 'forward'
        ? 'forward'
        : undefined);
  const dst = r?.daddr ?? daddr;
  if (decision === 'local') {
    return msg.routeLocal(dst, localIface(scenario, dst) ?? r?.dev ?? 'lo');
  }
  if (decision === 'forward' || decision === 'output') {
    const conn = connectedIface(scenario, dst);
    const oif = r?.dev ?? next?.oif ?? conn?.iface;
    const via =
      r?.via ?? (conn ? undefined : scenario.host.routes.find((x) => x.dev === oif || !x.dev)?.via);
    return msg.routeForward(
      dst,
      oif ?? '?',
      decision === 'output',
      via,
      conn ? subnetText(conn.cidr) : undefined,
    );
  }
  return undefined;
}

/** What an event says; `between`: it happened between hooks, not after a chain's step. */
function infoPhrases(ctx: Ctx, w: PacketWalk, e: InfoFact, between = false): Phrase[] {
  const { msg, scenario } = ctx;
  switch (e.type) {
    case 'route': {
      const r = e.detail;
      const key = `${r.decision}|${r.dev}|${r.daddr}`;
      if (ctx.lastRoute === key) return [];
      ctx.lastRoute = key;
      // The lookup made inside the bridge's prerouting (br_nf_pre_routing_finish), after
      // conntrack changed the destination: the route decides whether the frame can stay on
      // the bridge or must go up to IP.
      const inBrNf = r.inBrNetfilter && r.step === 'br_nf_pre_routing_finish';
      if (inBrNf && r.decision === 'forward' && r.dev && r.dev !== ctx.lastBridge) {
        return [msg.routeInBridge(r.daddr, r.dev, ctx.lastBridge ?? '?')];
      }
      const s = routeSentence(ctx, w.last.daddr, undefined, e);
      return s ? [s] : [];
    }
    case 'conntrack': {
      const c = e.detail;
      const direction = c.direction ?? undefined;
      const confirmed = c.confirmed === true;
      // One entry per packet is told once: later reports of the same state add nothing.
      const key = `ct|${c.state}|${direction}|${confirmed}`;
      if (ctx.told.has(key)) return [];
      ctx.told.add(key);
      if (c.state === 'none') return [msg.ctNone()];
      if (c.attached) return [msg.ctAttached(c.state)];
      if (confirmed && c.reply) return [msg.ctConfirmed(flowText(flowOfEndpoints(c.reply)))];
      if (c.state === 'new' || c.created) return [msg.ctNew()];
      if (direction === 'original' && c.state === 'established') return [msg.ctKnown(c.state)];
      if (direction === 'reply' || w.role === 'reply') return [msg.ctReply(c.state)];
      return [msg.ctOther(c.state)];
    }
    case 'nat': {
      const n = natChange(e.detail);
      if (n?.icmpError) return [msg.natIcmpError(natDelta(n.before, n.after))];
      if (n?.reverse) {
        const d = natDelta(n.before, n.after);
        // The simulator names the statement whose binding is undone; a null binding has none,
        // and then rewriting the reply's destination undoes the request's source NAT and
        // vice versa.
        const undone =
          n.statement && n.statement !== 'null-binding'
            ? n.statement
            : ctx.requestNat.find(
                (x) => x.field !== d.field && x.field !== 'both' && d.field !== 'both',
              )?.kind;
        return [msg.natReverse(undone ?? n.kind, d, n.hook)];
      }
      // conntrack applies a known connection's translation to a later packet of it.
      if (n && between) return [msg.natChangeBetween(natDelta(n.before, n.after))];
      return [];
    }
    case 'bridge': {
      const b = e.detail;
      ctx.lastBridge = b.bridge;
      ctx.inBridgePrerouting = b.step === 'br_nf_pre_routing';
      switch (b.step) {
        case 'br_pass_frame_up':
          return [
            msg.bridgeLocal(b.bridge, b.port, w.send?.way === 'in' ? w.send.gateway : undefined),
          ];
        case 'br_nf_pre_routing':
          return [msg.brNetfilterPrerouting(b.bridge)];
        case 'br_nf_forward_ip':
          return [msg.brNetfilterHook(b.bridge, 'forward')];
        case 'br_nf_post_routing':
          return [msg.brNetfilterHook(b.bridge, 'postrouting')];
        case 'bridged_dnat':
          return [msg.bridgedAfterDnat(b.bridge)];
        case 'ip_sabotage_in':
          ctx.lastRoute = undefined;
          return [msg.bridgeSkipPrerouting(b.bridge)];
        case 'br_forward':
          return [msg.bridgeForward(b.bridge, b.from, b.to)];
        case 'br_dev_xmit':
          return [msg.bridgeOut(b.bridge, b.port)];
      }
      return [];
    }
    case 'deliver': {
      const d = e.detail;
      if (d.to === 'host') {
        ctx.lastSentTo = scenario.host.name;
        // The host's answer to a request delivered to it is told as the delivery again.
        return [msg.deliverHost(flowText(w.last), d.answer ? undefined : (d.dev ?? undefined))];
      }
      if (d.answer) return [msg.answers(d.to, d.answer)];
      return [msg.deliver(d.to, flowText(w.last), d.open)];
    }
    case 'drop': {
      const d = e.detail;
      if (d.reason === 'reject') return [msg.droppedReject(ref(d.family, d.table, d.chain))];
      if (d.reason === 'verdict') return [msg.droppedVerdict(ref(d.family, d.table, d.chain))];
      return [msg.dropped(d.reason)];
    }
    case 'send': {
      const s = e.detail;
      switch (s.way) {
        case 'out':
          ctx.lastSentTo = s.machine;
          return [msg.sentOut(s.machine, s.dev, flowText(flowOf(s.packet)))];
        case 'loopback':
          return [msg.loopedBack(s.dev)];
        case 'in':
          return [msg.sent(s.machine, s.dev)];
        case 'local':
          return [];
      }
      return [];
    }
    case 'hook': {
      // A hook with no chain at all: netdev hooks (on every device) are left unsaid, as the
      // article does; an ip or bridge hook is worth a sentence.
      const h = e.detail;
      if (h.chains > 0 || h.family === 'netdev') return [];
      return [msg.hookWithoutChains(h.family, h.hook)];
    }
    case 'note':
      return notePhrases(msg, e.detail);
    case 'unsupported': {
      const u = e.detail;
      return [msg.unsupported(u.reason ?? u.what, u.chain, u.index, u.text, u.file, u.line)];
    }
  }
}

function notePhrases(msg: Messages, d: NoteDetail): Phrase[] {
  switch (d.kind) {
    case 'redirect':
      return [msg.icmpRedirect()];
    case 'numgen':
    case 'jhash':
    case 'symhash':
    case 'assumption':
      return [msg.noteAssumption(d.kind)];
    case 'limit':
    case 'quota':
      return [msg.noteRateAssumed(d.kind, d.over)];
    case 'nat-family':
      return [msg.noteNatFamily()];
    case 'sysctl-not-modelled':
      return [msg.noteSysctlIgnored(d.sysctl)];
    case 'nat-random':
      return [msg.noteRandomPort(d.flags)];
    case 'mangle': {
      const delta = natDelta(flowOfEndpoints(d.before), flowOfEndpoints(d.after));
      return [msg.noteMangle(d.mangle, delta.from, delta.to)];
    }
    case 'reject-answer':
      return d.answer === 'icmp'
        ? [msg.rejectAnswer('icmp', d.code)]
        : [msg.rejectAnswer('rst', undefined)];
    case 'nat-without-conntrack':
      return [msg.natWithoutConntrack(d.statement)];
    case 'no-answer':
      return [msg.noAnswer(d.to, d.daddr)];
    case 'kernel-unlisted-chain':
      return [msg.kernelUnlistedChain(ref(d.family, d.table, d.chain))];
  }
}

// ---------------------------------------------------------------------------------------------
// Packets

function packetSection(ctx: Ctx, w: PacketWalk, conv: number): RootContent[] {
  const { msg } = ctx;
  const out: RootContent[] = [];
  out.push(heading(3, msg.packetHeading(w.role, w.first ? flowText(flowOf(w.first)) : '?')));
  const from = w.first ? (ownerOf(ctx.scenario, w.first.saddr) ?? w.first.saddr) : '?';
  const fromKernel =
    (w.role === 'icmp-error' || w.role === 'reset') && from === ctx.scenario.host.name;
  out.push(
    para(fromKernel ? msg.packetIntroKernel(w.role) : msg.packetIntro(w.role, from, w.arrivedOn)),
  );
  out.push(para(msg.flowchartIntro()));
  out.push(codeBlock('mermaid', packetFlowchart(ctx.scenario, w, msg, conv)));
  let prevStage: StageWalk | undefined;
  let routeSaid = false;
  let cursor: FlowView | undefined;
  for (let i = 0; i < w.items.length; i++) {
    const item = w.items[i]!;
    if (item.kind === 'info') {
      if (item.event.type === 'route') routeSaid = true;
      if (item.event.type === 'nat') {
        const n = natChange(item.event.detail);
        if (n) cursor = n.after;
      }
      for (const p of infoPhrases(ctx, w, item.event, true)) out.push(para(p));
      continue;
    }
    if (
      prevStage &&
      !routeSaid &&
      prevStage.stage.fclass === 'l3' &&
      prevStage.stage.hook === 'prerouting' &&
      item.stage.fclass === 'l3' &&
      (item.stage.hook === 'forward' || item.stage.hook === 'input')
    ) {
      const s = routeSentence(ctx, prevStage.viewOut.daddr, item);
      if (s) out.push(para(s));
    }
    if (cursor && !sameFlow(cursor, item.viewIn)) {
      out.push(para(msg.natChangeBetween(natDelta(cursor, item.viewIn))));
    }
    out.push(...stageSection(ctx, w, item));
    cursor = item.viewOut;
    if (item.stage.fclass === 'l3') {
      prevStage = item;
      routeSaid = false;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Why the reply goes the way it does, and the seed author's questions

function natStepsOf(
  w: PacketWalk,
): { kind: string; hook: HookName; before: FlowView; after: FlowView }[] {
  return stageWalks(w).flatMap((sw) =>
    sw.nat.filter((n) => n.step !== undefined).map((n) => ({ ...n, hook: sw.stage.hook })),
  );
}

function whySection(ctx: Ctx, walks: PacketWalk[]): RootContent[] {
  const { msg, ruleset } = ctx;
  const request = walks.find((w) => w.role === 'request');
  const reply = walks.find((w) => w.role === 'reply');
  if (!request || !reply) return [];
  const out: RootContent[] = [heading(3, msg.whyHeading())];
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
  const answers: { q: Phrase; a: Phrase[] }[] = [];

  // 1. NAT: the reply is translated by conntrack, not by nat chains. Each rewrite, with the
  // chain that last saw the packet before it and the first chain that saw it after.
  const undo: Phrase[] = [];
  type Seen = { chain: ChainRef; priority: number; view: FlowView };
  const seen: (Seen | { change: { before: FlowView; after: FlowView; hook?: HookName } })[] = [];
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
  seen.forEach((x, i) => {
    if (!('change' in x)) return;
    const before = seen
      .slice(0, i)
      .reverse()
      .find((y): y is Seen => 'chain' in y);
    const after = seen.slice(i + 1).find((y): y is Seen => 'chain' in y);
    undo.push(
      msg.whyUndo(
        natDelta(x.change.before, x.change.after),
        x.change.hook ?? 'postrouting',
        before && sameFlow(before.view, x.change.before) ? before : undefined,
        after && sameFlow(after.view, x.change.after) ? after : undefined,
      ),
    );
  });
  if (reqNat.length > 0 && !enteredNat) {
    const natPhrases = reqNat.map((n) => msg.natRecap(n.kind, n.hook, natDelta(n.before, n.after)));
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
    answers.push({ q: msg.qNoNat(), a });
  } else if (undo.length > 0) {
    answers.push({ q: msg.qRewrites(), a: undo });
  }

  // 2 and 3. The bridge: bridge input and ip forward, never ip input.
  const bridgeInput = replyStages.find(
    (sw) => sw.stage.fclass === 'bridge' && sw.stage.hook === 'input',
  );
  const ipForward = replyStages.find(
    (sw) => sw.stage.fclass === 'l3' && sw.stage.hook === 'forward',
  );
  if (bridgeInput && ipForward) {
    const bEnter = bridgeInput.replay.steps.find((s) => s.event.type === 'enter')?.event;
    const fEnter = ipForward.replay.steps.find((s) => s.event.type === 'enter')?.event;
    const bridgeName =
      ctx.scenario.hosts.find((m) => m.port === bridgeInput.iif)?.interface ??
      ctx.scenario.host.interfaces.find((i) => i.kind === 'bridge')?.name ??
      '?';
    const sender = reply.first ? machineByAddress(ctx.scenario, reply.first.saddr) : undefined;
    const gw = reply.send?.way === 'in' ? reply.send.gateway : undefined;
    const ipInputs = ruleset.tables
      .filter((t) => t.family === (reply.ipFamily === 4 ? 'ip' : 'ip6') || t.family === 'inet')
      .flatMap((t) =>
        t.chains.filter((c) => c.base?.hook === 'input').map((c) => ref(t.family, t.name, c.name)),
      );
    const a2: Phrase[] = [
      msg.whyBridgeLocal(bridgeName, bridgeInput.iif ?? undefined, gw, sender?.name),
      msg.whyForwardNotInput(ipForward.viewIn.daddr, ipForward.oif ?? '?'),
    ];
    answers.push({
      q: msg.qInputAndForward(
        bEnter ? ref(bEnter.family, bEnter.table, bEnter.chain) : undefined,
        fEnter ? ref(fEnter.family, fEnter.table, fEnter.chain) : undefined,
      ),
      a: a2,
    });
    const inputBases = ipInputs
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
    const firstInput = inputBases[0]?.r;
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
        a: [msg.whyLayers(bEnter.priority, ipPrio, ipInputs)],
      });
    }
  }
  if (answers.length === 0) return [];
  for (const { q, a } of answers) {
    out.push(heading(4, q));
    out.push(...a.map(para));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function verdictOf(walks: PacketWalk[]): string {
  if (walks.some((w) => w.ending === 'unsupported')) return 'unsupported';
  const req = walks.find((w) => w.role === 'request');
  const last = walks.at(-1);
  if (!req || !last) return 'no-packets';
  if (walks.some((w) => w.role === 'icmp-error' || w.role === 'reset')) return 'rejected';
  if (req.ending === 'dropped') return 'dropped';
  if (req.ending === 'rejected') return 'rejected';
  const reply = walks.find((w) => w.role === 'reply');
  if (reply) return reply.ending === 'dropped' ? 'reply-dropped' : 'answered';
  return req.ending === 'delivered' ? 'delivered' : 'passed';
}

function conversationSection(
  ctx: Ctx,
  conv: number,
  walks: PacketWalk[],
  verdict: string,
): RootContent[] {
  const { msg, scenario } = ctx;
  const spec = scenario.packets[conv];
  const req = walks[0];
  const flow = req?.first ? flowText(flowOf(req.first)) : '?';
  const out: RootContent[] = [];
  out.push(
    heading(
      2,
      msg.conversationHeading(conv + 1, spec?.protocol ?? req?.first?.protocol ?? '?', flow),
    ),
  );
  out.push(
    para(
      msg.conversationIntro(
        spec?.from ?? '?',
        spec?.to ?? '?',
        walks.map((w) => w.role),
        verdict,
      ),
    ),
  );
  ctx.requestNat = req
    ? natStepsOf(req).map((n) => ({ kind: n.kind, field: natDelta(n.before, n.after).field }))
    : [];
  out.push(para(msg.sequenceIntro()));
  out.push(codeBlock('mermaid', sequenceDiagram(scenario, walks, msg, ctx.requestNat)));
  const map = hookMap(ctx.scenario, walks, msg);
  const sameAs = ctx.hookMaps.get(map);
  if (sameAs !== undefined) out.push(para(msg.hookMapSame(sameAs)));
  else {
    ctx.hookMaps.set(map, conv + 1);
    out.push(para(msg.hookMapIntro()));
    out.push(codeBlock('mermaid', map));
  }
  for (const w of walks) {
    ctx.lastRoute = undefined;
    ctx.told = new Set();
    ctx.lastBridge = undefined;
    ctx.inBridgePrerouting = false;
    out.push(...packetSection(ctx, w, conv));
  }
  out.push(...whySection(ctx, walks));
  return out;
}

export function buildDocument(
  scenario: Scenario,
  ruleset: Ruleset,
  trace: Trace,
  opts: DocOptions,
): { root: Root; conversations: ConversationSummary[] } {
  const ctx: Ctx = {
    scenario,
    ruleset,
    trace,
    msg: opts.msg,
    format: opts.format,
    requestNat: [],
    told: new Set(),
    hookMaps: new Map(),
  };
  const children: RootContent[] = [];
  if (opts.format === 'md') children.push(heading(1, [scenario.title]));
  if (scenario.summary) children.push(...summaryNodes(scenario.summary));
  children.push(...setupSection(ctx));
  const conversations: ConversationSummary[] = [];
  for (const c of trace.conversations) {
    const walks: PacketWalk[] = [];
    c.packets.forEach((p, i) => {
      walks.push(walkPacket(ruleset, p, c.index, i));
    });
    const verdict = verdictOf(walks);
    conversations.push({ index: c.index, verdict });
    children.push(...conversationSection(ctx, c.index, walks, verdict));
  }
  return { root: { type: 'root', children }, conversations };
}

// ---------------------------------------------------------------------------------------------
// MDX components, built as trees: attribute values are estree expressions, never strings of code.

type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

function estreeOf(v: JsonValue): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && v < 0) {
      return {
        type: 'UnaryExpression',
        operator: '-',
        prefix: true,
        argument: { type: 'Literal', value: -v, raw: String(-v) },
      };
    }
    return { type: 'Literal', value: v, raw: JSON.stringify(v) };
  }
  if (Array.isArray(v)) return { type: 'ArrayExpression', elements: v.map(estreeOf) };
  return {
    type: 'ObjectExpression',
    properties: Object.entries(v).map(([k, x]) => ({
      type: 'Property',
      kind: 'init',
      method: false,
      shorthand: false,
      computed: false,
      key: { type: 'Literal', value: k, raw: JSON.stringify(k) },
      value: estreeOf(x),
    })),
  };
}

export function jsxElement(
  name: string,
  props: Record<string, JsonValue>,
  children: BlockContent[],
): MdxJsxFlowElement {
  return {
    type: 'mdxJsxFlowElement',
    name,
    attributes: Object.entries(props).map(([k, v]) =>
      typeof v === 'string'
        ? { type: 'mdxJsxAttribute', name: k, value: v }
        : {
            type: 'mdxJsxAttribute',
            name: k,
            value: {
              type: 'mdxJsxAttributeValueExpression',
              // The serialiser prints `value`; `estree` is the same value as a tree, for compilers.
              value: JSON.stringify(v),
              data: {
                estree: {
                  type: 'Program',
                  sourceType: 'module',
                  body: [{ type: 'ExpressionStatement', expression: estreeOf(v) }],
                } as never,
              },
            },
          },
    ),
    children,
  };
}
