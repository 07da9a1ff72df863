/**
 * Trace JSON v1 (docs/spec/trace-json.md): what `nfwalk trace --json` prints, and what the
 * kernel harness (`nfwalk verify`) turns `nft monitor trace` into for comparison.
 *
 * `enter`, `rule` and `policy` events are compared with the kernel; the other event types
 * explain what happened between chains and are not compared.
 */
import type { TcpInvalid } from '../conntrack/tcp.ts';
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

// ---------------------------------------------------------------------------------------------
// Explanatory events (an extension of v1, not compared with the kernel). Every one carries a
// `message`, the one English line `nfwalk trace` prints, and a `detail` typed per event type
// that states the facts: a reader of the trace (the explainer) learns everything from `detail`
// and nothing from `message`.

/** The families whose hooks a packet crosses. */
export type HookFamily = 'ip' | 'ip6' | 'bridge' | 'netdev';

/**
 * The packet as it is on the wire, or at a hook: the tuple of PacketView (with the devices of
 * the point it was taken at), its layer 3 family, and the ICMP type and code for ICMP.
 */
export interface WirePacket extends PacketView {
  family: 'ip' | 'ip6';
  icmpType?: number;
  icmpCode?: number;
  /**
   * Optional (extension: segments): a listed TCP segment's flags, sequence and
   * acknowledgement numbers and bytes of data.
   */
  tcp?: { flags: string[]; seq: number; ack: number; payload: number };
}

/** Addresses and ports of a packet before or after a rewrite. */
export interface Endpoints {
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
}

/** A conntrack tuple (nf_conntrack_tuple) as the trace prints it. */
export interface CtTuple extends Endpoints {
  l4proto: string;
  icmpId?: number;
  icmpType?: number;
  kernelChosen?: ('sport' | 'dport')[];
}

/**
 * `send`: the packet appears on the wire. Every packet's walk has one before it crosses any
 * hook (way `in` or `local`), carrying the packet as it is then; later ones say where it went.
 * - `in`: `machine` sends it to the host; `dev` is the host device it arrives on (the bridge
 *   port, with `bridge`, for a bridged machine). `gateway`, when the frame is addressed to the
 *   host's device rather than to a machine on the link: the machine's gateway in the packet's
 *   family (its `gateway`, else the host interface's first address).
 * - `local`: the host itself sends it (a socket's packet, a reject's answer, an ICMP error).
 * - `out`: the host sends it out of `dev` to `machine`.
 * - `loopback`: the host's packet to itself goes through `lo` and arrives again.
 */
export type SendDetail =
  | {
      way: 'in';
      machine: string;
      dev: string;
      bridge?: string;
      gateway?: string;
      packet: WirePacket;
    }
  | { way: 'local'; packet: WirePacket }
  | { way: 'out'; machine: string; dev: string; packet: WirePacket }
  | { way: 'loopback'; dev: 'lo'; packet: WirePacket };

/** What the receiver of a request answers with. */
export type AnswerKind = 'echo-reply' | 'syn-ack' | 'reply' | 'reset' | 'port-unreachable';

/**
 * `deliver`: the packet reached a socket, or its receiver answers it.
 * - without `answer`: the host delivers the packet to itself (`to: 'host'`) on `dev`.
 * - with `answer`: the receiver (`to`: 'host' or the machine's name) answers; `open` says
 *   whether a socket listens on `protocol`/`port` (the destination port; null for ICMP).
 */
export interface DeliverDetail {
  to: string;
  dev: string | null;
  protocol: string;
  port: number | null;
  packet: WirePacket;
  answer?: AnswerKind;
  open?: boolean;
}

/**
 * `hook`: the packet crosses a hook (nf_hook_slow), also when no chain of it runs. `chains` is
 * the number of base chains registered there for the packet (nat chains included; for netdev
 * only those of `device`); `packet` is the packet as the hook receives it, `verdict` how the
 * hook ended and `after` the packet as it leaves (only when the verdict is accept). The event
 * comes before what happens in the hook; nested hooks (br_netfilter runs an ip hook inside a
 * bridge hook) come where they start.
 */
