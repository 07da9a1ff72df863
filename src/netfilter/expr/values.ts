/**
 * Left-hand expressions → typed register values, as the kernel's expression `eval` functions
 * load them (nft_meta, nft_ct, nft_fib, nft_rt, nft_bitwise; header fields in payload.ts,
 * numgen and hash in generators.ts). A load the kernel cannot make ends the rule with
 * NFT_BREAK (`BREAK`); what the scenario cannot decide throws NotDecidable.
 */
import type {
  BinopExpr,
  ConcatExpr,
  CtExpr,
  Expr,
  FibExpr,
  MetaExpr,
  RtExpr,
} from '../../ruleset/model.ts';
import { BREAK, type Break, type EvalContext, type Key } from './context.ts';
import {
  bytesToBigInt,
  type DataType,
  intBytes,
  integer,
  NotDecidable,
  PROTOCOL_NUMBERS,
  parseValue,
  TYPES,
  type TypedValue,
} from './datatypes.ts';
import { evalHash, evalNumgen } from './generators.ts';
import { evalPayload, evalRaw, payloadFieldType } from './payload.ts';

export { BREAK, type Break, type EvalContext, type Key } from './context.ts';
export { resetGenerators } from './generators.ts';
export { payloadPresent } from './payload.ts';

// ---------------------------------------------------------------------------------------------
// Meta

function ifnameValue(name: string | null | undefined, type: DataType): TypedValue {
  // nft_meta_store_ifname: a missing device reads as the empty name; ifindex as 0.
  return { type, bytes: parseValue(type, name ?? '') };
}

function evalMeta(e: MetaExpr, ctx: EvalContext): TypedValue | Break {
  const { env } = ctx;
  const m = env.meta;
  const p = env.packet;
  switch (e.key) {
    case 'iifname':
      return ifnameValue(m.iif, TYPES.ifname);
    case 'oifname':
      return ifnameValue(m.oif, TYPES.ifname);
    case 'iif':
      return ifnameValue(m.iif, TYPES.iface_index);
    case 'oif':
      return ifnameValue(m.oif, TYPES.iface_index);
    case 'ibrname':
    case 'ibriport':
      if (env.family !== 'bridge' || !m.ibrname) return BREAK;
      return ifnameValue(m.ibrname, TYPES.ifname);
    case 'obrname':
    case 'obriport':
      if (env.family !== 'bridge' || !m.obrname) return BREAK;
      return ifnameValue(m.obrname, TYPES.ifname);
    case 'iiftype':
    case 'oiftype': {
      const dev = e.key === 'iiftype' ? m.iif : m.oif;
      if (dev === null) return BREAK;
      const t = e.key === 'iiftype' ? m.iiftype : m.oiftype;
      if (!t) throw new NotDecidable(`meta ${e.key}: the scenario does not give the device type`);
      return { type: TYPES.iface_type, bytes: parseValue(TYPES.iface_type, t) };
    }
    case 'mark':
      return { type: TYPES.mark, bytes: intBytes(m.mark >>> 0, 4) };
    case 'ipsec':
    case 'secpath':
      // NFT_META_SECPATH stores secpath_exists(skb). A scenario has no IPsec (no xfrm states
      // or policies), so no packet carries a secpath: always false (`meta ipsec missing`).
      return { type: TYPES.boolean, bytes: intBytes(0, 1) };
    case 'l4proto':
      return { type: TYPES.inet_proto, bytes: intBytes(p.protocolNumber, 1) };
    case 'protocol':
      return { type: TYPES.ether_type, bytes: intBytes(p.family === 'ip' ? 0x0800 : 0x86dd, 2) };
    case 'nfproto':
      return { type: TYPES.nf_proto, bytes: intBytes(m.nfproto === 'ip' ? 2 : 10, 1) };
    case 'length':
      return { type: integer(32), bytes: intBytes(p.length, 4) };
    case 'pkttype':
      return { type: TYPES.pkt_type, bytes: parseValue(TYPES.pkt_type, m.pkttype) };
    case 'priority':
      return { type: TC_HANDLE, bytes: intBytes(m.priority >>> 0, 4) };
    case 'skuid':
    case 'skgid': {
      if (!m.local) return BREAK; // no socket: nft_meta breaks
      const v = e.key === 'skuid' ? m.skuid : m.skgid;
      if (v === undefined) {
        throw new NotDecidable(
          `meta ${e.key}: the scenario does not say which user sent the packet`,
        );
      }
      return { type: e.key === 'skuid' ? TYPES.uid : TYPES.gid, bytes: intBytes(v, 4) };
    }
    default:
      throw new NotDecidable(
        `meta ${e.key}: ${META_UNDECIDABLE[e.key] ?? 'not modelled by nfwalk'}`,
      );
  }
}

