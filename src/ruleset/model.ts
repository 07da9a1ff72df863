/**
 * The ruleset model: one typed tree for every input format (nft text, `nft -j` JSON,
 * iptables-save). Every node that came from source text keeps its `span`, so a page can quote
 * the user's own line and an error can point at it.
 *
 * This file is the contract between the front ends (src/ruleset/nft, src/ruleset/json,
 * src/ruleset/iptables), the printer, and the simulator (src/netfilter). Change it only
 * additively: new optional fields, new union members.
 *
 * Literal values are kept as written (`Value.text`); their meaning depends on what they are
 * compared with (an address for `ip saddr`, an interface name for `iifname`, a bit name for
 * `ct state`), which the simulator decides from the left-hand side.
 */

/** A region of a source file. Lines and columns are 1-based; offsets are 0-based, end exclusive. */
export interface Span {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  offset: number;
  end: number;
}

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type HookName =
  | 'prerouting'
  | 'input'
  | 'forward'
  | 'output'
  | 'postrouting'
  | 'ingress'
  | 'egress';
export type ChainType = 'filter' | 'nat' | 'route';

export interface SourceFile {
  path: string;
  text: string;
}

export interface Ruleset {
  /** Which front end produced it. */
  format: 'nft' | 'nft-json' | 'iptables-save';
  /** Every file read (the main file first, then includes), for quoting source lines. */
  files: SourceFile[];
  tables: Table[];
}

export interface Table {
  family: Family;
  name: string;
  handle?: number;
  /** `flags dormant`, `flags owner, persist`… as written, in order. */
  flags: string[];
  comment?: string;
  chains: Chain[];
  /** Named sets and maps (a map is a set with `map` set). */
  sets: NamedSet[];
  objects: StatefulObject[];
  flowtables: Flowtable[];
  span?: Span;
}

export interface Priority {
  /** The number the kernel uses, named priorities resolved for the chain's family and hook. */
  value: number;
  /** As written: `-100`, `filter + 10`, `dstnat`, `srcnat - 5`. */
  text: string;
}

export interface BaseChainSpec {
  type: ChainType;
  hook: HookName;
  priority: Priority;
  /** `device "eth0"` or `devices = { a, b }` (netdev, and inet ingress). Empty otherwise. */
  devices: string[];
  /** Whether the source used `devices = {…}` rather than `device`. */
  devicesSet?: boolean;
}

export interface Chain {
  name: string;
  handle?: number;
  /** Present for base chains only. */
  base?: BaseChainSpec;
  /** Base chains only; the kernel's default is accept. */
  policy?: 'accept' | 'drop';
  /** Whether the policy was written out (nft lists it always for base chains). */
  policyWritten?: boolean;
  comment?: string;
  /** `flags hw-offload` and the like. */
  flags?: string[];
  rules: Rule[];
  span?: Span;
}

export interface Rule {
  /** 0-based position in its chain as written: the trace's rule index. */
  index: number;
  /** `# handle N` in listings, or the JSON handle. */
  handle?: number;
  statements: Statement[];
  comment?: string;
  /** The rule's own source text, as the user wrote it (no `# handle` suffix). */
  text: string;
  span?: Span;
  /** For rules read from iptables-save: the original line and where it came from. */
  iptables?: { table: string; chain: string; line: string };
}

// ---------------------------------------------------------------------------------------------
// Statements

interface StmtBase {
  span?: Span;
  /**
   * The statement's source text, when it came from text. The nft front end gives it as a view
   * of the source through `span` (an accessor, not an own property: JSON.stringify and object
   * spread leave it out); read it as a property. The iptables front end gives the words of the
   * option the statement came from, as written in the rule's line (`! -i docker0`,
   * `-m conntrack --ctstate RELATED,ESTABLISHED`, `-j REJECT --reject-with tcp-reset`), so a
   * page quotes an iptables rule in iptables syntax.
   */
  text?: string;
}

export type RelOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

