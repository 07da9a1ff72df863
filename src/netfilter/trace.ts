/**
 * Trace JSON v1 (docs/spec/trace-json.md): what `nfwalk trace --json` prints, and what the
 * kernel harness (`nfwalk verify`) turns `nft monitor trace` into for comparison.
 *
 * `enter`, `rule` and `policy` events are compared with the kernel; the other event types
 * explain what happened between chains and are not compared.
 */
import type { Family, HookName } from '../ruleset/model.ts';

export interface PacketView {
  iif: string | null;
  oif: string | null;
  saddr: string;
  daddr: string;
  protocol: string;
  sport: number | null;
  dport: number | null;
  /**
   * Optional (an extension of v1; absent in most packets): the ports whose number the kernel
   * chooses unpredictably (NAT with `random`/`fully-random`, or a port changed on a clash).
   * `sport`/`dport` still hold a number, nfwalk's stand-in; `nfwalk verify` accepts any port
   * from the kernel there, and only there.
   */
  kernelChosen?: ('sport' | 'dport')[];
}

interface ChainRef {
  family: Family;
  table: string;
  chain: string;
}

export interface EnterEvent extends ChainRef {
  type: 'enter';
  hook: HookName;
  priority: number;
  packet: PacketView;
}

export interface RuleEvent extends ChainRef {
  type: 'rule';
  index: number;
  /** continue, accept, drop, `jump NAME`, `goto NAME`, return, queue. */
  verdict: string;
  text: string;
}

export interface PolicyEvent extends ChainRef {
  type: 'policy';
  verdict: 'accept' | 'drop';
}

/**
 * Explanatory events (not compared with the kernel). `type` names what happened; `detail`
 * carries the structured facts the explainer needs; `message` is a short English line for
 * `nfwalk trace`'s readable output.
 */
export interface InfoEvent {
  type:
    | 'route'
    | 'conntrack'
    | 'nat'
    | 'bridge'
    | 'deliver'
    | 'drop'
    | 'send'
    | 'unsupported'
    | 'note';
  message: string;
  detail?: Record<string, unknown>;
}

export type TraceEvent = EnterEvent | RuleEvent | PolicyEvent | InfoEvent;

export type PacketRole = 'request' | 'reply' | 'icmp-error' | 'reset';

export interface PacketTrace {
  role: PacketRole;
  events: TraceEvent[];
}

export interface ConversationTrace {
  index: number;
  packets: PacketTrace[];
}

export interface Trace {
  version: 1;
  scenario: string;
  conversations: ConversationTrace[];
}

/** The events compared with the kernel, in order. */
export function comparedEvents(
  events: readonly TraceEvent[],
): (EnterEvent | RuleEvent | PolicyEvent)[] {
  return events.filter(
    (e): e is EnterEvent | RuleEvent | PolicyEvent =>
      e.type === 'enter' || e.type === 'rule' || e.type === 'policy',
  );
}