const META_UNDECIDABLE: Record<string, string> = {
  cpu: 'depends on which CPU handles the packet',
  time: 'depends on the time of day',
  day: 'depends on the day',
  hour: 'depends on the time of day',
  random: 'is random',
  cgroup: 'depends on the sending process',
  secmark: 'depends on SELinux labels',
  nftrace: 'the trace flag is not modelled',
  iifgroup: 'device groups are not modelled',
  oifgroup: 'device groups are not modelled',
  rtclassid: 'routing realms are not modelled',
  sdif: 'VRF slave devices are not modelled',
  sdifname: 'VRF slave devices are not modelled',
  iifkind: 'device kinds are not modelled',
  oifkind: 'device kinds are not modelled',
  broute: 'bridge routing is not modelled',
};

/** `meta priority`: a tc handle, written `major:minor` in hex, `none` or `root`. */
export const TC_HANDLE: DataType = {
  name: 'tc_handle',
  base: 'integer',
  size: 4,
  symbols: new Map([
    ['none', 0],
    ['root', 0xffffffff],
  ]),
};

// ---------------------------------------------------------------------------------------------
// Conntrack

function tupleAddr(addr: string | undefined, e: CtExpr): TypedValue | Break {
  if (addr === undefined) return BREAK;
  const v6 = addr.includes(':');
  if (e.family && (e.family === 'ip6') !== v6) return BREAK;
  const type = v6 ? TYPES.ipv6_addr : TYPES.ipv4_addr;
  return { type, bytes: parseValue(type, addr) };
}

/** enum ip_conntrack_status (include/uapi/linux/netfilter/nf_conntrack_common.h). */
const CT_STATUS_BITS: Record<string, number> = {
  expected: 1 << 0,
  'seen-reply': 1 << 1,
  assured: 1 << 2,
  confirmed: 1 << 3,
  snat: 1 << 4,
  dnat: 1 << 5,
  'seq-adjust': 1 << 6,
  'snat-done': 1 << 7,
  'dnat-done': 1 << 8,
  dying: 1 << 9,
  'fixed-timeout': 1 << 10,
  template: 1 << 11,
  'nat-clash': 1 << 12,
  helper: 1 << 13,
  offload: 1 << 14,
  'hw-offload': 1 << 15,
};

