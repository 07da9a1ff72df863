/**
 * One packet's walk, ready to be explained: its hook crossings with their replays and listings,
 * the packet as each chain saw it, the rewrites, and how the walk ended. Computed from the
 * trace events only: the packet as it was sent, the hooks it crossed, what NAT did.
 */

import type {
  HookDetail,
  InfoFact,
  PacketTrace,
  PacketView,
  SendDetail,
  WirePacket,
} from '../netfilter/trace.ts';
import { chainNamed } from '../ruleset/chains.ts';
import type { NatStmt, Rule, Ruleset } from '../ruleset/model.ts';
import type { FlowView } from './facts.ts';
import { flowOfEndpoints, natChange, startSend } from './info.ts';
import {
  type BaseOnHook,
  baseChainsOnHook,
  familiesFor,
  findChain,
  type ListingTable,
  listingTables,
} from './listing.ts';
import {
  type ChainSizes,
  type FamilyClass,
  type PathItem,
  type Replay,
  replayStage,
  type Stage,
  type Step,
  splitStages,
  splitVerdict,
} from './stages.ts';

export interface NatStep {
  kind: string;
  before: FlowView;
  after: FlowView;
  /** Where it happened: a NAT rule at step n, or conntrack between chains. */
  step?: number;
}

export interface StageWalk {
  kind: 'stage';
  stage: Stage;
  replay: Replay;
  bases: BaseOnHook[];
  tables: ListingTable[];
  /** The packet when the stage begins and when it ends. */
  viewIn: FlowView;
  viewOut: FlowView;
  iif: string | null;
  oif: string | null;
  nat: NatStep[];
  /** No chain on this hook was entered; the hook is crossed all the same (the trace says so). */
  inferred: boolean;
  anchor: string;
}

export type WalkItem = StageWalk | { kind: 'info'; event: InfoFact };

export type Ending = 'delivered' | 'dropped' | 'rejected' | 'unsupported' | 'sent' | 'open';

export interface PacketWalk {
  role: PacketTrace['role'];
  index: number;
  items: WalkItem[];
  /** How the packet was put on its way (the trace's first send), and the packet it sent. */
  send?: Extract<SendDetail, { way: 'in' | 'local' }>;
  first?: WirePacket;
  /** The device the packet enters the host's stack on: that of its first chain, else its send's. */
  arrivedOn: string | null;
  last: FlowView;
  ending: Ending;
  ct: { state?: string; direction?: string; status: string[] };
  ipFamily: 4 | 6;
}

export function flowOf(v: PacketView | FlowView): FlowView {
  return { saddr: v.saddr, daddr: v.daddr, sport: v.sport, dport: v.dport };
}

export function sameFlow(a: FlowView, b: FlowView): boolean {
  return a.saddr === b.saddr && a.daddr === b.daddr && a.sport === b.sport && a.dport === b.dport;
}

export function findRule(
  ruleset: Ruleset,
  family: string,
  table: string,
  chain: string,
  index: number,
): Rule | undefined {
  const t = ruleset.tables.find((x) => x.family === family && x.name === table);
  const rules = t ? chainNamed(t, chain)?.rules : undefined;
  // Rules are numbered by position; a search only if a list was changed after numbering.
  const at = rules?.[index];
  return at?.index === index ? at : rules?.find((r) => r.index === index);
}

export function natStmtOf(rule: Rule | undefined): NatStmt | undefined {
  return rule?.statements.find((s): s is NatStmt => s.kind === 'nat');
}

/**
 * An ip hook the packet crossed without entering a chain, though chains are registered there
 * (the nat chains a reply does not see): the trace's hook event, when no chain of that
 * crossing follows it before the next hook.
 */
function crossedWithoutChain(path: PathItem[], at: number): HookDetail | undefined {
  const item = path[at];
  if (item?.kind !== 'info' || item.event.type !== 'hook') return undefined;
  const d = item.event.detail;
  if ((d.family !== 'ip' && d.family !== 'ip6') || d.chains === 0 || d.verdict !== 'accept')
    return undefined;
  for (const next of path.slice(at + 1)) {
    if (next.kind === 'stage') return next.fclass === 'l3' && next.hook === d.hook ? undefined : d;
    if (next.event.type === 'hook') return d;
  }
  return d;
}

type Ordered = PathItem | { kind: 'crossed'; crossing: HookDetail };

/**
 * The trace's path with the hooks crossed without entering a chain where chains are registered
 * (nat chains of a reply), at the place of the trace's hook event.
 */
