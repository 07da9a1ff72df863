/**
 * Left-hand expressions → typed register values, as the kernel's expression `eval` functions
 * load them (nft_payload, nft_meta, nft_ct, nft_fib, nft_rt, nft_numgen, nft_hash). A load the
 * kernel cannot make ends the rule with NFT_BREAK: here `BREAK`. What the scenario cannot decide
 * throws NotDecidable.
 */
import type {
  BinopExpr,
  CtExpr,
  Expr,
  HashExpr,
  MetaExpr,
  NumgenExpr,
  PayloadExpr,
  RawPayloadExpr,
  Rule,
} from '../../ruleset/model.ts';
import type { Effect, EvalEnv, Packet } from '../env.ts';
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

/** The kernel's NFT_BREAK: the rule stops here without matching. */
export const BREAK = Symbol('NFT_BREAK');
export type Break = typeof BREAK;

export interface EvalContext {
  env: EvalEnv;
  rule: Rule;
  effects: Effect[];
  /** Map lookups used as values (`ip saddr map {…}`) call back into the set module. */
  mapLookup?: (
    expr: Extract<Expr, { kind: 'map' }>,
    ctx: EvalContext,
    want?: DataType,
  ) => TypedValue[] | Break;
}

/** A key: one value, or the parts of a concatenation. */
export type Key = TypedValue[];

// ---------------------------------------------------------------------------------------------
// Payload

type HeaderBase = 'nh' | 'th' | 'll';

interface FieldDef {
  type: DataType;
  base: HeaderBase;
  /** Offset and length in bits from the header's start. */
  bit: number;
  bits: number;
  /** The value from the packet model, when it carries it. */
  get?: (p: Packet, env: EvalEnv) => bigint | Uint8Array | undefined;
}

const ipAddr = (text: string, t: DataType) => parseValue(t, text);
const num = (n: number | undefined) => (n === undefined ? undefined : BigInt(n));

const IP_FIELDS: Record<string, FieldDef> = {
  version: { type: integer(4), base: 'nh', bit: 0, bits: 4, get: () => 4n },
  hdrlength: {
    type: integer(4),
    base: 'nh',
    bit: 4,
    bits: 4,
    get: (p) => (p.bytes ? undefined : 5n),
  },
  dscp: { type: TYPES.dscp, base: 'nh', bit: 8, bits: 6, get: (p) => num(p.dscp) },
  ecn: { type: TYPES.ecn, base: 'nh', bit: 14, bits: 2, get: (p) => num(p.ecn) },
  length: { type: integer(16), base: 'nh', bit: 16, bits: 16, get: (p) => num(p.length) },
  id: { type: integer(16), base: 'nh', bit: 32, bits: 16, get: (p) => num(p.id) },
  'frag-off': { type: integer(16), base: 'nh', bit: 48, bits: 16 },
  ttl: { type: integer(8), base: 'nh', bit: 64, bits: 8, get: (p) => num(p.ttl) },
  protocol: {
    type: TYPES.inet_proto,
    base: 'nh',
    bit: 72,
    bits: 8,
    get: (p) => num(p.protocolNumber),
  },
  checksum: { type: integer(16), base: 'nh', bit: 80, bits: 16 },
  saddr: {
    type: TYPES.ipv4_addr,
    base: 'nh',
    bit: 96,
    bits: 32,
    get: (p) => ipAddr(p.saddr, TYPES.ipv4_addr),
  },
  daddr: {
    type: TYPES.ipv4_addr,
    base: 'nh',
    bit: 128,
    bits: 32,
    get: (p) => ipAddr(p.daddr, TYPES.ipv4_addr),
  },
};

