/**
 * One packet's walk, ready to be explained: its hook crossings with their replays and listings,
 * the packet as each chain saw it, the rewrites, and how the walk ended. Computed from the
 * trace events (and, for hooks the packet crossed without entering any chain, from the
 * ruleset and the routing decision).
 */

import type { InfoEvent, PacketTrace, PacketView } from '../netfilter/trace.ts';
import { chainNamed } from '../ruleset/chains.ts';
import type { HookName, NatStmt, Rule, Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import { type FlowView, familyOf, localAddresses } from './facts.ts';
import { conntrackInfo, natInfo, routeInfo, sendInfo } from './info.ts';
import {
  type BaseOnHook,
  baseChainsOnHook,
  familiesFor,
  findChain,
  type ListingTable,
  listingTables,
} from './listing.ts';
import {
  type FamilyClass,
  type PathItem,
  type Replay,
  replayStage,
  type Stage,
  type Step,
  splitStages,
  splitVerdict,
} from './stages.ts';

export interface NatChange {
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
  nat: NatChange[];
  /** No chain on this hook was entered; the hook is crossed all the same (inferred). */
  inferred: boolean;
  anchor: string;
}

export type WalkItem = StageWalk | { kind: 'info'; event: InfoEvent };

export type Ending = 'delivered' | 'dropped' | 'rejected' | 'unsupported' | 'sent' | 'open';

export interface PacketWalk {
  role: PacketTrace['role'];
  index: number;
  items: WalkItem[];
  first?: PacketView;
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

function valueParts(text: string): { addr?: string; port?: number } {
  // `172.20.0.4:1812`, `172.20.0.4`, `[fd00::1]:80`, `:8080`
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { addr: v6[1], port: v6[2] ? Number(v6[2]) : undefined };
  const m = /^([^:]*)(?::(\d+))?$/.exec(text);
  if (m) return { addr: m[1] || undefined, port: m[2] ? Number(m[2]) : undefined };
  return { addr: text };
}

/**
 * What a NAT statement does to the packet, computed from the statement when the simulator did
 * not report it: dnat/snat to a single address and port, masquerade to the output
 * interface's address, redirect to the input interface's address. Undefined when the
 * statement takes its target from a map or a range (then only the simulator knows).
 */
export function natResult(
  scenario: Scenario,
  stmt: NatStmt,
  view: FlowView,
  iif: string | null,
  oif: string | null,
): FlowView | undefined {
  const fam = familyOf(view.saddr);
  const ifaceAddr = (name: string | null) =>
    name ? localAddresses(scenario, fam).find((a) => a.iface === name)?.address : undefined;
  const single = (): { addr?: string; port?: number } | undefined => {
    if (stmt.addr && stmt.addr.kind !== 'value') return undefined;
    const a = stmt.addr?.kind === 'value' ? valueParts(stmt.addr.text) : {};
    if (stmt.port) {
      if (stmt.port.kind !== 'value') return undefined;
      a.port = Number(stmt.port.text);
    }
    return a;
  };
  if (stmt.type === 'dnat' || stmt.type === 'snat') {
    const t = single();
    if (!t?.addr) return undefined;
    return stmt.type === 'dnat'
      ? { ...view, daddr: t.addr, dport: t.port ?? view.dport }
      : { ...view, saddr: t.addr, sport: t.port ?? view.sport };
  }
  if (stmt.type === 'masquerade') {
    const a = ifaceAddr(oif);
    if (!a) return undefined;
    const port = stmt.port?.kind === 'value' ? Number(stmt.port.text) : view.sport;
    return { ...view, saddr: a, sport: port };
  }
  const a = iif ? ifaceAddr(iif) : fam === 4 ? '127.0.0.1' : '::1';
  if (!a) return undefined;
  const port = stmt.port?.kind === 'value' ? Number(stmt.port.text.replace(/^:/, '')) : view.dport;
  return { ...view, daddr: a, dport: port };
}

/** The ip-family hooks this packet crossed, from its chains and routing decisions. */
function l3Path(items: PathItem[]): HookName[] | undefined {
  const hooks = items.flatMap((i) => (i.kind === 'stage' && i.fclass === 'l3' ? [i.hook] : []));
  const routes = items.flatMap((i) =>
    i.kind === 'info' && i.event.type === 'route' ? [routeInfo(i.event).decision] : [],
  );
  if (hooks.length === 0 && routes.length === 0) return undefined;
  if (hooks[0] === 'output' || routes[0] === 'output') return ['output', 'postrouting'];
  if (hooks.includes('forward') || routes.includes('forward'))
    return ['prerouting', 'forward', 'postrouting'];
  if (hooks.includes('input') || routes.includes('local')) return ['prerouting', 'input'];
  return ['prerouting'];
}

function stopped(items: PathItem[], replays: Map<Stage, Replay>): boolean {
  for (const i of items) {
    if (i.kind === 'info' && (i.event.type === 'drop' || i.event.type === 'unsupported'))
      return true;
    if (i.kind === 'stage') {
      const r = replays.get(i);
      const last = r?.steps[r.steps.length - 1]?.event;
      if (last?.type === 'policy' && last.verdict === 'drop') return true;
      if (last?.type === 'rule' && ['drop', 'queue'].includes(splitVerdict(last.verdict)[0]))
        return true;
    }
  }
  return false;
}

export function walkPacket(
  scenario: Scenario,
  ruleset: Ruleset,
  packet: PacketTrace,
  conv: number,
  index: number,
  start: FlowView | undefined,
): PacketWalk {
  const path = splitStages(packet);
  const sizes = {
    ruleCount: (f: Parameters<typeof findChain>[1], t: string, c: string) =>
      findChain(ruleset, f, t, c)?.chain.rules.length,
  };
  const replays = new Map<Stage, Replay>();
  for (const i of path) if (i.kind === 'stage') replays.set(i, replayStage(i, sizes));
  const firstEnter = packet.events.find((e) => e.type === 'enter');
  // A packet that enters no chain: the packet the host sends out is the packet as it was.
  const first =
    firstEnter?.type === 'enter'
      ? firstEnter.packet
      : (arrivalPacket(packet) ?? sentPacket(packet));
  const ipFamily = familyOf(first?.saddr ?? start?.saddr ?? '0.0.0.0');

  // Hooks crossed without entering a chain, where the ruleset has chains (nat chains of a reply).
  const inferred: { after: Stage | undefined; hook: HookName }[] = [];
  const seq = l3Path(path);
  if (seq && !stopped(path, replays)) {
    let prev: Stage | undefined;
    for (const hook of seq) {
      const present = path.find(
        (i): i is Stage => i.kind === 'stage' && i.fclass === 'l3' && i.hook === hook,
      );
      if (present) {
        prev = present;
        continue;
      }
      if (baseChainsOnHook(ruleset, hook, familiesFor('l3', ipFamily)).length === 0) continue;
      inferred.push({ after: prev, hook });
    }
  }

  type Ordered = PathItem | { kind: 'inferred'; hook: HookName };
  const ordered: Ordered[] = [...path];
  for (const inf of inferred) {
    const item: Ordered = { kind: 'inferred', hook: inf.hook };
    if (inf.after) {
      // After the stage it follows, and after hooks inferred behind that stage already.
      let at = ordered.indexOf(inf.after) + 1;
      while (ordered[at]?.kind === 'inferred') at++;
      ordered.splice(at, 0, item);
    } else {
      const at = ordered.findIndex((o) => o.kind === 'stage' && o.fclass === 'l3');
      ordered.splice(at < 0 ? ordered.length : at, 0, item);
    }
  }

  // Conntrack facts for the rules (ct state, ct status).
  const ctEv = packet.events.find((e) => e.type === 'conntrack');
  const ctFromTrace = ctEv && ctEv.type === 'conntrack' ? conntrackInfo(ctEv) : undefined;
  const ct = {
    state:
      ctFromTrace?.state ??
      (packet.role === 'request' ? 'new' : packet.role === 'reply' ? 'established' : undefined),
    direction:
      ctFromTrace?.direction ??
      (packet.role === 'request' ? 'original' : packet.role === 'reply' ? 'reply' : undefined),
    status: [...(ctFromTrace?.status ?? [])],
  };

  const hookCount = new Map<string, number>();
  const hookFamilies = new Map<string, Set<FamilyClass>>();
  for (const o of ordered) {
    if (o.kind === 'info') continue;
    const hook = o.hook;
    const fc = o.kind === 'stage' ? o.fclass : 'l3';
    const set = hookFamilies.get(hook) ?? new Set();
    set.add(fc);
    hookFamilies.set(hook, set);
  }

  const items: WalkItem[] = [];
  let view: FlowView | undefined = start ?? (first ? flowOf(first) : undefined);
  let iif: string | null = first?.iif ?? null;
  let oif: string | null = first?.oif ?? null;
  for (const o of ordered) {
    if (o.kind === 'info') {
      items.push({ kind: 'info', event: o.event });
      if (o.event.type === 'nat') {
        const n = natInfo(o.event);
        if (n.after) view = flowOf(n.after);
      }
      continue;
    }
    const stage: Stage =
      o.kind === 'stage' ? o : { kind: 'stage', hook: o.hook, fclass: 'l3', events: [] };
    const replay = replays.get(stage) ?? replayStage(stage, sizes);
    const enterEv = stage.events.find((e) => e.type === 'enter');
    const dev = enterEv?.type === 'enter' ? enterEv.packet.iif : null;
    // Ingress chains belong to a device: only those of the packet's device are on its path.
    const bases = baseChainsOnHook(ruleset, stage.hook, familiesFor(stage.fclass, ipFamily)).filter(
      (b) =>
        stage.fclass !== 'netdev' ||
        !dev ||
        b.chain.base!.devices.length === 0 ||
        b.chain.base!.devices.includes(dev),
    );
    const tables = listingTables(bases, replay);
    const enter = stage.events.find((e) => e.type === 'enter');
    if (enter?.type === 'enter') {
      view = flowOf(enter.packet);
      iif = enter.packet.iif;
      oif = enter.packet.oif;
    }
    const viewIn: FlowView = view ?? { saddr: '?', daddr: '?', sport: null, dport: null };
    let cur = viewIn;
    const nat: NatChange[] = [];
    for (const step of replay.steps) {
      const e = step.event;
      if (e.type === 'enter') {
        const v = flowOf(e.packet);
        if (!sameFlow(v, cur)) nat.push({ kind: 'conntrack', before: cur, after: v });
        cur = v;
        iif = e.packet.iif;
        oif = e.packet.oif;
      }
      const natEv = step.after.find((x) => x.type === 'nat' && natInfo(x).after !== undefined);
      if (natEv) {
        const n = natInfo(natEv);
        if (n.after) {
          // Named by the rule's statement (masquerade, not just snat) where there is one.
          const stmt =
            e.type === 'rule'
              ? natStmtOf(findRule(ruleset, e.family, e.table, e.chain, e.index))
              : undefined;
          if (stmt)
            ct.status.push(stmt.type === 'dnat' || stmt.type === 'redirect' ? 'dnat' : 'snat');
          nat.push({
            kind: stmt?.type ?? n.kind ?? 'nat',
            before: n.before ?? cur,
            after: flowOf(n.after),
            step: step.n,
          });
          cur = flowOf(n.after);
          continue;
        }
      }
      if (e.type === 'rule' && splitVerdict(e.verdict)[0] === 'accept') {
        const stmt = natStmtOf(findRule(ruleset, e.family, e.table, e.chain, e.index));
        if (stmt) {
          const after = natResult(scenario, stmt, cur, iif, oif);
          if (after) {
            nat.push({ kind: stmt.type, before: cur, after, step: step.n });
            cur = after;
          }
          ct.status.push(stmt.type === 'dnat' || stmt.type === 'redirect' ? 'dnat' : 'snat');
        }
      }
    }
    view = cur;
    const family = stage.fclass === 'l3' ? (ipFamily === 4 ? 'ip' : 'ip6') : stage.fclass;
    const multi = (hookFamilies.get(stage.hook)?.size ?? 0) > 1;
    const base = `step-${conv + 1}-${index + 1}-${multi ? `${family}-` : ''}${stage.hook}`;
    const n = (hookCount.get(base) ?? 0) + 1;
    hookCount.set(base, n);
    items.push({
      kind: 'stage',
      stage,
      replay,
      bases,
      tables,
      viewIn,
      viewOut: cur,
      iif,
      oif,
      nat,
      inferred: o.kind === 'inferred',
      anchor: n > 1 ? `${base}-${n}` : base,
    });
  }

  let ending: Ending = 'open';
  for (const i of items) {
    if (i.kind === 'info') {
      if (i.event.type === 'deliver') ending = 'delivered';
      else if (i.event.type === 'send' && sendInfo(i.event).outbound) ending = 'delivered';
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
  return {
    role: packet.role,
    index,
    items,
    first,
    last: view ?? { saddr: '?', daddr: '?', sport: null, dport: null },
    ending,
    ct,
    ipFamily,
  };
}

/** The packet as conntrack first saw it: the tuple of its direction. */
function arrivalPacket(packet: PacketTrace): PacketView | undefined {
  for (const e of packet.events) {
    if (e.type !== 'conntrack') continue;
    const dir = e.detail?.direction;
    const t =
      dir === 'reply' ? e.detail?.reply : dir === 'original' ? e.detail?.original : undefined;
    if (typeof t !== 'object' || t === null) continue;
    const o = t as Record<string, unknown>;
    if (typeof o.saddr !== 'string' || typeof o.daddr !== 'string') continue;
    const send = packet.events.find(
      (x): x is InfoEvent => x.type === 'send' && (x as InfoEvent).detail?.packet === undefined,
    );
    const dev = send?.detail?.port ?? send?.detail?.dev;
    return {
      iif: typeof dev === 'string' ? dev : null,
      oif: null,
      saddr: o.saddr,
      daddr: o.daddr,
      protocol: typeof o.l4proto === 'string' ? o.l4proto : '',
      sport: typeof o.sport === 'number' ? o.sport : null,
      dport: typeof o.dport === 'number' ? o.dport : null,
    };
  }
  return undefined;
}

function sentPacket(packet: PacketTrace): PacketView | undefined {
  for (const e of packet.events) {
    if (e.type !== 'send') continue;
    const p = e.detail?.packet;
    if (typeof p !== 'object' || p === null) continue;
    const o = p as Record<string, unknown>;
    if (typeof o.saddr !== 'string' || typeof o.daddr !== 'string') continue;
    const port = (x: unknown) => (typeof x === 'number' ? x : null);
    const dev = (x: unknown) => (typeof x === 'string' ? x : null);
    return {
      iif: dev(o.iif),
      oif: dev(o.oif),
      saddr: o.saddr,
      daddr: o.daddr,
      protocol: typeof o.protocol === 'string' ? o.protocol : '',
      sport: port(o.sport),
      dport: port(o.dport),
    };
  }
  return undefined;
}

export function stageWalks(w: PacketWalk): StageWalk[] {
  return w.items.filter((i): i is StageWalk => i.kind === 'stage');
}

export type { Step };