function evalCt(e: CtExpr, ctx: EvalContext): TypedValue | Break {
  const ct = ctx.env.ct;
  if (e.key === 'state') {
    // nft_ct_get_eval: without a conntrack entry the state still reads (invalid or untracked).
    const state = ct?.state ?? 'invalid';
    return { type: TYPES.ct_state, bytes: parseValue(TYPES.ct_state, state) };
  }
  // Every other key needs an entry: untracked and invalid packets have none (NFT_BREAK).
  if (!ct || ct.state === 'invalid' || ct.state === 'untracked') return BREAK;
  const dirTuple = e.dir === 'reply' ? ct.reply : ct.original;
  switch (e.key) {
    case 'direction':
      if (!ct.direction) return BREAK;
      return { type: TYPES.ct_dir, bytes: parseValue(TYPES.ct_dir, ct.direction) };
    case 'status': {
      let bits = 0;
      for (const name of ct.status) {
        const bit = CT_STATUS_BITS[name];
        if (bit === undefined)
          throw new NotDecidable(`ct status: unknown status "${name}" in the scenario`);
        bits |= bit;
      }
      return { type: TYPES.ct_status, bytes: intBytes(bits >>> 0, 4) };
    }
    case 'mark':
      return { type: TYPES.mark, bytes: intBytes(ct.mark >>> 0, 4) };
    case 'zone':
      return { type: integer(16), bytes: intBytes(ct.zone, 2) };
    case 'helper':
      if (!ct.helper) return BREAK;
      return { type: TYPES.string, bytes: parseValue(TYPES.string, ct.helper) };
    case 'l3proto': {
      const fam = ct.original?.saddr.includes(':') ? 10 : 2;
      return { type: TYPES.nf_proto, bytes: intBytes(fam, 1) };
    }
    case 'protocol': {
      const proto = ct.original?.l4proto;
      const n = proto === undefined ? undefined : PROTOCOL_NUMBERS.get(proto);
      if (n === undefined) throw new NotDecidable(`ct protocol: unknown protocol ${proto}`);
      return { type: TYPES.inet_proto, bytes: intBytes(n, 1) };
    }
    case 'saddr':
    case 'ip saddr':
    case 'ip6 saddr':
      return tupleAddr(dirTuple?.saddr, e);
    case 'daddr':
    case 'ip daddr':
    case 'ip6 daddr':
      return tupleAddr(dirTuple?.daddr, e);
    case 'proto-src':
    case 'proto-dst': {
      const port = e.key === 'proto-src' ? dirTuple?.sport : dirTuple?.dport;
      const v = port ?? dirTuple?.icmpId;
      if (v === undefined) return BREAK;
      return { type: TYPES.inet_service, bytes: intBytes(v, 2) };
    }
    case 'packets':
    case 'bytes':
    case 'avgpkt': {
      const pk = ct.packets;
      const by = ct.bytes;
      if (!pk || !by) {
        throw new NotDecidable(`ct ${e.key}: the scenario gives no conntrack accounting`);
      }
      const pick = (c: { original: number; reply: number }) =>
        e.dir ? c[e.dir] : c.original + c.reply;
      let v: number;
      if (e.key === 'packets') v = pick(pk);
      else if (e.key === 'bytes') v = pick(by);
      else v = pick(pk) === 0 ? 0 : Math.floor(pick(by) / pick(pk));
      return { type: integer(64), bytes: intBytes(v, 8) };
    }
    case 'expiration':
      throw new NotDecidable('ct expiration: depends on time');
    case 'label':
      throw new NotDecidable('ct label: conntrack labels are not modelled');
    default:
      throw new NotDecidable(`ct ${e.key}: not modelled by nfwalk`);
  }
}

// ---------------------------------------------------------------------------------------------
// Binop, concat, dispatch

function evalBinop(e: BinopExpr, ctx: EvalContext): TypedValue | Break {
  const key = loadKey(e.left, ctx);
  if (key === BREAK) return BREAK;
  if (key.length !== 1) throw new NotDecidable('an operation on a concatenation');
  const left = key[0]!;
  const l = bytesToBigInt(left.bytes);
  const width = BigInt(left.bytes.length * 8);
  const all = (1n << width) - 1n;
  let r: bigint;
  if (e.op === '<<' || e.op === '>>') {
    r = constantBig(e.right, integer(32), ctx);
  } else {
    r = constantBig(e.right, left.type, ctx);
  }
  let v: bigint;
  switch (e.op) {
    case '&':
      v = l & r;
      break;
    case '|':
      v = l | r;
      break;
    case '^':
      v = l ^ r;
      break;
    case '<<':
      v = (l << r) & all;
      break;
    case '>>':
      v = l >> r;
      break;
  }
  const out: TypedValue = { type: left.type, bytes: intBytes(v, left.bytes.length) };
  if (left.unknown) {
    const u = left.unknown;
    const unknown =
      e.op === '&'
        ? u & r
        : e.op === '|'
          ? u & ~r & all
          : e.op === '^'
            ? u
            : e.op === '<<'
              ? (u << r) & all
              : u >> r;
    if (unknown !== 0n) {
      out.unknown = unknown;
      if (left.unknownWhy) out.unknownWhy = left.unknownWhy;
    }
  }
  return out;
}