export interface HookDetail {
  family: HookFamily;
  hook: HookName;
  device?: string;
  chains: number;
  /** netdev ingress: the flowtables registered on the device (their fast path runs here). */
  flowtables?: string[];
  packet: WirePacket;
  /**
   * How the hook ended: `stolen` when br_netfilter took the packet over (ip_sabotage_in), or
   * a flowtable forwarded it.
   */
  verdict?: 'accept' | 'drop' | 'stolen' | 'unsupported';
  after?: WirePacket;
}

/** A routing decision: for the host (local), to forward, or for the host's own packet. */
export interface RouteDetail {
  decision: 'local' | 'forward' | 'output';
  /** The destination looked up. */
  daddr: string;
  dev?: string;
  nexthop?: string;
  via?: string;
  /** The lookup is br_netfilter's for a bridged packet, or was made there and is used. */
  inBrNetfilter: boolean;
  /** The kernel function that made it, where it is not the ordinary input or output route. */
  step?: 'br_nf_pre_routing_finish' | 'reroute';
  /**
   * Policy routing (only in a scenario with host.rules or host.tables): the ip rule that
   * decided, as `ip rule show` prints it, its priority and table, and the rules passed over
   * because they suppressed their table's answer (suppress_prefixlength).
   */
  rule?: {
    priority: number;
    text: string;
    table: number;
    tableName?: string;
    suppressed: number[];
  };
  /** A reroute caused by an output chain of type route that changed the packet (its mark, source or destination). */
  rerouteBy?: {
    family: string;
    table: string;
    chain: string;
    changed: ('mark' | 'saddr' | 'daddr')[];
  };
}

export type CtStateName = 'new' | 'established' | 'related' | 'invalid' | 'untracked' | 'none';

/**
 * `conntrack`: what conntrack did with the packet. Every packet has at least one.
 * - `found`/`created`: nf_conntrack_in found the entry, or created one (`created: true`).
 * - `attached`: the packet came with its entry (nf_ct_attach for the host's own answers,
 *   loopback), `attached: true`.
 * - `confirmed`: __nf_conntrack_confirm inserted the entry as the packet left; `reply` is the
 *   tuple replies are expected with.
 * - `invalid`, `untracked`: no entry (`reason` for invalid).
 * - `no-conntrack-hook`: no conntrack hook ran for the packet (no rule uses conntrack, or a
 *   bridged packet without br_netfilter); `state` says what it carries (`none` if nothing).
 */
export interface ConntrackDetail {
  lookup:
    | 'found'
    | 'created'
    | 'attached'
    | 'confirmed'
    | 'invalid'
    | 'untracked'
    | 'no-conntrack-hook';
  state: CtStateName;
  direction: 'original' | 'reply' | null;
  status?: string[];
  original?: CtTuple;
  reply?: CtTuple;
  created?: boolean;
  attached?: boolean;
  confirmed?: boolean;
  hook?: HookName;
  reason?: string;
  /** The entry's TCP state after the packet (conntrack -L's name). */
  tcp?: string;
  /** `bridge`: the lookup was nf_conntrack_bridge's, in the bridge family's prerouting. */
  family?: 'bridge';
  /** The TCP state before the packet, when the packet moved it. */
  tcpFrom?: string;
  /**
   * Why conntrack found a TCP segment invalid: `flags` (tcp_error), `cannot-start` (tcp_new),
   * `state` (the state table refuses it), `rst-seq` (a RST below what the peer acknowledged),
   * `seq-over`, `ack-over` (tcp_in_window; a SEQ or ACK under the window's lower bound is
   * ignored, not invalid, since Linux 6.0).
   */
  tcpInvalid?: TcpInvalid;
}

