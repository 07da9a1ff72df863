/**
 * What a rule sees when the kernel evaluates it: the packet as it is at this hook, the hook's
 * meta data, the packet's conntrack entry, and lookups into routing and the table's sets.
 *
 * This is the contract between the packet walk (src/netfilter/walk, which builds an EvalEnv
 * at every base chain) and rule evaluation (src/netfilter/expr, which evaluates statements
 * against it). Change it only additively.
 */
import type {
  Family,
  HookName,
  NamedSet,
  NatStmt,
  RejectStmt,
  Rule,
  Statement,
  Table,
  Verdict,
} from '../ruleset/model.ts';

export type L3Family = 'ip' | 'ip6';

/** The L2 header, where the hook sees one (bridge, netdev, and ip prerouting/input/forward). */
export interface EtherHeader {
  saddr: string; // 02:42:ac:14:00:04
  daddr: string;
  /** The ethertype: 0x0800 ip, 0x86dd ip6, 0x0806 arp. */
  type: number;
  vlan?: { id: number; pcp: number; type: number };
}

export interface TcpHeader {
  /** Flag names as nft writes them: fin, syn, rst, psh, ack, urg, ecn, cwr. */
  flags: string[];
  seq: number;
  ackSeq: number;
  window: number;
  /** TCP options present, by nft's names (maxseg, window, sack-perm, timestamp…). */
  options?: Record<string, Record<string, number>>;
}

export interface IcmpHeader {
  type: number;
  code: number;
  /** Echo request/reply. */
  id?: number;
  sequence?: number;
  /** For ICMP errors: the header of the packet that caused it (L3 + first 8 bytes of L4). */
  inner?: Packet;
  /** Fragmentation needed: the MTU. */
  mtu?: number;
}

/**
 * An IP packet as it currently is (NAT rewrites it in place). Addresses are normalised
 * strings (IPv4 dotted quad, IPv6 shortest form). Ports are absent for ICMP.
 */
export interface Packet {
  family: L3Family;
  saddr: string;
  daddr: string;
  /** The L4 protocol name as nft writes it (`tcp`, `udp`, `icmp`, `ipv6-icmp`, `sctp`…). */
  l4proto: string;
  /** The L4 protocol number (6, 17, 1, 58…). */
  protocolNumber: number;
  sport?: number;
  dport?: number;
  tcp?: TcpHeader;
  icmp?: IcmpHeader;
  /** Total length of the IP packet in bytes (what `meta length` and `ip length` report). */
  length: number;
  ttl: number;
  dscp: number;
  ecn: number;
  /** IPv4 identification / IPv6 flow label. */
  id: number;
  ether?: EtherHeader;
  /** Raw bytes of the whole packet from the network header, for `@nh`/`@th` raw payload. */
  bytes?: Uint8Array;
  /**
   * Ports whose number the kernel chooses unpredictably (NAT with `random`/`fully-random`, or
   * a port changed because the mapping clashed): the number in `sport`/`dport` is nfwalk's
   * stand-in. Absent: every port is the one the kernel would show.
   */
  kernelChosen?: ('sport' | 'dport')[];
}

export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';

export interface Tuple {
  saddr: string;
  daddr: string;
  l4proto: string;
  sport?: number;
  dport?: number;
  /** ICMP: the echo id stands in for the ports. */
  icmpId?: number;
  /** ICMP: the message type (echo request 8 / reply 0; 128 / 129 for ICMPv6), as the kernel's tuple keeps it. */
  icmpType?: number;
  /** Ports of this tuple the kernel chose unpredictably (see Packet.kernelChosen). */
  kernelChosen?: ('sport' | 'dport')[];
}

/** The packet's conntrack entry as rules see it. Absent fields are not set on the entry. */
export interface CtView {
  state: CtState;
  /** The packet's direction in its connection; absent for untracked/invalid packets. */
  direction?: 'original' | 'reply';
  /** expected, seen-reply, assured, confirmed, snat, dnat, dying… by nft's names. */
  status: string[];
  mark: number;
  zone: number;
  original?: Tuple;
  reply?: Tuple;
  helper?: string;
  labels: string[];
  /** Seconds left, as the kernel reports it for `ct expiration`. */
  expiration?: number;
  /** Packets and bytes seen in each direction (`ct bytes`, `ct packets`, `ct avgpkt`). */
  packets?: { original: number; reply: number };
  bytes?: { original: number; reply: number };
}