/** Refuse a value whose remaining unknown bits would decide the comparison. */
export function requireKnown(key: Key): Key {
  for (const v of key) {
    if (v.unknown) throw new NotDecidable(v.unknownWhy ?? 'the value is not fully known');
  }
  return key;
}

/** A right operand: a constant of the type, or a constant binop (`syn | ack`), or an expression. */
export function constantBig(e: Expr, type: DataType, ctx: EvalContext): bigint {
  if (e.kind === 'value') return bytesToBigInt(parseValue(type, e.text));
  if (e.kind === 'list') {
    let v = 0n;
    for (const item of e.items) v |= constantBig(item, type, ctx);
    return v;
  }
  if (e.kind === 'binop' && isConstant(e)) {
    const a = constantBig(e.left, type, ctx);
    const b = constantBig(e.right, e.op === '<<' || e.op === '>>' ? integer(32) : type, ctx);
    switch (e.op) {
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '<<':
        return (a << b) & ((1n << BigInt(type.size * 8)) - 1n);
      case '>>':
        return a >> b;
    }
  }
  const v = evalValue(e, ctx);
  if (v === BREAK)
    throw new NotDecidable('an operand that does not load (NFT_BREAK) inside an operation');
  return bytesToBigInt(v.bytes);
}

export function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'value':
    case 'verdict':
      return true;
    case 'list':
      return e.items.every(isConstant);
    case 'binop':
      return isConstant(e.left) && isConstant(e.right);
    case 'prefix':
      return isConstant(e.expr);
    case 'range':
      return isConstant(e.low) && isConstant(e.high);
    case 'concat':
      return e.parts.every(isConstant);
    default:
      return false;
  }
}

/** Evaluate a left-hand expression into a single value (not a concatenation). */
export function evalValue(e: Expr, ctx: EvalContext, want?: DataType): TypedValue | Break {
  const key = evalKey(e, ctx, want);
  if (key === BREAK) return BREAK;
  if (key.length !== 1) throw new NotDecidable('a concatenation where a single value is needed');
  return key[0]!;
}

/** Evaluate a left-hand expression; a concatenation yields its parts. */
export function evalKey(
  e: Expr,
  ctx: EvalContext,
  want?: DataType,
  /** The declared key types of the set this key is looked up in, for constants inside a concatenation. */
  partTypes?: DataType[],
): Key | Break {
  const key = loadKey(e, ctx, want, partTypes);
  return key === BREAK ? BREAK : requireKnown(key);
}