/** The statement behind a translation; `null-binding` where no nat rule set one up. */
export type NatStatementName = 'masquerade' | 'snat' | 'dnat' | 'redirect' | 'null-binding';

/** A port the kernel picks unpredictably: at random (`random` flags) or to avoid a clash. */
export interface PortChoice {
  portChoice: 'random' | 'clash';
  choicePort: 'sport' | 'dport';
}

/**
 * `nat`, by `step`:
 * - `binding`: a nat statement set up the connection's translation (nft_nat_eval):
 *   `tuple` is the translated original direction, `reply` the tuple replies are expected with.
 * - `null-binding`: no nat rule bound this manip and the null binding had to change a port.
 * - `rewrite`: nf_nat_packet rewrote this packet, `before` → `after`; `reverse` when it
 *   undoes a translation on a reply (then `statement` is the one that set it up).
 * - `icmp-error`: a related ICMP error translated: the outer header (`before` → `after`,
 *   absent when unchanged) and the quoted one (`inner`).
 */
export type NatDetail =
  | ({
      step: 'binding';
      manip: 'src' | 'dst';
      statement: Exclude<NatStatementName, 'null-binding'>;
      tuple: CtTuple;
      reply: CtTuple;
      changed: boolean;
      portClash?: { wanted: number; chosen: number };
    } & Partial<PortChoice>)
  | ({
      step: 'null-binding';
      manip: 'src' | 'dst';
      statement: 'null-binding';
      portClash: { wanted: number; chosen: number };
    } & PortChoice)
  | {
      step: 'rewrite';
      manip: 'src' | 'dst';
      reverse: boolean;
      statement: NatStatementName | null;
      hook: HookName;
      before: Endpoints;
      after: Endpoints;
    }
  | {
      step: 'icmp-error';
      manip: 'src' | 'dst';
      reverse: boolean;
      statement: NatStatementName | null;
      before?: Endpoints;
      after?: Endpoints;
      inner?: { before: Endpoints; after: Endpoints };
    };

/**
 * `bridge`, by `step` (the kernel function): br_pass_frame_up (the frame is for the bridge
 * itself: bridge input, then up to the bridge device; `port` it came in on), br_forward (to
 * another port, `from` → `to`), br_dev_xmit (the host sends through the bridge, out of
 * `port`), br_nf_pre_routing / br_nf_forward_ip / br_nf_post_routing (br_netfilter runs the ip
 * hook for the bridged packet), bridged_dnat (the destination changed and stays on the
 * bridge), ip_sabotage_in (ip prerouting ran inside the bridge already, so it is skipped).
 */
export type BridgeDetail =
  | { step: 'br_pass_frame_up'; bridge: string; port: string }
  | { step: 'br_forward'; bridge: string; from: string; to: string }
  | { step: 'br_dev_xmit'; bridge: string; port: string }
  | {
      step:
        | 'br_nf_pre_routing'
        | 'br_nf_forward_ip'
        | 'br_nf_post_routing'
        | 'bridged_dnat'
        | 'ip_sabotage_in';
      bridge: string;
    };

/**
 * `drop`, by `reason`: `verdict` (a chain's drop), `reject` (a reject; its answer follows),
 * `queue` (nfwalk does not follow queued packets), `loop` (routing loop), `forwarding-disabled`,
 * `no-route` (`decision`: unreachable for a received packet, output for the host's own), `ttl`,
 * `flood` (no FDB entry), `hairpin`, `no-neighbour`, `masquerade-no-address`, `martian-source`,
 * `nat-redirect` (an ICMP redirect about a NATed connection, dropped by the nat hook).
 */