function orderedPath(path: PathItem[]): Ordered[] {
  return path.flatMap((item, at): Ordered[] => {
    const crossing = crossedWithoutChain(path, at);
    return crossing ? [item, { kind: 'crossed', crossing }] : [item];
  });
}

/** The families (classes) whose chains run on each hook, to name anchors apart. */
function hookFamiliesOf(ordered: Ordered[]): Map<string, Set<FamilyClass>> {
  const hookFamilies = new Map<string, Set<FamilyClass>>();
  for (const o of ordered) {
    if (o.kind === 'info') continue;
    const hook = o.kind === 'stage' ? o.hook : o.crossing.hook;
    const fc = o.kind === 'stage' ? o.fclass : 'l3';
    const set = hookFamilies.get(hook) ?? new Set();
    set.add(fc);
    hookFamilies.set(hook, set);
  }
  return hookFamilies;
}

/** The packet as the walk has it so far: its addresses and devices. */
interface Cursor {
  view: FlowView | undefined;
  iif: string | null;
  oif: string | null;
}

type Ct = PacketWalk['ct'];

/**
 * The rewrites within a stage's replay (conntrack between chains, a NAT rule at its step), and
 * the connection's status bits its nat bindings set. Returns the packet as the stage ends.
 */
function stageNat(
  replay: Replay,
  viewIn: FlowView,
  at: Cursor,
  ct: Ct,
): {
  nat: NatStep[];
  out: FlowView;
} {
  let cur = viewIn;
  const nat: NatStep[] = [];
  for (const step of replay.steps) {
    const e = step.event;
    if (e.type === 'enter') {
      const v = flowOf(e.packet);
      if (!sameFlow(v, cur)) nat.push({ kind: 'conntrack', before: cur, after: v });
      cur = v;
      at.iif = e.packet.iif;
      at.oif = e.packet.oif;
    }
    // A nat statement's binding sets the connection's snat or dnat status bit.
    for (const x of step.after) {
      if (x.type === 'nat' && x.detail.step === 'binding')
        ct.status.push(x.detail.manip === 'dst' ? 'dnat' : 'snat');
    }
    for (const x of step.after) {
      const n = x.type === 'nat' ? natChange(x.detail) : undefined;
      if (!n) continue;
      nat.push({ kind: n.kind, before: n.before, after: n.after, step: step.n });
      cur = n.after;
      break;
    }
  }
  return { nat, out: cur };
}

/** The base chains on the stage's hook; ingress chains only those of the packet's device. */
function basesOf(ruleset: Ruleset, stage: Stage, ipFamily: 4 | 6): BaseOnHook[] {
  const enterEv = stage.events.find((e) => e.type === 'enter');
  const dev = enterEv?.type === 'enter' ? enterEv.packet.iif : null;
  return baseChainsOnHook(ruleset, stage.hook, familiesFor(stage.fclass, ipFamily)).filter(
    (b) =>
      stage.fclass !== 'netdev' ||
      !dev ||
      b.chain.base!.devices.length === 0 ||
      b.chain.base!.devices.includes(dev),
  );
}

/** What walking one packet's stages needs besides the stage. */
interface StageInputs {
  ruleset: Ruleset;
  sizes: ChainSizes;
  replays: Map<Stage, Replay>;
  ipFamily: 4 | 6;
  ct: Ct;
  hookFamilies: Map<string, Set<FamilyClass>>;
  hookCount: Map<string, number>;
  /** `step-<conversation>-<packet>`: the anchors' prefix. */
  anchorPrefix: string;
}

/** One hook crossing (with chains, or crossed without one), advancing the cursor. */
function stageWalk(o: Exclude<Ordered, { kind: 'info' }>, at: Cursor, x: StageInputs): StageWalk {
  const stage: Stage =
    o.kind === 'stage' ? o : { kind: 'stage', hook: o.crossing.hook, fclass: 'l3', events: [] };
  if (o.kind === 'crossed') {
    at.view = flowOf(o.crossing.packet);
    at.iif = o.crossing.packet.iif;
    at.oif = o.crossing.packet.oif;
  }
  const replay = x.replays.get(stage) ?? replayStage(stage, x.sizes);
  const bases = basesOf(x.ruleset, stage, x.ipFamily);
  const tables = listingTables(bases, replay);
  const enter = stage.events.find((e) => e.type === 'enter');
  if (enter?.type === 'enter') {
    at.view = flowOf(enter.packet);
    at.iif = enter.packet.iif;
    at.oif = enter.packet.oif;
  }
  const viewIn: FlowView = at.view ?? { saddr: '?', daddr: '?', sport: null, dport: null };
  const { nat, out } = stageNat(replay, viewIn, at, x.ct);
  at.view = out;
  const family = stage.fclass === 'l3' ? (x.ipFamily === 4 ? 'ip' : 'ip6') : stage.fclass;
  const multi = (x.hookFamilies.get(stage.hook)?.size ?? 0) > 1;
  const base = `${x.anchorPrefix}-${multi ? `${family}-` : ''}${stage.hook}`;
  const n = (x.hookCount.get(base) ?? 0) + 1;
  x.hookCount.set(base, n);
  return {
    kind: 'stage',
    stage,
    replay,
    bases,
    tables,
    viewIn,
    viewOut: out,
    iif: at.iif,
    oif: at.oif,
    nat,
    inferred: o.kind === 'crossed',
    anchor: n > 1 ? `${base}-${n}` : base,
  };
}

