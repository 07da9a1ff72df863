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
  /**
   * Optional, not compared with the kernel: facts about the packet as this chain sees it that
   * `packet` does not carry. `mark` (skb->mark, a number); for ICMP/ICMPv6 `icmpType` and
   * `icmpCode` (numbers).
   */
  detail?: { mark: number; icmpType?: number; icmpCode?: number };
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
 *
 * Detail fields the walk guarantees (others may be present):
 * - `conntrack`: `state` (new, established, related, invalid, untracked, none) and
 *   `direction` (original, reply, or null) for every packet, at least once: also for the
 *   host's own ICMP errors and resets (`attached: true`: the entry came with the packet, from
 *   nf_ct_attach or loopback) and for packets conntrack never saw (`state: 'none'`,
 *   `reason`: 'no-conntrack-hook').
 * - `nat`: `manip` (src, dst), `reverse` (boolean), `statement` (masquerade, snat, dnat,
 *   redirect; or `null-binding`) — on reverse events the statement that set up the binding
 *   being undone. With a port the kernel picks at random: `portChoice` ('random' | 'clash')
 *   and `choicePort` ('sport' | 'dport').
 * - `route`: `inBrNetfilter: true` when the lookup is br_netfilter's
 *   (br_nf_pre_routing_finish) for a bridged packet, or was made there and is the one used.
 * - `bridge` with `step: 'ip_sabotage_in'`: `bridge` (the bridge device).
 * - `deliver`: `to` (always: 'host' or the machine's name); for answers also `protocol`
 *   (tcp, udp, icmp, icmpv6) and `port` (the destination port asked for, null for ICMP) and
 *   `open` (whether a socket listens there).
 * - `note`: `kind` (always): limit, quota, numgen, jhash, symhash, nat-family, assumption,
 *   reject-answer, redirect (ICMP redirect), mangle, nat-random, nat-without-conntrack,
 *   no-answer, sysctl-not-modelled, hook-without-chains (with `family`, `hook`, and
 *   `device` for netdev hooks).
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