export type DropDetail =
  | { reason: 'verdict' | 'reject'; family: Family; table: string; chain: string }
  | { reason: 'no-route'; decision: 'unreachable' | 'output' | 'reroute' | 'bridge' }
  | { reason: 'hairpin'; port: string }
  | { reason: 'no-neighbour'; dev: string; nexthop: string }
  | {
      reason: 'queue' | 'loop' | 'forwarding-disabled' | 'ttl' | 'flood' | 'masquerade-no-address';
    }
  /** A machine received a packet from its own address `saddr` (a DNAT back to the sender). */
  | { reason: 'martian-source'; machine: string; saddr: string }
  | { reason: 'nat-redirect'; hook: HookName };

/**
 * `flowtable`, by `step` (software offload, nf_flow_table_*.c):
 * - `offload`: a `flow add @ft` rule put the connection into flowtable `flowtable` of the
 *   table (nft_flow_offload_eval → flow_offload_add); its later packets coming in on one of
 *   `devices` take the fast path.
 * - `refused`: the `flow add` statement did not offload (`reason`: nft_flow_offload_eval's
 *   conditions) and the rule stopped there.
 * - `fast-path`: the flowtable's ingress hook on `dev` found the packet's flow
 *   (nf_flow_offload_ip_hook): NAT applied from the connection's tuples (`before` → `after`,
 *   equal without NAT), ttl decremented, sent out of `out` to `nexthop` (neigh_xmit), with no
 *   prerouting, forward or postrouting hook and no conntrack lookup.
 * - `teardown`: a FIN or RST of an offloaded TCP flow (nf_flow_state_check): the flow leaves
 *   the flowtable and the packet goes the ordinary way.
 */
/**
 * Why `flow add` did not offload a connection: nft_flow_offload_eval's `goto out` cases, or
 * no route back through the device the packet came in on (nft_flow_route).
 */
export type FlowRefusal =
  | 'no-conntrack'
  | 'protocol'
  | 'tcp-fin-rst'
  | 'tcp-not-established'
  | 'helper'
  | 'not-confirmed'
  | 'already-offloaded'
  | 'no-route';

export type FlowtableDetail =
  | {
      step: 'offload' | 'refused';
      family: Family;
      table: string;
      flowtable: string;
      devices: string[];
      chain: string;
      index: number;
      direction: 'original' | 'reply' | null;
      reason?: FlowRefusal;
    }
  | {
      step: 'fast-path';
      family: Family;
      table: string;
      flowtable: string;
      dev: string;
      out: string;
      nexthop: string;
      direction: 'original' | 'reply';
      before: Endpoints;
      after: Endpoints;
    }
  | { step: 'teardown'; family: Family; table: string; flowtable: string; dev: string };

/** The rule whose evaluation a note is about. */
interface NoteRule {
  family: Family;
  chain: string;
  index: number;
  /** Whether the rule matched (a note from a rule that did not match still happened). */
  matched: boolean;
}

/**
 * `note`, by `kind`: how nfwalk decided something the kernel decides by rate or at random
 * (limit, quota: `over` for an "over" test; numgen, jhash, symhash), a NAT statement of the
 * other family (nat-family), the host's answer to a reject (reject-answer), an ICMP redirect
 * the kernel would send (redirect), a header rewritten in place (mangle), a port NAT picks at
 * random (nat-random), a nat statement without a conntrack entry, a receiver that is not the
 * destination (no-answer), a next hop no machine answers for (neighbour-failure), sysctls nfwalk does not read (sysctl-not-modelled), and, in traces
 * read from the kernel, a chain the kernel traced that its listing does not show as a base
 * chain (kernel-unlisted-chain).
 */