/** A match: `left op right`. `tcp dport 22` has op `==` with `implicitOp` true. */
export interface MatchStmt extends StmtBase {
  kind: 'match';
  left: Expr;
  op: RelOp;
  right: Expr;
  /** The operator was not written (nft's implicit `==`, or the flag test on bitmask types). */
  implicitOp?: boolean;
  /**
   * `left right / mask` (nft's flag-mask form, e.g. `tcp flags syn / fin,syn,rst,ack`):
   * matches when (left & mask) op right.
   *
   * The same test written with an explicit bitwise and has another shape, kept as written:
   * `tcp flags & (syn | ack) == syn` is `left` = binop `&` (payload `tcp flags`, binop `|`
   * of the flags), `op` `==`, `right` `syn`, no `mask`; while `tcp flags syn / syn,ack` is
   * `left` = payload `tcp flags`, `right` `syn`, `mask` = a list `syn, ack`, `implicitOp`.
   * Both mean (flags & (syn|ack)) == syn; an evaluator must handle both shapes.
   */
  mask?: Expr;
}

export type VerdictKind = 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto' | 'queue';

export interface Verdict {
  kind: VerdictKind;
  /** The chain for jump and goto. */
  target?: string;
  /**
   * A chain binding, `jump { … }`: the rules of an anonymous chain written in place (nft
   * creates it as `__chain<N>`). `target` is absent then.
   */
  binding?: Rule[];
}

export interface VerdictStmt extends StmtBase {
  kind: 'verdict';
  verdict: Verdict;
}

/** `key vmap { a : accept, b : jump x }` or `key vmap @name`. */
export interface VmapStmt extends StmtBase {
  kind: 'vmap';
  key: Expr;
  map: Expr;
}

export interface CounterStmt extends StmtBase {
  kind: 'counter';
  packets?: number;
  bytes?: number;
  /** `counter name "x"`: a reference to a named counter object. */
  name?: string;
}

export type NatType = 'snat' | 'dnat' | 'masquerade' | 'redirect';

export interface NatStmt extends StmtBase {
  kind: 'nat';
  type: NatType;
  /** `dnat ip to …` / `snat ip6 to …` in inet tables. */
  family?: 'ip' | 'ip6';
  /** The address part (a value, range, prefix, or a `map` lookup); absent for masquerade/redirect. */
  addr?: Expr;
  /** The port part (value, range, or map); `to :8080` for redirect. */
  port?: Expr;
  /** `dnat to ip saddr . tcp dport map { … }`: address and port from one concatenated map. */
  addrPortMap?: boolean;
  /** `prefix` in `snat ip prefix to …`. */
  prefix?: boolean;
  /** random, fully-random, persistent, netmap. */
  flags: string[];
}

export interface RejectStmt extends StmtBase {
  kind: 'reject';
  /** Absent: plain `reject` (icmp port-unreachable, icmpx in inet/bridge/netdev). */
  with?: { type: 'icmp' | 'icmpv6' | 'icmpx' | 'tcp reset'; code?: string };
}

export interface LogStmt extends StmtBase {
  kind: 'log';
  /** prefix, level, group, snaplen, queue-threshold, flags: as written. */
  options: { key: string; value: string }[];
}

/** `meta mark set …`, `ct mark set …`, `ip dscp set …`, `meta nftrace set 1`, `ct helper set "x"`. */
export interface MangleStmt extends StmtBase {
  kind: 'mangle';
  target: Expr;
  value: Expr;
}

export interface NotrackStmt extends StmtBase {
  kind: 'notrack';
}

/** `add @set { key }`, `update @set { key counter }`, `delete @set { key }`. */
export interface SetOpStmt extends StmtBase {
  kind: 'setop';
  op: 'add' | 'update' | 'delete';
  set: string;
  key: Expr;
  /** For maps: the data part, `update @m { ip saddr : 0x00000002 }`. */
  data?: Expr;
  /** Statements attached to the element (`limit rate …`, `counter`). */
  statements: Statement[];
}

/**
 * A statement the model keeps but does not break down further: limit, quota, tproxy, queue,
 * dup, fwd, synproxy, flow add/offload, secmark, ct count, object references (`quota name "q"`),
 * `xt` compat matches. `keyword` is the leading keyword(s); `args` the remaining words as
 * written. The simulator evaluates those it knows and reports the rest as unsupported.
 */
export interface OtherStmt extends StmtBase {
  kind: 'other';
  keyword: string;
  args: string[];
}

/**
 * Something the front end read but nfwalk does not model at all (an iptables extension with
 * no nft equivalent, for example). The simulator reports it as unsupported at this rule.
 */