const IP6_FIELDS: Record<string, FieldDef> = {
  version: { type: integer(4), base: 'nh', bit: 0, bits: 4, get: () => 6n },
  dscp: { type: TYPES.dscp, base: 'nh', bit: 4, bits: 6, get: (p) => num(p.dscp) },
  ecn: { type: TYPES.ecn, base: 'nh', bit: 10, bits: 2, get: (p) => num(p.ecn) },
  flowlabel: { type: integer(20), base: 'nh', bit: 12, bits: 20, get: (p) => num(p.id) },
  length: { type: integer(16), base: 'nh', bit: 32, bits: 16, get: (p) => BigInt(p.length - 40) },
  nexthdr: {
    type: TYPES.inet_proto,
    base: 'nh',
    bit: 48,
    bits: 8,
    get: (p) => (p.bytes ? undefined : num(p.protocolNumber)),
  },
  hoplimit: { type: integer(8), base: 'nh', bit: 56, bits: 8, get: (p) => num(p.ttl) },
  saddr: {
    type: TYPES.ipv6_addr,
    base: 'nh',
    bit: 64,
    bits: 128,
    get: (p) => ipAddr(p.saddr, TYPES.ipv6_addr),
  },
  daddr: {
    type: TYPES.ipv6_addr,
    base: 'nh',
    bit: 192,
    bits: 128,
    get: (p) => ipAddr(p.daddr, TYPES.ipv6_addr),
  },
};

const PORTS: Record<string, FieldDef> = {
  sport: { type: TYPES.inet_service, base: 'th', bit: 0, bits: 16, get: (p) => num(p.sport) },
  dport: { type: TYPES.inet_service, base: 'th', bit: 16, bits: 16, get: (p) => num(p.dport) },
};

const TCP_FLAG_BITS: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ecn: 64,
  cwr: 128,
};

const TCP_FIELDS: Record<string, FieldDef> = {
  ...PORTS,
  sequence: { type: integer(32), base: 'th', bit: 32, bits: 32, get: (p) => num(p.tcp?.seq) },
  ackseq: { type: integer(32), base: 'th', bit: 64, bits: 32, get: (p) => num(p.tcp?.ackSeq) },
  doff: { type: integer(4), base: 'th', bit: 96, bits: 4 },
  reserved: { type: integer(4), base: 'th', bit: 100, bits: 4 },
  flags: {
    type: TYPES.tcp_flag,
    base: 'th',
    bit: 104,
    bits: 8,
    get: (p) => {
      if (!p.tcp) return undefined;
      let v = 0;
      for (const f of p.tcp.flags) {
        const bit = TCP_FLAG_BITS[f];
        if (bit === undefined) throw new NotDecidable(`unknown TCP flag "${f}" in the packet`);
        v |= bit;
      }
      return BigInt(v);
    },
  },
  window: { type: integer(16), base: 'th', bit: 112, bits: 16, get: (p) => num(p.tcp?.window) },
  checksum: { type: integer(16), base: 'th', bit: 128, bits: 16 },
  urgptr: { type: integer(16), base: 'th', bit: 144, bits: 16 },
};

const UDP_FIELDS: Record<string, FieldDef> = {
  ...PORTS,
  length: {
    type: integer(16),
    base: 'th',
    bit: 32,
    bits: 16,
    get: (p) => BigInt(p.length - (p.family === 'ip' ? 20 : 40)),
  },
  checksum: { type: integer(16), base: 'th', bit: 48, bits: 16 },
};

const ICMP_COMMON = (typeT: DataType, codeT: DataType): Record<string, FieldDef> => ({
  type: { type: typeT, base: 'th', bit: 0, bits: 8, get: (p) => num(p.icmp?.type) },
  code: { type: codeT, base: 'th', bit: 8, bits: 8, get: (p) => num(p.icmp?.code) },
  checksum: { type: integer(16), base: 'th', bit: 16, bits: 16 },
  id: { type: integer(16), base: 'th', bit: 32, bits: 16, get: (p) => num(p.icmp?.id) },
  sequence: { type: integer(16), base: 'th', bit: 48, bits: 16, get: (p) => num(p.icmp?.sequence) },
});

const ICMP_FIELDS: Record<string, FieldDef> = {
  ...ICMP_COMMON(TYPES.icmp_type, TYPES.icmp_code),
  gateway: { type: TYPES.ipv4_addr, base: 'th', bit: 32, bits: 32 },
  mtu: { type: integer(16), base: 'th', bit: 48, bits: 16, get: (p) => num(p.icmp?.mtu) },
};

