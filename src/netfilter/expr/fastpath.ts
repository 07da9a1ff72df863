/**
 * A conservative early reject for one rule, checked before the rule is evaluated in full.
 *
 * nft_do_chain evaluates a rule's expressions in order and stops at the first NFT_BREAK. When a
 * rule starts with plain match statements (`ip daddr 10.96.0.1 tcp dport 80 … jump svc`), the
 * first of them that fails ends the rule with no effect: nothing before it ran but other pure
 * matches. Those leading matches are compiled here once per rule into numeric tests (addresses
 * as 32-bit integers, ports and protocols as numbers, interface names as bytes), so a rule that
 * certainly does not match costs a few comparisons instead of a full evaluation. A chain of
 * 50,000 kube-proxy service rules took 1.4 µs a rule evaluated in full.
 *
 * The answer is only ever "certainly no match" (the full evaluation would return `nomatch`
 * with no effects) or "don't know" (the rule is then evaluated in full, as before). Every test
 * mirrors, step by step, what evalMatch (compare.ts) and the loads (values.ts, payload.ts) do
 * for the same statement: a load that the full path would break on (`ip daddr` on an IPv6
 * packet, `tcp dport` on UDP) is a certain failure; anything the full path might refuse as
 * undecidable (a missing port, an address that does not parse, an ARP table) is "don't know".
 * A statement that does not fit one of the shapes below ends the compiled prefix.
 */
import type { Expr, MatchStmt, Rule } from '../../ruleset/model.ts';
import type { EvalEnv } from '../env.ts';
import { compareBytes, type DataType, parseValue, TYPES } from './datatypes.ts';
import { literalInterval } from './sets.ts';

/** Internal switch: tests run the same rules with the fast path off and compare the outcomes. */
export const fastPath = { enabled: true };

// Load results that are not values. Values are unsigned (at most 32 bits) and so never negative.
/** The load breaks (the header is absent): the match fails, whatever the operator. */
const LOAD_BREAK = -1;
/** The full evaluation might decide otherwise (throw NotDecidable, read raw bytes): don't know. */
const LOAD_UNKNOWN = -2;

// Check results.
const PASS = 0;
const FAIL = 1;
const UNKNOWN = 2;

/** How a loaded value is tested, mirroring the branches of evalMatch. */
const T_POINT = 0; // constant point: relate(op, compare(v, low))
const T_RANGE = 1; // prefix or range with == / !=: inInterval
const T_FLAG = 2; // implicit op on a bitmask: (v & mask) != 0
const T_LIST = 3; // comma list of a non-bitmask type: any item's interval, == / !=

const OP_EQ = 0;
const OP_NE = 1;
const OP_LT = 2;
const OP_GT = 3;
const OP_LE = 4;
const OP_GE = 5;
const OPS: Record<MatchStmt['op'], number> = {
  '==': OP_EQ,
  '!=': OP_NE,
  '<': OP_LT,
  '>': OP_GT,
  '<=': OP_LE,
  '>=': OP_GE,
};

type NumLoad = (env: EvalEnv) => number;
type BytesLoad = (env: EvalEnv) => Uint8Array | number;

/** One compiled leading match: a numeric load (ints) or a bytes load (IPv6, interface names). */
interface Check {
  num: NumLoad | undefined;
  bytes: BytesLoad | undefined;
  test: number;
  op: number;
  lo: number;
  hi: number;
  blo: Uint8Array | undefined;
  bhi: Uint8Array | undefined;
  /** T_LIST: [lo0, hi0, lo1, hi1, …] (numeric) or the same as bytes. */
  items: number[] | undefined;
  bitems: Uint8Array[] | undefined;
}

interface Compiled {
  statements: Rule['statements'];
  count: number;
  checks: readonly Check[];
}

/**
 * Each rule's compiled checks, kept on the rule under a symbol that is neither enumerable nor
 * serialised (JSON, Object.keys and deep equality do not see it): a WeakMap lookup per rule
 * cost as much as the checks themselves in a 50,000-rule chain.
 */
const COMPILED: unique symbol = Symbol('nfwalk.fastpath');
type WithCompiled = Rule & { [COMPILED]?: Compiled };
/** One descriptor for every rule (defineProperty reads it at the call). */
const DESCRIPTOR: PropertyDescriptor = { value: undefined, writable: true, configurable: true };
/** Most rules of a large ruleset start with no compilable match: they share this. */
const NO_CHECKS: readonly Check[] = Object.freeze([]);