export interface UnsupportedStmt extends StmtBase {
  kind: 'unsupported';
  what: string;
}

export type Statement =
  | MatchStmt
  | VerdictStmt
  | VmapStmt
  | CounterStmt
  | NatStmt
  | RejectStmt
  | LogStmt
  | MangleStmt
  | NotrackStmt
  | SetOpStmt
  | OtherStmt
  | UnsupportedStmt;

// ---------------------------------------------------------------------------------------------
// Expressions

interface ExprBase {
  /**
   * Where the expression was written. The nft front end makes the spans of header fields and
   * values when first read (an accessor: JSON.stringify and object spread leave it out).
   */
  span?: Span;
}

/**
 * A header field: `ip saddr`, `tcp dport`, `ether type`, `vlan id`, `th dport`, `icmp type`,
 * `ip6 nexthdr`, `arp operation`. Extension headers and options use `protocol` with a space:
 * `tcp option` (field `maxseg size`), `ip6 frag`/`rt`/`hbh`… (`exthdr` set), `ip option`.
 */
export interface PayloadExpr extends ExprBase {
  kind: 'payload';
  protocol: string;
  field: string;
  /** For extension headers/options: `exists`/`missing` tests are written as `tcp option sack exists`. */
  exthdr?: boolean;
}

/** `@ll,0,8` / `@nh,16,16` / `@th,…` / `@ih,…`. */
export interface RawPayloadExpr extends ExprBase {
  kind: 'raw';
  base: 'll' | 'nh' | 'th' | 'ih';
  offset: number;
  length: number;
}

/** `meta l4proto`, and the short forms `iifname`, `oifname`, `iif`, `oif`, `mark`… */
export interface MetaExpr extends ExprBase {
  kind: 'meta';
  key: string;
  /** Written without the `meta` keyword. */
  short?: boolean;
}

/** `ct state`, `ct status`, `ct mark`, `ct original ip saddr`, `ct reply proto-dst`, `ct count`… */
export interface CtExpr extends ExprBase {
  kind: 'ct';
  key: string;
  dir?: 'original' | 'reply';
  /** `ct original ip saddr`: the `ip`/`ip6` qualifier. */
  family?: 'ip' | 'ip6';
}

/** `fib saddr . iif oif`, `fib daddr type`. */
export interface FibExpr extends ExprBase {
  kind: 'fib';
  flags: string[];
  /** `check`: the route-exists test, `fib saddr . iif check missing` (JSON: result `oif` compared with a boolean). */
  result: 'oif' | 'oifname' | 'type' | 'check';
}

/** `rt nexthop`, `rt ip6 mtu`, `rt classid`, `rt ipsec`. */
export interface RtExpr extends ExprBase {
  kind: 'rt';
  key: string;
  family?: 'ip' | 'ip6';
}

/**
 * Expressions that depend on things outside the packet and the scenario (sockets, OS
 * fingerprints, IPsec state, tunnels…): `socket transparent`, `osf name`, `ipsec in reqid`.
 */
export interface KeyedExpr extends ExprBase {
  kind: 'socket' | 'osf' | 'ipsec' | 'tunnel' | 'xfrm';
  /** Everything after the keyword, as written: `["transparent"]`, `["in", "reqid"]`. */
  words: string[];
}

export interface NumgenExpr extends ExprBase {
  kind: 'numgen';
  mode: 'inc' | 'random';
  mod: number;
  offset?: number;
}

export interface HashExpr extends ExprBase {
  kind: 'hash';
  fn: 'jhash' | 'symhash';
  /** The hashed expression (jhash only). */
  expr?: Expr;
  mod: number;
  seed?: string;
  offset?: number;
}

/** A literal as written: `22`, `10.0.0.1`, `established`, `"docker1"`, `0x10`, `ssh`. */
export interface ValueExpr extends ExprBase {
  kind: 'value';
  text: string;
  /** Written in double quotes (the quotes are not part of `text`). */
  quoted?: boolean;
}

/** `$name` in nft -f scripts; the nft front end resolves these, so a loaded ruleset has none. */
export interface VariableExpr extends ExprBase {
  kind: 'variable';
  name: string;
}

export interface PrefixExpr extends ExprBase {
  kind: 'prefix';
  expr: Expr;
  length: number;
}