const ICMP6_FIELDS: Record<string, FieldDef> = {
  ...ICMP_COMMON(TYPES.icmpv6_type, TYPES.icmpv6_code),
  mtu: { type: integer(32), base: 'th', bit: 32, bits: 32, get: (p) => num(p.icmp?.mtu) },
  'packet-too-big': {
    type: integer(32),
    base: 'th',
    bit: 32,
    bits: 32,
    get: (p) => num(p.icmp?.mtu),
  },
  'parameter-problem': { type: integer(32), base: 'th', bit: 32, bits: 32 },
  'max-delay': { type: integer(16), base: 'th', bit: 32, bits: 16 },
};

const ETHER_FIELDS: Record<string, FieldDef> = {
  daddr: {
    type: TYPES.ether_addr,
    base: 'll',
    bit: 0,
    bits: 48,
    get: (p) => p.ether && parseValue(TYPES.ether_addr, p.ether.daddr),
  },
  saddr: {
    type: TYPES.ether_addr,
    base: 'll',
    bit: 48,
    bits: 48,
    get: (p) => p.ether && parseValue(TYPES.ether_addr, p.ether.saddr),
  },
  type: {
    type: TYPES.ether_type,
    base: 'll',
    bit: 96,
    bits: 16,
    get: (p) => num(p.ether?.vlan ? 0x8100 : p.ether?.type),
  },
};

const VLAN_FIELDS: Record<string, FieldDef> = {
  pcp: { type: integer(3), base: 'll', bit: 112, bits: 3, get: (p) => num(p.ether?.vlan?.pcp) },
  dei: { type: integer(1), base: 'll', bit: 115, bits: 1 },
  cfi: { type: integer(1), base: 'll', bit: 115, bits: 1 },
  id: { type: integer(12), base: 'll', bit: 116, bits: 12, get: (p) => num(p.ether?.vlan?.id) },
  type: {
    type: TYPES.ether_type,
    base: 'll',
    bit: 128,
    bits: 16,
    get: (p) => num(p.ether?.vlan ? p.ether.type : undefined),
  },
};

/** Header → its fields and the dependency nft adds in front of the load (`meta l4proto tcp`…). */
const HEADERS: Record<
  string,
  { fields: Record<string, FieldDef>; present: (p: Packet) => boolean }
> = {
  ip: { fields: IP_FIELDS, present: (p) => p.family === 'ip' },
  ip6: { fields: IP6_FIELDS, present: (p) => p.family === 'ip6' },
  tcp: { fields: TCP_FIELDS, present: (p) => p.protocolNumber === 6 },
  udp: { fields: UDP_FIELDS, present: (p) => p.protocolNumber === 17 },
  udplite: { fields: PORTS, present: (p) => p.protocolNumber === 136 },
  sctp: { fields: PORTS, present: (p) => p.protocolNumber === 132 },
  dccp: { fields: PORTS, present: (p) => p.protocolNumber === 33 },
  // nft adds `meta nfproto ipv4` before `meta l4proto icmp` in inet tables (nft --debug=netlink).
  icmp: { fields: ICMP_FIELDS, present: (p) => p.family === 'ip' && p.protocolNumber === 1 },
  icmpv6: { fields: ICMP6_FIELDS, present: (p) => p.family === 'ip6' && p.protocolNumber === 58 },
  th: { fields: PORTS, present: () => true },
  ether: { fields: ETHER_FIELDS, present: (p) => p.ether !== undefined },
  vlan: { fields: VLAN_FIELDS, present: (p) => p.ether?.vlan !== undefined },
};

/**
 * Whether the header a payload expression reads is present (the dependency nft puts in front
 * of payload loads and payload writes: `meta nfproto ipv4`, `meta l4proto tcp`…).
 */
export function payloadPresent(e: PayloadExpr, p: Packet): boolean {
  const header = HEADERS[e.protocol];
  return header ? header.present(p) : true;
}

function toBytes(v: bigint | Uint8Array, type: DataType): Uint8Array {
  return typeof v === 'bigint' ? intBytes(v, type.size) : v;
}

/** Offset of a header base in `packet.bytes`, which start at the network header. */
function baseOffset(p: Packet, base: HeaderBase | 'ih'): number | undefined {
  const bytes = p.bytes;
  if (!bytes) return undefined;
  if (base === 'nh') return 0;
  if (base === 'th') {
    if (p.family === 'ip6') return 40;
    const ihl = (bytes[0] ?? 0) & 0x0f;
    return ihl * 4;
  }
  return undefined;
}

