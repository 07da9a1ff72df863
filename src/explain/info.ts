/**
 * Typed readers of the simulator's explanatory events (docs/spec/trace-json.md): the packet a
 * walk starts with, and what a translation changed. The explainer sees the events without
 * their English `message` (InfoFact): every fact comes from `detail`.
 */
import type {
  Endpoints,
  InfoFact,
  NatDetail,
  SendDetail,
  TraceEvent,
  WirePacket,
} from '../netfilter/trace.ts';
import type { HookName } from '../ruleset/model.ts';
import type { FlowView } from './facts.ts';

export function flowOfEndpoints(e: Endpoints): FlowView {
  return { saddr: e.saddr, daddr: e.daddr, sport: e.sport ?? null, dport: e.dport ?? null };
}

/** The event that puts the packet on its way (a machine's or the host's own send). */
export function startSend(
  events: readonly (TraceEvent | InfoFact)[],
): Extract<SendDetail, { way: 'in' | 'local' }> | undefined {
  for (const e of events) {
    if (e.type !== 'send') continue;
    if (e.detail.way === 'in' || e.detail.way === 'local') return e.detail;
  }
  return undefined;
}

/** The packet as it was sent, on the wire. */
export function sentPacket(events: readonly (TraceEvent | InfoFact)[]): WirePacket | undefined {
  return startSend(events)?.packet;
}

export interface NatChange {
  before: FlowView;
  after: FlowView;
  /** conntrack undoes a translation on a reply. */
  reverse: boolean;
  /** The statement behind the translation (on a reverse one: the one it undoes). */
  statement?: string;
  /** The statement, or the kind of translation the manip makes when none is named. */
  kind: string;
  /** The hook it happened at (absent for an ICMP error's translation). */
  hook?: HookName;
  icmpError: boolean;
}

/** What a nat event did to this packet's addresses, where it rewrote them. */
export function natChange(d: NatDetail): NatChange | undefined {
  if (d.step !== 'rewrite' && d.step !== 'icmp-error') return undefined;
  if (!d.before || !d.after) return undefined;
  return {
    before: flowOfEndpoints(d.before),
    after: flowOfEndpoints(d.after),
    reverse: d.reverse,
    ...(d.statement ? { statement: d.statement } : {}),
    kind: d.statement ?? (d.manip === 'dst' ? 'dnat' : 'snat'),
    ...(d.step === 'rewrite' ? { hook: d.hook } : {}),
    icmpError: d.step === 'icmp-error',
  };
}
