/**
 * Header fields (nft_payload, and the TCP option parts of nft_exthdr): where each field sits,
 * the dependency nft compiles in front of it (`meta nfproto ipv4`, `meta l4proto tcp`, `meta
 * protocol`), and its value from the scenario's packet or, failing that, from its raw bytes.
 */
import { ECHO_PAYLOAD, echoChecksum, type Packet } from '../../packet/packet.ts';
import type { PayloadExpr, RawPayloadExpr } from '../../ruleset/model.ts';
import { TCP_FLAG_BITS } from '../../ruleset/tcp-flags.ts';
import type { EvalEnv } from '../env.ts';
import { BREAK, type Break, type EvalContext } from './context.ts';
import {
  bytesToBigInt,
  type DataType,
  intBytes,
  integer,
  NotDecidable,
  parseValue,
  TYPES,
  type TypedValue,
} from './datatypes.ts';

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

/**
 * A packet address as bytes. Every rule that reads `ip daddr` asked ipaddr.js to parse the same
 * string again (2/3 of the walk's time through a 50,000-rule chain), so parsed addresses are
 * remembered (a bounded table) and each caller gets its own copy, as before.
 */
const parsedAddrs = new Map<string, Uint8Array>();
const ipAddr = (text: string, t: DataType) => {
  const key = `${t.name} ${text}`;
  let bytes = parsedAddrs.get(key);
  if (!bytes) {
    bytes = parseValue(t, text);
    if (parsedAddrs.size >= 4096) parsedAddrs.clear();
    parsedAddrs.set(key, bytes);
  }
  return bytes.slice();
};
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
  // An integer in nft (proto.c: ICMPHDR_FIELD, big endian), not an address: nft refuses
  // `icmp gateway 10.0.0.20`. Its bytes are the redirect's gateway address.
  gateway: {
    type: integer(32),
    base: 'th',
    bit: 32,
    bits: 32,
    get: (p) => (p.icmp?.gateway ? ipAddr(p.icmp.gateway, TYPES.ipv4_addr) : undefined),
  },
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

/**
 * Bits of an echo request or reply's ICMP message as its sender wrote them: type, code, the
 * checksum (echoChecksum), identifier, sequence, then ECHO_PAYLOAD. `th dport` on an echo
 * reads bytes 2-3, the checksum. Undefined for other ICMP messages.
 */
function echoBits(p: Packet, bit: number, bits: number): bigint | undefined {
  const icmp = p.icmp;
  const sum = echoChecksum(p);
  if (!icmp || sum === undefined) return undefined;
  const id = icmp.id ?? 0;
  const seq = icmp.sequence ?? 0;
  const bytes = new Uint8Array([
    icmp.type,
    icmp.code,
    sum >> 8,
    sum & 0xff,
    id >> 8,
    id & 0xff,
    seq >> 8,
    seq & 0xff,
    ...new TextEncoder().encode(ECHO_PAYLOAD),
  ]);
  const lastByte = Math.ceil((bit + bits) / 8);
  if (lastByte > bytes.length) return undefined;
  const v =
    bytesToBigInt(bytes.subarray(Math.floor(bit / 8), lastByte)) >>
    BigInt(lastByte * 8 - (bit + bits));
  return v & ((1n << BigInt(bits)) - 1n);
}

export function evalPayload(e: PayloadExpr, ctx: EvalContext): TypedValue | Break {
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
    // Raw bytes given (a test, a captured packet) win over the echo nfwalk would send.
    const echo = p.bytes ? undefined : echoBits(p, def.bit, def.bits);
    if (echo !== undefined) return { type: def.type, bytes: intBytes(echo, def.type.size) };
    let v: bigint | Break;
    try {
      v = readBits(p, 'th', def.bit, def.bits, `${what} on ${p.l4proto} (a header without ports)`);
    } catch (err) {
      if (!(err instanceof NotDecidable)) throw err;
      // Unknown bytes (an ICMP checksum…), but a value all the same: a set or map lookup whose
      // elements rule out every value still decides (sets.ts lookup); anything else refuses.
      return {
        type: def.type,
        bytes: intBytes(0, def.type.size),
        unknown: (1n << BigInt(def.type.size * 8)) - 1n,
        unknownWhy: err.message,
      };
    }
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

export function evalRaw(e: RawPayloadExpr, ctx: EvalContext): TypedValue | Break {
  const what = `@${e.base},${e.offset},${e.length}`;
  const type = integer(e.length);
  if (e.base === 'll') {
    if (!ctx.env.packet.ether) return BREAK;
  }
  const v = readBits(ctx.env.packet, e.base, e.offset, e.length, what);
  if (v === BREAK) return BREAK;
  return { type, bytes: intBytes(v, type.size) };
}

/** The datatype of a header field, for `typeof` set keys. */
export function payloadFieldType(protocol: string, field: string): DataType | undefined {
  return HEADERS[protocol]?.fields[field]?.type;
}