/** Read `bits` bits at bit offset `bit` from the base; BREAK past the packet's end. */
function readBits(
  p: Packet,
  base: HeaderBase | 'ih',
  bit: number,
  bits: number,
  what: string,
): bigint | Break {
  const start = baseOffset(p, base);
  if (start === undefined || !p.bytes) {
    throw new NotDecidable(
      base === 'll' || base === 'ih'
        ? `${what}: nfwalk has no raw bytes of the ${base === 'll' ? 'link-layer' : 'inner'} header`
        : `${what}: the scenario gives no raw packet bytes for this field`,
    );
  }
  const first = start * 8 + bit;
  const lastByte = Math.ceil((first + bits) / 8);
  if (lastByte > p.bytes.length) {
    if (lastByte > p.length) return BREAK;
    throw new NotDecidable(`${what}: beyond the ${p.bytes.length} bytes the scenario gives`);
  }
  let v = bytesToBigInt(p.bytes.subarray(Math.floor(first / 8), lastByte));
  const tail = lastByte * 8 - (first + bits);
  v >>= BigInt(tail);
  return v & ((1n << BigInt(bits)) - 1n);
}

function evalPayload(e: PayloadExpr, ctx: EvalContext): TypedValue | Break {
  const p = ctx.env.packet;
  const what = `${e.protocol} ${e.field}`;
  if (e.protocol === 'tcp option') return evalTcpOption(e, ctx);
  if (e.exthdr || e.protocol.includes(' ')) {
    throw new NotDecidable(`${what}: extension headers and IP options are not modelled`);
  }
  if (ctx.env.family === 'arp' || e.protocol === 'arp') {
    if (p && e.protocol === 'arp' && ctx.env.family !== 'arp') return BREAK;
    throw new NotDecidable(`${what}: ARP packets are not modelled`);
  }
  const header = HEADERS[e.protocol];
  const def = header?.fields[e.field];
  if (!header || !def) throw new NotDecidable(`${what}: unknown or unmodelled header field`);
  // The dependency nft adds (meta nfproto / meta l4proto / ether type): a mismatch is NFT_BREAK.
  if (!header.present(p)) return BREAK;
  if (e.protocol === 'th' && p.sport === undefined) {
    // `th` has no dependency: on a header without ports the kernel reads whatever is there.
    if (p.icmp && e.field === 'sport') {
      return { type: def.type, bytes: intBytes((p.icmp.type << 8) | p.icmp.code, 2) };
    }
    const v = readBits(
      p,
      'th',
      def.bit,
      def.bits,
      `${what} on ${p.l4proto} (a header without ports)`,
    );
    if (v === BREAK) return BREAK;
    return { type: def.type, bytes: intBytes(v, def.type.size) };
  }
  if (e.protocol === 'ip' && e.field === 'frag-off' && !p.bytes) {
    // nfwalk's packets are not fragments: offset 0, MF clear. Whether DF is set is not said.
    return {
      type: def.type,
      bytes: intBytes(0, 2),
      unknown: 0x4000n,
      unknownWhy: 'ip frag-off: the scenario does not say whether the DF bit is set',
    };
  }
  const direct = def.get?.(p, ctx.env);
  if (direct !== undefined) return { type: def.type, bytes: toBytes(direct, def.type) };
  if (def.base === 'll') {
    if (!p.ether) return BREAK;
    throw new NotDecidable(`${what}: not carried by the scenario's Ethernet header`);
  }
  const v = readBits(p, def.base, def.bit, def.bits, what);
  if (v === BREAK) return BREAK;
  return { type: def.type, bytes: intBytes(v, def.type.size) };
}

function evalTcpOption(e: PayloadExpr, ctx: EvalContext): TypedValue | Break {
  const p = ctx.env.packet;
  if (p.protocolNumber !== 6 || !p.tcp) return BREAK;
  const [name, field] = e.field.split(/\s+/);
  if (!p.tcp.options) {
    throw new NotDecidable(
      `tcp option ${e.field}: the scenario does not list the packet's TCP options`,
    );
  }
  const opt = name ? p.tcp.options[name] : undefined;
  if (!field) {
    // `tcp option sack-perm exists|missing`: a boolean.
    return { type: TYPES.boolean, bytes: intBytes(opt ? 1 : 0, 1) };
  }
  if (!opt) return BREAK;
  const v = opt[field];
  if (v === undefined)
    throw new NotDecidable(`tcp option ${e.field}: the scenario gives no ${field}`);
  const type = name === 'maxseg' ? TYPES.tcpmss : integer(field === 'size' ? 16 : 32);
  return { type, bytes: intBytes(v, type.size) };
}