/** Meta data of the packet at this hook. `null` where the kernel has no such device. */
export interface MetaView {
  iif: string | null;
  oif: string | null;
  /** Bridge-family chains: the bridge device the ports belong to. */
  ibrname?: string | null;
  obrname?: string | null;
  /** ARPHRD type names: ether, loopback… */
  iiftype?: string | null;
  oiftype?: string | null;
  mark: number;
  /** host, broadcast, multicast, other. */
  pkttype: string;
  /** ipv4, ipv6 (what `meta nfproto` returns). */
  nfproto: L3Family;
  priority: number;
  /** The socket owner, when a local process sent the packet and the scenario says who. */
  skuid?: number;
  skgid?: number;
  /** Whether a local socket sent the packet (output path). */
  local: boolean;
}

/** The outcome of a routing lookup, for `fib` and `rt`. */
export interface FibResult {
  /** For `fib … type`: unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit. */
  type: string;
  /** For `fib … oif`/`oifname`: the output device, or null when there is no route. */
  oif: string | null;
}

export interface EvalEnv {
  /** Where the rule runs. */
  family: Family;
  hook: HookName;
  table: Table;
  packet: Packet;
  meta: MetaView;
  /** Undefined where conntrack has not seen the packet (netdev, bridge without conntrack, prerouting before raw's notrack decision is irrelevant here). */
  ct?: CtView;
  /**
   * Routing lookup as `fib` performs it. `flags` are fib's flags (saddr, daddr, mark, iif,
   * oif); `result` is oif, oifname or type.
   */
  fib(flags: readonly string[], result: 'oif' | 'oifname' | 'type'): FibResult;
  /** The route the packet has taken so far (for `rt nexthop`, `rt mtu`), if routed. */
  route?: { nexthop: string; dev: string; mtu: number };
  /** Named sets and maps of the rule's table. */
  set(name: string): NamedSet | undefined;
  /** For numgen/hash: a stable seed, so the simulation is deterministic. */
  seed: number;
}

// ---------------------------------------------------------------------------------------------
// What evaluating one rule yields (src/netfilter/expr → the chain loop in src/netfilter)

/**
 * A side effect of a matching rule's statements, for the packet walk to carry out (NAT setup,
 * marks, reject, notrack) or to report (log, counter). Effects come in statement order.
 */
export type Effect =
  | {
      kind: 'nat';
      stmt: NatStmt;
      /** The resolved address range (maps looked up); absent keeps the address (redirect, masquerade pick their own). */
      addr?: { low: string; high: string };
      port?: { low: number; high: number };
    }
  | { kind: 'reject'; stmt: RejectStmt }
  | { kind: 'mark'; target: 'meta mark' | 'ct mark'; value: number }
  /** Other `… set …` statements: `target` as nft writes it (`ip dscp`, `meta priority`, `ct helper`…). */
  | { kind: 'mangle'; target: string; value: string | number }
  | { kind: 'notrack' }
  | { kind: 'log'; options: { key: string; value: string }[] }
  | { kind: 'counter' }
  | { kind: 'setop'; op: 'add' | 'update' | 'delete'; set: string; key: string }
  /**
   * Something the reader should know about how nfwalk decided this rule: `limit`/`quota`
   * evaluated as not exceeded, numgen/hash values drawn deterministically. Nothing to carry out.
   */
  | {
      kind: 'note';
      text: string;
      /**
       * What the note is about, for the explainer: `limit`, `quota`, `numgen`, `jhash`,
       * `symhash`, `nat-family` (a NAT statement of the other family that does nothing).
       */
      about?: 'limit' | 'quota' | 'numgen' | 'jhash' | 'symhash' | 'nat-family';
      /** limit/quota: the statement tests "over" (so, assumed not exceeded, it does not match). */
      over?: boolean;
    };

export type RuleOutcome =
  /**
   * A match statement failed: the rule did not match (no event). `effects` are those of the
   * statements that ran before the failing one: the kernel keeps what they did (a `meta mark
   * set` before a match that fails still marks the packet), so the walk carries them out.
   */
  | { kind: 'nomatch'; effects?: Effect[] }
  /**
   * Every match succeeded. `verdict` is the verdict the rule ended with (`continue` when it only
   * had non-terminal statements); NAT statements end with accept, reject with drop.
   */
  | { kind: 'match'; verdict: Verdict; effects: Effect[] }
  /**
   * The rule needs something the scenario cannot decide, or a statement nfwalk does not model:
   * the walk stops here and reports it, never guessing.
   */
  | { kind: 'unsupported'; statement: Statement; reason: string; rule: Rule };