export interface RangeExpr extends ExprBase {
  kind: 'range';
  low: Expr;
  high: Expr;
}

/** A comma-separated flag list outside braces: `ct state established,related`. */
export interface ListExpr extends ExprBase {
  kind: 'list';
  items: Expr[];
}

export interface SetElement {
  key: Expr;
  /** For maps: the mapped value (a verdict for vmaps). */
  value?: Expr;
  timeout?: string;
  expires?: string;
  comment?: string;
  /** `counter packets 0 bytes 0` and the like attached to an element. */
  statements?: Statement[];
  span?: Span;
}

/** An anonymous set or map literal: `{ 22, 80 }`, `{ 80 : 8080 }`, `{ 1 : accept }`. */
export interface SetExpr extends ExprBase {
  kind: 'set';
  elements: SetElement[];
}

/** `@name`: a named set or map of the same table. */
export interface SetRefExpr extends ExprBase {
  kind: 'setref';
  name: string;
}

/** `a . b . c`. */
export interface ConcatExpr extends ExprBase {
  kind: 'concat';
  parts: Expr[];
}

export interface BinopExpr extends ExprBase {
  kind: 'binop';
  op: '&' | '|' | '^' | '<<' | '>>';
  left: Expr;
  right: Expr;
}

/** A map lookup used as a value: `ip saddr map { … }`, `tcp dport map @ports`. */
export interface MapExpr extends ExprBase {
  kind: 'map';
  key: Expr;
  map: Expr;
}

/** A verdict used as a value (the data of a vmap element). */
export interface VerdictExpr extends ExprBase {
  kind: 'verdict';
  verdict: Verdict;
}

/** `*` in a set (the catch-all element), and `exists`/`missing` tests. */
export interface SymbolExpr extends ExprBase {
  kind: 'symbol';
  name: '*' | 'exists' | 'missing';
}

export type Expr =
  | PayloadExpr
  | RawPayloadExpr
  | MetaExpr
  | CtExpr
  | FibExpr
  | RtExpr
  | KeyedExpr
  | NumgenExpr
  | HashExpr
  | ValueExpr
  | VariableExpr
  | PrefixExpr
  | RangeExpr
  | ListExpr
  | SetExpr
  | SetRefExpr
  | ConcatExpr
  | BinopExpr
  | MapExpr
  | VerdictExpr
  | SymbolExpr;

// ---------------------------------------------------------------------------------------------
// Sets, maps, objects, flowtables

/** `type ipv4_addr . inet_service` or `typeof ip saddr . tcp dport`. */
export type TypeSpec =
  | {
      form: 'type';
      names: string[];
      span?: Span;
      /** Map data only: `type ipv4_addr : interval ipv4_addr` (the data holds ranges). */
      interval?: boolean;
    }
  | { form: 'typeof'; exprs: Expr[]; span?: Span; interval?: boolean };

export interface NamedSet {
  kind: 'set' | 'map';
  name: string;
  handle?: number;
  key: TypeSpec;
  /** Maps only: the data type (`verdict` for a verdict map). */
  data?: TypeSpec;
  /** constant, interval, timeout, dynamic… as written. */
  flags: string[];
  timeout?: string;
  gcInterval?: string;
  size?: number;
  /** `# count N` that nft 1.1 lists after `size`: how many elements the set held. */
  count?: number;
  policy?: string;
  autoMerge?: boolean;
  /** Statements every element gets (`counter`, `quota …`), as in `set s { …; counter; }`. */
  statements?: Statement[];
  comment?: string;
  elements: SetElement[];
  span?: Span;
}

export type ObjectType =
  | 'counter'
  | 'quota'
  | 'limit'
  | 'ct helper'
  | 'ct timeout'
  | 'ct expectation'
  | 'secmark'
  | 'synproxy'
  | 'tunnel';

/** A named stateful object. Its body is kept as the lines inside the braces, in order. */
export interface StatefulObject {
  type: ObjectType;
  name: string;
  handle?: number;
  /** Each line of the body, split into words as written (`["packets", "0", "bytes", "0"]`). */
  body: string[][];
  comment?: string;
  span?: Span;
}

export interface Flowtable {
  name: string;
  handle?: number;
  hook: HookName;
  priority: Priority;
  devices: string[];
  flags?: string[];
  counter?: boolean;
  span?: Span;
}