function evalRaw(e: RawPayloadExpr, ctx: EvalContext): TypedValue | Break {
  const what = `@${e.base},${e.offset},${e.length}`;
  const type = integer(e.length);
  if (e.base === 'll') {
    if (!ctx.env.packet.ether) return BREAK;
  }
  const v = readBits(ctx.env.packet, e.base, e.offset, e.length, what);
  if (v === BREAK) return BREAK;
  return { type, bytes: intBytes(v, type.size) };
}

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
  secpath: 'depends on IPsec state',
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

function tupleAddr(addr: string | undefined, e: CtExpr, ctx: EvalContext): TypedValue | Break {
  if (addr === undefined) return BREAK;
  const v6 = addr.includes(':');
  if (e.family && (e.family === 'ip6') !== v6) return BREAK;
  const type = v6 ? TYPES.ipv6_addr : TYPES.ipv4_addr;
  void ctx;
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
      return tupleAddr(dirTuple?.saddr, e, ctx);
    case 'daddr':
    case 'ip daddr':
    case 'ip6 daddr':
      return tupleAddr(dirTuple?.daddr, e, ctx);
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
// numgen, hash

let incCounters = new WeakMap<NumgenExpr, number>();
let randomDraws = new WeakMap<object, number>();

/** Restart every `numgen` counter and random draw (a new simulation). */
export function resetGenerators(): void {
  incCounters = new WeakMap();
  randomDraws = new WeakMap();
}

/** A small deterministic generator (mulberry32) standing in for get_random_u32(). */
function seededRandom(seed: number, draw: number): number {
  let t = (seed + Math.imul(draw + 1, 0x6d2b79f5)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** reciprocal_scale(): maps a 32-bit value onto [0, n). */
function reciprocalScale(v: number, n: number): number {
  return Number((BigInt(v >>> 0) * BigInt(n)) >> 32n);
}

function evalNumgen(e: NumgenExpr, ctx: EvalContext): TypedValue {
  if (e.mod <= 0) throw new NotDecidable('numgen: modulus must be positive');
  let v: number;
  if (e.mode === 'inc') {
    // nft_ng_inc: the counter starts at mod-1 so the first packet gets 0, then 1, 2, … mod-1, 0.
    const prev = incCounters.get(e) ?? e.mod - 1;
    v = prev + 1 < e.mod ? prev + 1 : 0;
    incCounters.set(e, v);
    note(
      ctx,
      `numgen inc mod ${e.mod}: this evaluation drew ${v} (the rule's counter starts at 0)`,
    );
  } else {
    const draw = randomDraws.get(e) ?? 0;
    randomDraws.set(e, draw + 1);
    v = reciprocalScale(seededRandom(ctx.env.seed, draw), e.mod);
    note(
      ctx,
      `numgen random mod ${e.mod}: drew ${v} from the scenario's seed ${ctx.env.seed} (the kernel draws at random)`,
    );
  }
  return { type: integer(32), bytes: intBytes(v + (e.offset ?? 0), 4) };
}

function rol32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The kernel's jhash() (include/linux/jhash.h), reading words little-endian as x86 does. */
export function jhash(key: Uint8Array, initval: number): number {
  let length = key.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const word = (i: number) =>
    ((key[i] ?? 0) |
      ((key[i + 1] ?? 0) << 8) |
      ((key[i + 2] ?? 0) << 16) |
      ((key[i + 3] ?? 0) << 24)) >>>
    0;
  while (length > 12) {
    a = (a + word(k)) >>> 0;
    b = (b + word(k + 4)) >>> 0;
    c = (c + word(k + 8)) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rol32(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rol32(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rol32(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  const at = (i: number) => key[k + i] ?? 0;
  if (length >= 12) c = (c + (at(11) << 24)) >>> 0;
  if (length >= 11) c = (c + (at(10) << 16)) >>> 0;
  if (length >= 10) c = (c + (at(9) << 8)) >>> 0;
  if (length >= 9) c = (c + at(8)) >>> 0;
  if (length >= 8) b = (b + (at(7) << 24)) >>> 0;
  if (length >= 7) b = (b + (at(6) << 16)) >>> 0;
  if (length >= 6) b = (b + (at(5) << 8)) >>> 0;
  if (length >= 5) b = (b + at(4)) >>> 0;
  if (length >= 4) a = (a + (at(3) << 24)) >>> 0;
  if (length >= 3) a = (a + (at(2) << 16)) >>> 0;
  if (length >= 2) a = (a + (at(1) << 8)) >>> 0;
  a = (a + at(0)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** Register image of a key: each part padded to whole 32-bit registers, as concatenations are. */
export function registerImage(key: Key): Uint8Array {
  const len = key.reduce((n, v) => n + Math.ceil(v.bytes.length / 4) * 4, 0);
  const out = new Uint8Array(len);
  let off = 0;
  for (const v of key) {
    out.set(v.bytes, off);
    off += Math.ceil(v.bytes.length / 4) * 4;
  }
  return out;
}

function evalHash(e: HashExpr, ctx: EvalContext): TypedValue | Break {
  if (e.mod <= 0) throw new NotDecidable(`${e.fn}: modulus must be positive`);
  let h: number;
  if (e.fn === 'jhash') {
    if (!e.expr) throw new NotDecidable('jhash without an expression');
    const key = evalKey(e.expr, ctx);
    if (key === BREAK) return BREAK;
    let seed: number;
    if (e.seed !== undefined) {
      const s = Number(e.seed);
      if (!Number.isInteger(s) || s < 0 || s > 0xffffffff)
        throw new NotDecidable(`jhash: bad seed ${e.seed}`);
      seed = s;
    } else {
      seed = ctx.env.seed >>> 0;
      note(
        ctx,
        `jhash without a seed: the kernel picks a random seed; nfwalk uses the scenario's seed ${seed}`,
      );
    }
    const data = key.length === 1 ? key[0]!.bytes : registerImage(key);
    h = reciprocalScale(jhash(data, seed), e.mod);
  } else {
    // symhash hashes the flow with a boot-time random key (skb_get_hash_symmetric).
    const p = ctx.env.packet;
    const ends = [`${p.saddr}/${p.sport ?? ''}`, `${p.daddr}/${p.dport ?? ''}`].sort().join('|');
    h = reciprocalScale(
      jhash(new TextEncoder().encode(`${ends}|${p.protocolNumber}`), ctx.env.seed >>> 0),
      e.mod,
    );
    note(
      ctx,
      `symhash: the kernel hashes with a random boot-time key; nfwalk drew ${h} from the scenario's seed`,
    );
  }
  return { type: integer(32), bytes: intBytes(h + (e.offset ?? 0), 4) };
}

function note(ctx: EvalContext, text: string): void {
  ctx.effects.push({ kind: 'note', text });
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
    case 'fib': {
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
    case 'rt': {
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
      throw new NotDecidable(
        `rt ${e.key}: ${e.key === 'classid' ? 'routing realms are' : 'IPsec state is'} not modelled`,
      );
    }
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
      return one(evalHash(e, ctx));
    case 'binop':
      return one(evalBinop(e, ctx));
    case 'concat': {
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
        const v = evalKey(part, ctx);
        if (v === BREAK) return BREAK;
        out.push(...v);
      }
      return out;
    }
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

/** The datatype a left-hand expression yields, without a packet (for `typeof` set keys). */
export function exprTypes(e: Expr, family: string): DataType[] | undefined {
  switch (e.kind) {
    case 'payload': {
      if (e.protocol === 'tcp option')
        return [e.field.startsWith('maxseg') ? TYPES.tcpmss : integer(32)];
      const def = HEADERS[e.protocol]?.fields[e.field];
      return def ? [def.type] : undefined;
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
      return e.key === 'mtu'
        ? [TYPES.tcpmss]
        : e.key === 'nexthop'
          ? [e.family === 'ip6' ? TYPES.ipv6_addr : TYPES.ipv4_addr]
          : undefined;
    default:
      return undefined;
  }
}