export type NoteDetail =
  | ({ kind: 'limit' | 'quota'; over: boolean } & NoteRule)
  | ({ kind: 'numgen' | 'jhash' | 'symhash' | 'nat-family' | 'assumption' } & NoteRule)
  | ({ kind: 'reject-answer'; hook: HookName } & (
      | {
          answer: 'tcp-reset';
          /** A bridged packet's RST: the bridge port it leaves by directly, crossing no hook. */
          port?: string;
        }
      | { answer: 'icmp'; icmpType: number; code: number }
    ))
  | {
      kind: 'redirect';
      /** Whether the host sends the redirect (not about an ICMP error): its packet follows. */
      sent: boolean;
      /** The sender's ICMP rate limit is used up (IPv4): no ICMP error follows in this conversation. */
      rateLimited: boolean;
    }
  | { kind: 'mangle'; mangle: string; before: Endpoints; after: Endpoints }
  | { kind: 'nat-random'; flags: string[] }
  | { kind: 'nat-without-conntrack'; statement: string }
  | { kind: 'no-answer'; to: string; daddr: string }
  /** No machine answered for the next hop: the host's ICMP unreachable to the sender follows. */
  | { kind: 'neighbour-failure'; nexthop: string; sender: string }
  | { kind: 'source-fallback'; daddr: string; saddr: string }
  | { kind: 'sysctl-not-modelled'; sysctl: string[]; values: number[] }
  | { kind: 'kernel-unlisted-chain'; family: Family; table: string; chain: string };

/**
 * `unsupported`: the walk stops. `what`: `expression` (a rule nfwalk cannot evaluate;
 * `reason` says why), `missing-chain` (a jump to a chain the table lacks), `jump-depth`,
 * `bridge-reject` (a reject in a bridge or netdev table answers at layer 2), `multicast`, or
 * `request` (the scenario's packet cannot be built; `reason` says why). The rule, where there
 * is one: family, table, chain, its index, text and position in the ruleset file.
 */
export interface UnsupportedDetail {
  what: 'expression' | 'missing-chain' | 'jump-depth' | 'bridge-reject' | 'multicast' | 'request';
  reason?: string;
  family?: Family;
  table?: string;
  chain?: string;
  index?: number;
  text?: string;
  target?: string;
  file?: string;
  line?: number;
  col?: number;
}

interface Info<T extends string, D> {
  type: T;
  /** One English line for `nfwalk trace`; nothing reads it to learn a fact. */
  message: string;
  detail: D;
}

export type SendEvent = Info<'send', SendDetail>;
export type DeliverEvent = Info<'deliver', DeliverDetail>;
export type HookEvent = Info<'hook', HookDetail>;
export type RouteEvent = Info<'route', RouteDetail>;
export type ConntrackEvent = Info<'conntrack', ConntrackDetail>;
export type NatEvent = Info<'nat', NatDetail>;
export type BridgeEvent = Info<'bridge', BridgeDetail>;
export type DropEvent = Info<'drop', DropDetail>;
export type NoteEvent = Info<'note', NoteDetail>;
export type UnsupportedEvent = Info<'unsupported', UnsupportedDetail>;
export type FlowtableEvent = Info<'flowtable', FlowtableDetail>;

/** The explanatory events: one discriminated union on `type`. */
export type InfoEvent =
  | SendEvent
  | DeliverEvent
  | HookEvent
  | RouteEvent
  | ConntrackEvent
  | NatEvent
  | BridgeEvent
  | DropEvent
  | NoteEvent
  | UnsupportedEvent
  | FlowtableEvent;

export type InfoType = InfoEvent['type'];

/** The detail of an info event type. */
export type DetailOf<T extends InfoType> = Extract<InfoEvent, { type: T }>['detail'];

/** An info event as a reader of facts sees it: without the English line. */
export type InfoFact = InfoEvent extends infer E
  ? E extends InfoEvent
    ? Omit<E, 'message'>
    : never
  : never;

export type TraceEvent = EnterEvent | RuleEvent | PolicyEvent | InfoEvent;

/**
 * What a packet is to its conversation: the request, the receiver's reply, an ICMP error or
 * a reset answering it, or the ICMP redirect the host sends the request's sender when it
 * forwards the request out of the link it came in on (not an answer: the request goes on).
 */
export type PacketRole = 'request' | 'reply' | 'icmp-error' | 'reset' | 'redirect';

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