/**
 * Whether the rule certainly does not match (its full evaluation would be `{ kind: 'nomatch' }`
 * with no effects). False means "evaluate it".
 */
export function certainlyNoMatch(rule: Rule, env: EvalEnv): boolean {
  if (!fastPath.enabled) return false;
  let c = (rule as WithCompiled)[COMPILED];
  if (c === undefined || c.statements !== rule.statements || c.count !== rule.statements.length) {
    c = { statements: rule.statements, count: rule.statements.length, checks: compileRule(rule) };
    // A frozen rule (nothing in nfwalk freezes them) is compiled again each time, still right.
    if (Object.isExtensible(rule)) {
      DESCRIPTOR.value = c;
      Object.defineProperty(rule, COMPILED, DESCRIPTOR);
      DESCRIPTOR.value = undefined;
    }
  }
  const checks = c.checks;
  for (let i = 0; i < checks.length; i++) {
    const r = runCheck(checks[i]!, env);
    if (r === PASS) continue;
    return r === FAIL;
  }
  return false;
}

function runCheck(c: Check, env: EvalEnv): number {
  if (c.num !== undefined) {
    const v = c.num(env);
    if (v < 0) return v === LOAD_BREAK ? FAIL : UNKNOWN;
    return numTest(c, v) ? PASS : FAIL;
  }
  const v = c.bytes!(env);
  if (typeof v === 'number') return v === LOAD_BREAK ? FAIL : UNKNOWN;
  return bytesTest(c, v) ? PASS : FAIL;
}

function relate(op: number, cmp: number): boolean {
  switch (op) {
    case OP_EQ:
      return cmp === 0;
    case OP_NE:
      return cmp !== 0;
    case OP_LT:
      return cmp < 0;
    case OP_GT:
      return cmp > 0;
    case OP_LE:
      return cmp <= 0;
    default:
      return cmp >= 0;
  }
}

function numTest(c: Check, v: number): boolean {
  switch (c.test) {
    case T_POINT:
      return relate(c.op, v < c.lo ? -1 : v > c.lo ? 1 : 0);
    case T_RANGE:
      return (c.lo <= v && v <= c.hi) === (c.op === OP_EQ);
    case T_FLAG:
      return (v & c.lo) !== 0;
    default: {
      const items = c.items!;
      let found = false;
      for (let i = 0; i < items.length; i += 2) {
        if (items[i]! <= v && v <= items[i + 1]!) {
          found = true;
          break;
        }
      }
      return found === (c.op === OP_EQ);
    }
  }
}