/** How the walk ended, from its events and the last verdict of each stage. */
function endingOf(ruleset: Ruleset, items: WalkItem[]): Ending {
  let ending: Ending = 'open';
  for (const i of items) {
    if (i.kind === 'info') {
      if (i.event.type === 'deliver') ending = 'delivered';
      else if (i.event.type === 'send' && i.event.detail.way === 'out') ending = 'delivered';
      else if (i.event.type === 'drop') ending = ending === 'open' ? 'dropped' : ending;
      else if (i.event.type === 'unsupported') ending = 'unsupported';
      continue;
    }
    const last = i.replay.steps[i.replay.steps.length - 1]?.event;
    if (last?.type === 'policy' && last.verdict === 'drop') ending = 'dropped';
    if (last?.type === 'rule' && splitVerdict(last.verdict)[0] === 'drop') {
      const rule = findRule(ruleset, last.family, last.table, last.chain, last.index);
      ending = rule?.statements.some((s) => s.kind === 'reject') ? 'rejected' : 'dropped';
    }
  }
  return ending;
}

export function walkPacket(
  ruleset: Ruleset,
  packet: PacketTrace,
  conv: number,
  index: number,
): PacketWalk {
  const path = splitStages(packet);
  const sizes: ChainSizes = {
    ruleCount: (f, t, c) => findChain(ruleset, f, t, c)?.chain.rules.length,
  };
  const replays = new Map<Stage, Replay>();
  for (const i of path) if (i.kind === 'stage') replays.set(i, replayStage(i, sizes));
  // The packet as it was put on the wire, before any hook: the trace's first send.
  const send = startSend(packet.events);
  const first = send?.packet;
  const firstEnter = packet.events.find((e) => e.type === 'enter');
  const ipFamily = first?.family === 'ip6' ? 6 : 4;
  const ordered = orderedPath(path);
  // Conntrack facts for the rules (ct state, ct status).
  const ctEv = packet.events.find((e) => e.type === 'conntrack');
  const ctDetail = ctEv?.type === 'conntrack' ? ctEv.detail : undefined;
  const ct: Ct = {
    state: ctDetail?.state,
    direction: ctDetail?.direction ?? undefined,
    status: [...(ctDetail?.status ?? [])],
  };
  const inputs: StageInputs = {
    ruleset,
    sizes,
    replays,
    ipFamily,
    ct,
    hookFamilies: hookFamiliesOf(ordered),
    hookCount: new Map(),
    anchorPrefix: `step-${conv + 1}-${index + 1}`,
  };
  const items: WalkItem[] = [];
  const at: Cursor = {
    view: first ? flowOf(first) : undefined,
    iif: first?.iif ?? null,
    oif: first?.oif ?? null,
  };
  for (const o of ordered) {
    if (o.kind !== 'info') {
      items.push(stageWalk(o, at, inputs));
      continue;
    }
    items.push({ kind: 'info', event: o.event });
    if (o.event.type === 'nat') {
      const n = natChange(o.event.detail);
      if (n) at.view = n.after;
    }
    // A flowtable's fast path applies the connection's NAT itself.
    if (o.event.type === 'flowtable' && o.event.detail.step === 'fast-path')
      at.view = flowOfEndpoints(o.event.detail.after);
  }
  return {
    role: packet.role,
    index,
    items,
    ...(send ? { send, first: send.packet } : {}),
    arrivedOn:
      firstEnter?.type === 'enter' ? firstEnter.packet.iif : send?.way === 'in' ? send.dev : null,
    last: at.view ?? { saddr: '?', daddr: '?', sport: null, dport: null },
    ending: endingOf(ruleset, items),
    ct,
    ipFamily,
  };
}

export function stageWalks(w: PacketWalk): StageWalk[] {
  return w.items.filter((i): i is StageWalk => i.kind === 'stage');
}

export type { Step };