/** evalKey, but values may still carry unknown bits (for masks applied afterwards). */
export function loadKey(
  e: Expr,
  ctx: EvalContext,
  want?: DataType,
  partTypes?: DataType[],
): Key | Break {
  const one = (v: TypedValue | Break): Key | Break => (v === BREAK ? BREAK : [v]);
  switch (e.kind) {
    case 'payload':
      return one(evalPayload(e, ctx));
    case 'raw':
      return one(evalRaw(e, ctx));
    case 'meta':
      return one(evalMeta(e, ctx));
    case 'ct':
      return one(evalCt(e, ctx));
    case 'fib':
      return loadFib(e, ctx);
    case 'rt':
      return loadRt(e, ctx);
    case 'socket':
    case 'osf':
    case 'ipsec':
    case 'tunnel':
    case 'xfrm':
      throw new NotDecidable(
        `${e.kind} ${e.words.join(' ')}: depends on ${e.kind === 'socket' ? 'local sockets' : e.kind === 'osf' ? 'OS fingerprints' : 'IPsec/tunnel state'}, which nfwalk does not model`,
      );
    case 'numgen':
      return [evalNumgen(e, ctx)];
    case 'hash':
      return one(evalHash(e, ctx, loadKey));
    case 'binop':
      return one(evalBinop(e, ctx));
    case 'concat':
      return loadConcat(e, ctx, partTypes);
    case 'map': {
      if (!ctx.mapLookup) throw new NotDecidable('map lookup outside a rule');
      return ctx.mapLookup(e, ctx, want);
    }
    case 'value': {
      // A constant key (`add @s { 10.2.3.4 }`): nft_immediate, typed by the set.
      const t = want ?? (partTypes?.length === 1 ? partTypes[0] : undefined);
      if (!t) throw new NotDecidable(`the constant ${e.text} needs a declared type here`);
      return [{ type: t, bytes: parseValue(t, e.text) }];
    }
    case 'variable':
      throw new NotDecidable(`$${e.name}: an unresolved variable`);
    default:
      throw new NotDecidable(`a ${e.kind} expression cannot be loaded into a register`);
  }
}

/** `fib … oif|oifname|type|check`: the host's routing answer (nft_fib). */
function loadFib(e: FibExpr, ctx: EvalContext): Key | Break {
  if (e.result === 'check') {
    // `fib … check`: whether a route exists (nft_fib with NFTA_FIB_F_PRESENT on oif).
    const r = ctx.env.fib(e.flags, 'oif');
    return [{ type: TYPES.boolean, bytes: intBytes(r.oif === null ? 0 : 1, 1) }];
  }
  const r = ctx.env.fib(e.flags, e.result);
  if (e.result === 'type')
    return [{ type: TYPES.fib_addrtype, bytes: parseValue(TYPES.fib_addrtype, r.type) }];
  return [ifnameValue(r.oif, e.result === 'oif' ? TYPES.iface_index : TYPES.ifname)];
}

/** `rt nexthop|mtu|ipsec`: from the packet's route (nft_rt_get_eval). */
function loadRt(e: RtExpr, ctx: EvalContext): Key | Break {
  const route = ctx.env.route;
  if (e.key === 'nexthop') {
    if (!route) return BREAK;
    const type = route.nexthop.includes(':') ? TYPES.ipv6_addr : TYPES.ipv4_addr;
    if (e.family && (e.family === 'ip6') !== (type === TYPES.ipv6_addr)) return BREAK;
    return [{ type, bytes: parseValue(type, route.nexthop) }];
  }
  if (e.key === 'mtu') {
    if (!route) return BREAK;
    // rt mtu is the path MTU minus the IP and TCP headers (nft_rt_get_eval's TCPMSS value).
    const mss = route.mtu - (ctx.env.packet.family === 'ip' ? 40 : 60);
    return [{ type: TYPES.tcpmss, bytes: intBytes(Math.max(0, mss), 2) }];
  }
  if (
    e.key === 'ipsec' &&
    ctx.env.hook !== 'prerouting' &&
    ctx.env.hook !== 'ingress' &&
    ctx.env.family !== 'bridge' &&
    ctx.env.family !== 'netdev'
  ) {
    // NFT_RT_XFRM stores !!dst->xfrm. Past the routing decision every packet has a dst, and
    // a scenario has no IPsec policies, so no dst is an xfrm bundle: false. Before routing
    // (prerouting, bridge paths with br_netfilter's fake route) nfwalk does not decide it.
    return [{ type: TYPES.boolean, bytes: intBytes(0, 1) }];
  }
  throw new NotDecidable(
    `rt ${e.key}: ${e.key === 'classid' ? 'routing realms are' : 'IPsec state is'} not modelled${e.key === 'ipsec' ? ' before the routing decision' : ''}`,
  );
}