function bytesTest(c: Check, v: Uint8Array): boolean {
  switch (c.test) {
    case T_POINT:
      return relate(c.op, compareBytes(v, c.blo!));
    case T_RANGE:
      return (compareBytes(c.blo!, v) <= 0 && compareBytes(v, c.bhi!) <= 0) === (c.op === OP_EQ);
    default: {
      const items = c.bitems!;
      let found = false;
      for (let i = 0; i < items.length; i += 2) {
        if (compareBytes(items[i]!, v) <= 0 && compareBytes(v, items[i + 1]!) <= 0) {
          found = true;
          break;
        }
      }
      return found === (c.op === OP_EQ);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Loads: what loadKey yields for the same expression, as a number or bytes

/** Packet addresses and interface names, parsed once (bounded tables, as payload.ts keeps). */
const v4Cache = new Map<string, number>();
const v6Cache = new Map<string, Uint8Array | null>();
const nameCache = new Map<string, Uint8Array | null>();
const ctStateCache = new Map<string, number>();

/** The last address read: a walk reads the same packet's address rule after rule. */
let lastV4Text = '';
let lastV4 = LOAD_UNKNOWN;

function v4(text: string): number {
  if (text === lastV4Text) return lastV4;
  let n = v4Cache.get(text);
  if (n === undefined) {
    try {
      n = bytesToNum(parseValue(TYPES.ipv4_addr, text));
    } catch {
      n = LOAD_UNKNOWN;
    }
    if (v4Cache.size >= 4096) v4Cache.clear();
    v4Cache.set(text, n);
  }
  lastV4Text = text;
  lastV4 = n;
  return n;
}

function v6(text: string): Uint8Array | number {
  let b = v6Cache.get(text);
  if (b === undefined) {
    try {
      b = parseValue(TYPES.ipv6_addr, text);
    } catch {
      b = null;
    }
    if (v6Cache.size >= 4096) v6Cache.clear();
    v6Cache.set(text, b);
  }
  return b ?? LOAD_UNKNOWN;
}

/** What ifnameValue stores: a missing device reads as the empty name. */
function ifname(name: string | null | undefined, type: DataType): Uint8Array | number {
  const text = name ?? '';
  const key = `${type.name} ${text}`;
  let b = nameCache.get(key);
  if (b === undefined) {
    try {
      b = parseValue(type, text);
    } catch {
      b = null;
    }
    if (nameCache.size >= 4096) nameCache.clear();
    nameCache.set(key, b);
  }
  return b ?? LOAD_UNKNOWN;
}

/** A packet field the scenario gives as a number, when it fits the register as the full path stores it. */
function fits(n: number | undefined, bits: number): number {
  if (n === undefined || !Number.isInteger(n) || n < 0 || n >= 2 ** bits) return LOAD_UNKNOWN;
  return n;
}

// evalPayload: ARP tables throw, an absent header breaks, the packet model's value is loaded.
const ipField =
  (get: (env: EvalEnv) => number): NumLoad =>
  (env) => {
    if (env.family === 'arp') return LOAD_UNKNOWN;
    if (env.packet.family !== 'ip') return LOAD_BREAK;
    return get(env);
  };
const ipSaddr = ipField((env) => v4(env.packet.saddr));
const ipDaddr = ipField((env) => v4(env.packet.daddr));
const ipProtocol = ipField((env) => fits(env.packet.protocolNumber, 8));

const ip6Field =
  (get: (env: EvalEnv) => Uint8Array | number): BytesLoad =>
  (env) => {
    if (env.family === 'arp') return LOAD_UNKNOWN;
    if (env.packet.family !== 'ip6') return LOAD_BREAK;
    return get(env);
  };
const ip6Saddr = ip6Field((env) => v6(env.packet.saddr));
const ip6Daddr = ip6Field((env) => v6(env.packet.daddr));
// IP6_FIELDS.nexthdr reads raw bytes when the scenario gives them.
const ip6Nexthdr: NumLoad = (env) => {
  if (env.family === 'arp') return LOAD_UNKNOWN;
  const p = env.packet;
  if (p.family !== 'ip6') return LOAD_BREAK;
  return p.bytes ? LOAD_UNKNOWN : fits(p.protocolNumber, 8);
};

/** `tcp dport` and the like: the dependency is the L4 protocol number. */
function portLoad(proto: number, field: 'sport' | 'dport'): NumLoad {
  return (env) => {
    if (env.family === 'arp') return LOAD_UNKNOWN;
    const p = env.packet;
    if (p.protocolNumber !== proto) return LOAD_BREAK;
    return fits(p[field], 16);
  };
}
const PORT_PROTOS: Record<string, number> = { tcp: 6, udp: 17, udplite: 136, sctp: 132, dccp: 33 };
const metaL4proto: NumLoad = (env) => fits(env.packet.protocolNumber, 8);
const metaNfproto: NumLoad = (env) => (env.meta.nfproto === 'ip' ? 2 : 10);
const metaProtocol: NumLoad = (env) => (env.packet.family === 'ip' ? 0x0800 : 0x86dd);
const metaMark: NumLoad = (env) => fits(env.meta.mark >>> 0, 32);
const iifname: BytesLoad = (env) => ifname(env.meta.iif, TYPES.ifname);
const oifname: BytesLoad = (env) => ifname(env.meta.oif, TYPES.ifname);
const iif: BytesLoad = (env) => ifname(env.meta.iif, TYPES.iface_index);
const oif: BytesLoad = (env) => ifname(env.meta.oif, TYPES.iface_index);

// evalCt: the state reads without an entry too (invalid).
const ctState: NumLoad = (env) => {
  const state = env.ct?.state ?? 'invalid';
  let n = ctStateCache.get(state);
  if (n === undefined) {
    try {
      n = bytesToNum(parseValue(TYPES.ct_state, state));
    } catch {
      n = LOAD_UNKNOWN;
    }
    ctStateCache.set(state, n);
  }
  return n;
};

interface Load {
  type: DataType;
  num?: NumLoad;
  bytes?: BytesLoad;
}

/** Header fields by protocol, then field (no string built per rule compiled). */
const PAYLOAD_LOADS = new Map<string, Map<string, Load>>([
  [
    'ip',
    new Map([
      ['saddr', { type: TYPES.ipv4_addr, num: ipSaddr }],
      ['daddr', { type: TYPES.ipv4_addr, num: ipDaddr }],
      ['protocol', { type: TYPES.inet_proto, num: ipProtocol }],
    ]),
  ],
  [
    'ip6',
    new Map([
      ['saddr', { type: TYPES.ipv6_addr, bytes: ip6Saddr }],
      ['daddr', { type: TYPES.ipv6_addr, bytes: ip6Daddr }],
      ['nexthdr', { type: TYPES.inet_proto, num: ip6Nexthdr }],
    ]),
  ],
]);
for (const [name, proto] of Object.entries(PORT_PROTOS)) {
  PAYLOAD_LOADS.set(
    name,
    new Map([
      ['sport', { type: TYPES.inet_service, num: portLoad(proto, 'sport') }],
      ['dport', { type: TYPES.inet_service, num: portLoad(proto, 'dport') }],
    ]),
  );
}

const META_LOADS = new Map<string, Load>([
  ['l4proto', { type: TYPES.inet_proto, num: metaL4proto }],
  ['nfproto', { type: TYPES.nf_proto, num: metaNfproto }],
  ['protocol', { type: TYPES.ether_type, num: metaProtocol }],
  ['mark', { type: TYPES.mark, num: metaMark }],
  ['iifname', { type: TYPES.ifname, bytes: iifname }],
  ['oifname', { type: TYPES.ifname, bytes: oifname }],
  ['iif', { type: TYPES.iface_index, bytes: iif }],
  ['oif', { type: TYPES.iface_index, bytes: oif }],
]);

const CT_STATE_LOAD: Load = { type: TYPES.ct_state, num: ctState };

/** The shapes of left-hand side compiled here, with the datatype the full path loads them as. */
function loadOf(e: Expr): Load | undefined {
  if (e.kind === 'payload') {
    if (e.exthdr) return undefined;
    return PAYLOAD_LOADS.get(e.protocol)?.get(e.field);
  }
  if (e.kind === 'meta') return META_LOADS.get(e.key);
  if (e.kind === 'ct' && e.key === 'state' && !e.dir && !e.family) return CT_STATE_LOAD;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Compiling a rule's leading matches

function compileRule(rule: Rule): readonly Check[] {
  let checks: Check[] | undefined;
  for (const stmt of rule.statements) {
    if (stmt.kind !== 'match') break;
    let check: Check | undefined;
    try {
      check = compileMatch(stmt);
    } catch {
      // A constant the full path would refuse: leave the statement (and the rest) to it.
      check = undefined;
    }
    if (!check) break;
    if (checks) checks.push(check);
    else checks = [check];
  }
  return checks ?? NO_CHECKS;
}

function newCheck(load: Load, test: number, op: number): Check {
  return {
    num: load.num,
    bytes: load.bytes,
    test,
    op,
    lo: 0,
    hi: 0,
    blo: undefined,
    bhi: undefined,
    items: undefined,
    bitems: undefined,
  };
}

/** One match statement, following evalMatch's branches in the same order; undefined: not here. */
function compileMatch(stmt: MatchStmt): Check | undefined {
  if (stmt.mask) return undefined;
  const right = stmt.right;
  // Presence words, sets, symbols and non-constants take other branches of evalMatch.
  if (right.kind !== 'value' && right.kind !== 'prefix' && right.kind !== 'range') {
    if (right.kind !== 'list' || !right.items.every((i) => i.kind === 'value')) return undefined;
  }
  const load = loadOf(stmt.left);
  if (!load) return undefined;
  const type = load.type;
  const op = OPS[stmt.op];
  const numeric = load.num !== undefined;
  if (numeric && type.size > 4) return undefined;

  // Implicit op on a bitmask: the flag test (left & right) != 0.
  if (
    stmt.implicitOp &&
    type.base === 'bitmask' &&
    (right.kind === 'value' || right.kind === 'list')
  ) {
    if (!numeric) return undefined;
    const mask = right.kind === 'value' ? [right] : right.items;
    let m = 0;
    for (const item of mask) {
      if (item.kind !== 'value') return undefined;
      m = (m | bytesToNum(parseValue(type, item.text))) >>> 0;
    }
    const c = newCheck(load, T_FLAG, op);
    c.lo = m;
    return c;
  }
  if (right.kind === 'list') {
    if (type.base === 'bitmask') {
      // `ct state == established,related`: one constant compared as a whole.
      if (!numeric) return undefined;
      let m = 0;
      for (const item of right.items) {
        if (item.kind !== 'value') return undefined;
        m = (m | bytesToNum(parseValue(type, item.text))) >>> 0;
      }
      const c = newCheck(load, T_POINT, op);
      c.lo = m;
      return c;
    }
    if (op !== OP_EQ && op !== OP_NE) return undefined;
    const c = newCheck(load, T_LIST, op);
    const ivs = right.items.map((item) => interval(item, type));
    if (numeric) c.items = ivs.flatMap((iv) => [bytesToNum(iv.low), bytesToNum(iv.high)]);
    else c.bitems = ivs.flatMap((iv) => [iv.low, iv.high]);
    return c;
  }
  if (numeric && right.kind === 'value') {
    // The common case (`ip daddr 10.96.0.1`, `tcp dport 80`) without building an interval.
    const n = quickNumber(right.text, type);
    if (n !== undefined) {
      const c = newCheck(load, T_POINT, op);
      c.lo = n;
      c.hi = n;
      return c;
    }
  }
  const iv = interval(right, type);
  const point = compareBytes(iv.low, iv.high) === 0;
  if (!point && op !== OP_EQ && op !== OP_NE) return undefined;
  const c = newCheck(load, point ? T_POINT : T_RANGE, op);
  if (numeric) {
    c.lo = bytesToNum(iv.low);
    c.hi = bytesToNum(iv.high);
  } else {
    c.blo = iv.low;
    c.bhi = iv.high;
  }
  return c;
}

/**
 * A constant's interval, as compare.ts computes it (literalInterval), with its bytes the
 * register's width (otherwise compareBytes on different lengths is not a numeric comparison).
 */
function interval(e: Expr, type: DataType): { low: Uint8Array; high: Uint8Array } {
  const iv = literalInterval(e, type);
  if (iv.low.length !== type.size || iv.high.length !== type.size) {
    throw new Error('constant of another width');
  }
  return iv;
}

/**
 * A plain IPv4 address (four decimal parts without leading zeros, what ipaddr.js's
 * isValidFourPartDecimal accepts) or a plain decimal number of an integer type, as the number
 * literalInterval's bytes stand for; undefined for anything else (symbols, hex, octal, prefixes,
 * ranges), which goes the full way. 50,000 addresses through ipaddr.js at the first walk cost
 * more than the walk. Exported for the equivalence test only.
 */
export function quickNumber(text: string, type: DataType): number | undefined {
  if (type.base === 'ipv4') {
    let n = 0;
    let part = 0;
    let digits = 0;
    let parts = 0;
    for (let i = 0; i <= text.length; i++) {
      const ch = i < text.length ? text.charCodeAt(i) : 46; // a final '.'
      if (ch === 46) {
        if (digits === 0 || part > 255) return undefined;
        n = n * 256 + part;
        parts++;
        part = 0;
        digits = 0;
      } else if (ch >= 48 && ch <= 57) {
        if (digits > 0 && part === 0) return undefined; // a leading zero
        part = part * 10 + (ch - 48);
        if (++digits > 3) return undefined;
      } else return undefined;
    }
    return parts === 4 ? n : undefined;
  }
  if (type.base !== 'integer' || type.name === 'tc_handle' || type.size > 4) return undefined;
  const len = text.length;
  if (len === 0 || len > 10) return undefined;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const ch = text.charCodeAt(i);
    if (ch < 48 || ch > 57) return undefined;
    if (i === 0 && ch === 48 && len > 1) return undefined; // octal or padded
    n = n * 10 + (ch - 48);
  }
  if (n >= 2 ** (type.size * 8) || type.symbols?.has(text)) return undefined;
  return n;
}

function bytesToNum(b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) n = n * 256 + b[i]!;
  return n;
}
