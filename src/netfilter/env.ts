/**
 * What a rule sees when the kernel evaluates it: the packet as it is at this hook, the hook's
 * meta data, the packet's conntrack entry, and lookups into routing and the table's sets.
 *
 * This is the contract between the packet walk (src/netfilter/walk, which builds an EvalEnv
 * at every base chain) and rule evaluation (src/netfilter/expr, which evaluates statements
 * against it). Change it only additively.
 */
import type { CtView } from '../conntrack/table.ts';
import type { L3Family, Packet } from '../packet/packet.ts';
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
import type { FlowRefusal } from './trace.ts';

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
  /**
   * `flow add @ft`: the connection goes into the flowtable, or `refused` says which of
   * nft_flow_offload_eval's conditions it fails (then the rule stops there: NFT_BREAK).
   */
  | { kind: 'flow-offload'; flowtable: string; devices: string[]; refused?: FlowOffloadRefusal }
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

/** Why `flow add` does not offload a connection (nft_flow_offload_eval's `goto out`). */
export type FlowOffloadRefusal = Exclude<FlowRefusal, 'no-route'>;

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