/** A concatenation: its parts' values one after the other. */
function loadConcat(
  e: ConcatExpr,
  ctx: EvalContext,
  partTypes: DataType[] | undefined,
): Key | Break {
  const out: TypedValue[] = [];
  for (const part of e.parts) {
    if (part.kind === 'value') {
      // `ip saddr . 1.2.3.4 . 80 @s`: nft loads the constant with nft_immediate.
      const t = partTypes?.[out.length];
      if (!t)
        throw new NotDecidable(
          `the constant ${part.text} in a concatenation needs a declared set type`,
        );
      out.push({ type: t, bytes: parseValue(t, part.text) });
      continue;
    }
    // Unknown bits stay marked: evalKey refuses them, a set lookup may still decide.
    const v = loadKey(part, ctx);
    if (v === BREAK) return BREAK;
    out.push(...v);
  }
  return out;
}

/** The datatype a left-hand expression yields, without a packet (for `typeof` set keys). */
export function exprTypes(e: Expr, family: string): DataType[] | undefined {
  switch (e.kind) {
    case 'payload': {
      if (e.protocol === 'tcp option')
        return [e.field.startsWith('maxseg') ? TYPES.tcpmss : integer(32)];
      const t = payloadFieldType(e.protocol, e.field);
      return t ? [t] : undefined;
    }
    case 'raw':
      return [integer(e.length)];
    case 'meta': {
      const t: Record<string, DataType> = {
        iifname: TYPES.ifname,
        oifname: TYPES.ifname,
        ibrname: TYPES.ifname,
        obrname: TYPES.ifname,
        iif: TYPES.iface_index,
        oif: TYPES.iface_index,
        mark: TYPES.mark,
        l4proto: TYPES.inet_proto,
        protocol: TYPES.ether_type,
        nfproto: TYPES.nf_proto,
        length: integer(32),
        pkttype: TYPES.pkt_type,
        priority: TC_HANDLE,
        skuid: TYPES.uid,
        skgid: TYPES.gid,
        iiftype: TYPES.iface_type,
        oiftype: TYPES.iface_type,
        ipsec: TYPES.boolean,
        secpath: TYPES.boolean,
      };
      const r = t[e.key];
      return r ? [r] : undefined;
    }
    case 'ct': {
      const t: Record<string, DataType> = {
        state: TYPES.ct_state,
        status: TYPES.ct_status,
        direction: TYPES.ct_dir,
        mark: TYPES.mark,
        zone: integer(16),
        'proto-src': TYPES.inet_service,
        'proto-dst': TYPES.inet_service,
        l3proto: TYPES.nf_proto,
        protocol: TYPES.inet_proto,
        'ip saddr': TYPES.ipv4_addr,
        'ip daddr': TYPES.ipv4_addr,
        'ip6 saddr': TYPES.ipv6_addr,
        'ip6 daddr': TYPES.ipv6_addr,
      };
      let r = t[e.key];
      if (!r && (e.key === 'saddr' || e.key === 'daddr')) {
        r = e.family === 'ip6' || family === 'ip6' ? TYPES.ipv6_addr : TYPES.ipv4_addr;
      }
      return r ? [r] : undefined;
    }
    case 'fib':
      if (e.result === 'check') return [TYPES.boolean];
      return [
        e.result === 'type'
          ? TYPES.fib_addrtype
          : e.result === 'oif'
            ? TYPES.iface_index
            : TYPES.ifname,
      ];
    case 'numgen':
    case 'hash':
      return [integer(32)];
    case 'binop':
      return exprTypes(e.left, family);
    case 'concat': {
      const out: DataType[] = [];
      for (const p of e.parts) {
        const t = exprTypes(p, family);
        if (!t) return undefined;
        out.push(...t);
      }
      return out;
    }
    case 'rt':
      if (e.key === 'ipsec') return [TYPES.boolean];
      return e.key === 'mtu'
        ? [TYPES.tcpmss]
        : e.key === 'nexthop'
          ? [e.family === 'ip6' ? TYPES.ipv6_addr : TYPES.ipv4_addr]
          : undefined;
    default:
      return undefined;
  }
}
