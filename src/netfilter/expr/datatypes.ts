/**
 * nft's datatypes: how a literal written on the right-hand side becomes register bytes, and how
 * register bytes are written back as text. As in nft (src/datatype.c and friends), the
 * left-hand side decides the type: `22` is a port after `tcp dport`, a mark after `meta mark`.
 *
 * Every value is kept big-endian, as wide as the kernel's register load (an interface name is
 * 16 bytes, a mark 4, a port 2). nft converts host-endian keys (mark, ifindex, ct state) with a
 * byteorder expression before ordered comparisons, so comparing big-endian bytes numerically is
 * what the kernel's `cmp` and `range` do.
 */
import ipaddr from 'ipaddr.js';
import {
  ICMP_CODE_NUMBERS,
  ICMP_TYPE_NUMBERS,
  ICMPV6_CODE_NUMBERS,
  ICMPV6_TYPE_NUMBERS,
} from '../../ruleset/icmp-types.ts';
import { integerValue, portValue } from '../../ruleset/literals.ts';
import { TCP_FLAG_BITS } from '../../ruleset/tcp-flags.ts';

/** Something the simulator cannot decide or does not model; becomes an `unsupported` outcome. */
export class NotDecidable extends Error {
  override name = 'NotDecidable';
}

export type Base = 'integer' | 'bitmask' | 'string' | 'ipv4' | 'ipv6' | 'lladdr' | 'verdict';

export interface DataType {
  name: string;
  base: Base;
  /** Register width in bytes. */
  size: number;
  /** Symbolic constants (`established`, `ssh`, `echo-request`). */
  symbols?: ReadonlyMap<string, number>;
  /** Names that exist in nft but need a lookup nfwalk cannot make (user names, realms…). */
  lookupNames?: string;
}

/** A typed register value. */
export interface TypedValue {
  type: DataType;
  bytes: Uint8Array;
  /**
   * Bits the scenario does not determine (the DF bit of `ip frag-off` without raw bytes). A
   * mask can clear them (`ip frag-off & 0x1fff != 0`); a comparison that still needs them is
   * not decidable.
   */
  unknown?: bigint;
  /** Why the unknown bits are unknown. */
  unknownWhy?: string;
}

/** A closed interval of register bytes: a value has low == high. */
export interface Interval {
  low: Uint8Array;
  high: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Bytes

export function intBytes(value: bigint | number, size: number): Uint8Array {
  let v = BigInt(value);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** memcmp, as nft_cmp and nft_range do on big-endian data. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------
// Types

function syms(entries: Record<string, number>): ReadonlyMap<string, number> {
  return new Map(Object.entries(entries));
}

function integerType(name: string, size: number, symbols?: Record<string, number>): DataType {
  return symbols
    ? { name, base: 'integer', size, symbols: syms(symbols) }
    : { name, base: 'integer', size };
}

function bitmaskType(name: string, size: number, symbols: Record<string, number>): DataType {
  return { name, base: 'bitmask', size, symbols: syms(symbols) };
}

/** Services nfwalk knows by name (Debian's /etc/services, which nft reads via getservbyname). */
const SERVICES: Record<string, number> = {
  'ftp-data': 20,
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  bootps: 67,
  bootpc: 68,
  tftp: 69,
  http: 80,
  kerberos: 88,
  pop3: 110,
  sunrpc: 111,
  ntp: 123,
  'netbios-ns': 137,
  'netbios-dgm': 138,
  'netbios-ssn': 139,
  imap2: 143,
  imap: 143,
  snmp: 161,
  'snmp-trap': 162,
  bgp: 179,
  ldap: 389,
  https: 443,
  'microsoft-ds': 445,
  submissions: 465,
  isakmp: 500,
  syslog: 514,
  'dhcpv6-client': 546,
  'dhcpv6-server': 547,
  submission: 587,
  ipp: 631,
  ldaps: 636,
  rsync: 873,
  'domain-s': 853,
  imaps: 993,
  pop3s: 995,
  openvpn: 1194,
  'ms-sql-s': 1433,
  radius: 1812,
  'radius-acct': 1813,
  nfs: 2049,
  mysql: 3306,
  'ipsec-nat-t': 4500,
  'sip-tls': 5061,
  sip: 5060,
  postgresql: 5432,
  mdns: 5353,
  'http-alt': 8080,
};

/** /etc/protocols names, as nft's inet_protocol_type resolves them. */
const PROTOCOLS: Record<string, number> = {
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  igp: 9,
  pup: 12,
  udp: 17,
  hmp: 20,
  'xns-idp': 22,
  rdp: 27,
  'iso-tp4': 29,
  dccp: 33,
  xtp: 36,
  ddp: 37,
  'idpr-cmtp': 38,
  ipv6: 41,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  idrp: 45,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  skip: 57,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  vmtp: 81,
  eigrp: 88,
  ospf: 89,
  'ax.25': 93,
  ipip: 94,
  etherip: 97,
  encap: 98,
  pim: 103,
  ipcomp: 108,
  comp: 108,
  vrrp: 112,
  l2tp: 115,
  isis: 124,
  sctp: 132,
  fc: 133,
  'mobility-header': 135,
  udplite: 136,
  'mpls-in-ip': 137,
  manet: 138,
  hip: 139,
  shim6: 140,
  wesp: 141,
  rohc: 142,
  ethernet: 143,
};

export const PROTOCOL_NUMBERS: ReadonlyMap<string, number> = syms(PROTOCOLS);

const DSCP: Record<string, number> = {
  cs0: 0,
  cs1: 8,
  cs2: 16,
  cs3: 24,
  cs4: 32,
  cs5: 40,
  cs6: 48,
  cs7: 56,
  be: 0,
  lephb: 1,
  af11: 10,
  af12: 12,
  af13: 14,
  af21: 18,
  af22: 20,
  af23: 22,
  af31: 26,
  af32: 28,
  af33: 30,
  af41: 34,
  af42: 36,
  af43: 38,
  va: 44,
  ef: 46,
};

export const TYPES = {
  ipv4_addr: { name: 'ipv4_addr', base: 'ipv4', size: 4 } as DataType,
  ipv6_addr: { name: 'ipv6_addr', base: 'ipv6', size: 16 } as DataType,
  ether_addr: { name: 'ether_addr', base: 'lladdr', size: 6 } as DataType,
  ifname: { name: 'ifname', base: 'string', size: 16 } as DataType,
  /** `iif`/`oif`: nft resolves the name to an index when loading; nfwalk compares names. */
  iface_index: { name: 'iface_index', base: 'string', size: 16 } as DataType,
  string: { name: 'string', base: 'string', size: 16 } as DataType,
  verdict: { name: 'verdict', base: 'verdict', size: 4 } as DataType,
  inet_service: integerType('inet_service', 2, SERVICES),
  inet_proto: integerType('inet_proto', 1, PROTOCOLS),
  ether_type: integerType('ether_type', 2, {
    ip: 0x0800,
    arp: 0x0806,
    ip6: 0x86dd,
    vlan: 0x8100,
    '8021ad': 0x88a8,
  }),
  nf_proto: integerType('nfproto', 1, { ipv4: 2, ipv6: 10 }),
  pkt_type: integerType('pkt_type', 1, {
    host: 0,
    unicast: 0,
    broadcast: 1,
    multicast: 2,
    other: 3,
  }),
  mark: integerType('mark', 4),
  ct_dir: integerType('ct_dir', 1, { original: 0, reply: 1 }),
  ct_state: bitmaskType('ct_state', 4, {
    invalid: 1,
    established: 2,
    related: 4,
    new: 8,
    untracked: 64,
  }),
  ct_status: bitmaskType('ct_status', 4, {
    expected: 1,
    'seen-reply': 2,
    assured: 4,
    confirmed: 8,
    snat: 16,
    dnat: 32,
    dying: 512,
  }),
  ct_label: {
    name: 'ct_label',
    base: 'bitmask',
    size: 16,
    lookupNames: 'connlabel.conf',
  } as DataType,
  tcp_flag: bitmaskType('tcp_flag', 1, TCP_FLAG_BITS),
  icmp_type: integerType('icmp_type', 1, ICMP_TYPE_NUMBERS),
  icmpv6_type: integerType('icmpv6_type', 1, ICMPV6_TYPE_NUMBERS),
  icmp_code: integerType('icmp_code', 1, ICMP_CODE_NUMBERS),
  icmpv6_code: integerType('icmpv6_code', 1, ICMPV6_CODE_NUMBERS),
  icmpx_code: integerType('icmpx_code', 1, {
    'port-unreachable': 1,
    'admin-prohibited': 3,
    'no-route': 0,
    'host-unreachable': 2,
  }),
  fib_addrtype: integerType('fib_addrtype', 4, {
    unspec: 0,
    unicast: 1,
    local: 2,
    broadcast: 3,
    anycast: 4,
    multicast: 5,
    blackhole: 6,
    unreachable: 7,
    prohibit: 8,
    throw: 9,
    nat: 10,
    xresolve: 11,
  }),
  iface_type: integerType('iface_type', 2, {
    ether: 1,
    ppp: 512,
    ipip: 768,
    ipip6: 769,
    loopback: 772,
    sit: 776,
    ipgre: 778,
    infiniband: 32,
  }),
  boolean: integerType('boolean', 1, { exists: 1, missing: 0, true: 1, false: 0 }),
  dscp: integerType('dscp', 1, DSCP),
  ecn: integerType('ecn', 1, { 'not-ect': 0, ect1: 1, ect0: 2, ce: 3 }),
  uid: { name: 'uid', base: 'integer', size: 4, lookupNames: 'the password database' } as DataType,
  gid: { name: 'gid', base: 'integer', size: 4, lookupNames: 'the group database' } as DataType,
  realm: { name: 'realm', base: 'integer', size: 4, lookupNames: 'rt_realms' } as DataType,
  devgroup: { name: 'devgroup', base: 'integer', size: 4, lookupNames: 'group' } as DataType,
  tcpmss: integerType('tcpmss', 2),
} satisfies Record<string, DataType>;

const integerTypes = new Map<number, DataType>();

/** A plain integer of `bits` bits (rounded up to whole bytes, as registers hold them). */
export function integer(bits: number): DataType {
  const size = Math.max(1, Math.ceil(bits / 8));
  let t = integerTypes.get(size);
  if (!t) {
    t = integerType(`integer(${size * 8})`, size);
    integerTypes.set(size, t);
  }
  return t;
}

/** A datatype by the name used in `type …` of a set declaration. */
export function typeByName(name: string): DataType | undefined {
  const aliases: Record<string, DataType> = {
    ...TYPES,
    nf_proto: TYPES.nf_proto,
    nfproto: TYPES.nf_proto,
    integer: integer(32),
    ct_state: TYPES.ct_state,
    time: { name: 'time', base: 'integer', size: 8 },
    classid: { name: 'classid', base: 'integer', size: 4 },
  };
  return Object.hasOwn(aliases, name) ? aliases[name] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Literals → bytes

/**
 * A number as nft reads it (src/ruleset/literals.ts integerValue: `0x` hex, a leading 0 octal,
 * else decimal); a port of digits that are no octal number (`08`) is decimal, as getaddrinfo
 * reads it.
 */
function parseNumber(type: DataType, text: string): bigint | undefined {
  const t = text.trim();
  return type.name === 'inet_service' ? portValue(t) : integerValue(t);
}

function fitInteger(type: DataType, v: bigint, text: string): Uint8Array {
  if (v >= 1n << BigInt(type.size * 8)) {
    throw new NotDecidable(`${text} does not fit in ${type.name} (${type.size * 8} bits)`);
  }
  return intBytes(v, type.size);
}

function parseSymbolOrNumber(type: DataType, text: string): Uint8Array {
  const sym = type.symbols?.get(text);
  if (sym !== undefined) return intBytes(sym, type.size);
  const n = parseNumber(type, text);
  if (n !== undefined) return fitInteger(type, n, text);
  if (type.name === 'inet_service') {
    throw new NotDecidable(`unknown service name "${text}" (nfwalk knows a fixed table of names)`);
  }
  if (type.lookupNames) {
    throw new NotDecidable(`"${text}" needs a lookup in ${type.lookupNames}`);
  }
  throw new NotDecidable(`"${text}" is not a valid ${type.name}`);
}

function parseIpv4(text: string): Uint8Array {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
    throw new NotDecidable(`"${text}" is not an IPv4 address (host names are not resolved)`);
  }
  return Uint8Array.from(ipaddr.IPv4.parse(text).toByteArray());
}

function parseIpv6(text: string): Uint8Array {
  const t = text.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.IPv6.isValid(t) || t.includes('%')) {
    throw new NotDecidable(`"${text}" is not an IPv6 address (host names are not resolved)`);
  }
  return Uint8Array.from(ipaddr.IPv6.parse(t).toByteArray());
}

function parseEther(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new NotDecidable(`"${text}" is not an Ethernet address`);
  }
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}

function stringBytes(text: string, size: number): Uint8Array {
  const enc = new TextEncoder().encode(text);
  if (enc.length >= size) throw new NotDecidable(`"${text}" is longer than ${size - 1} bytes`);
  const out = new Uint8Array(size);
  out.set(enc);
  return out;
}

/**
 * One literal → an interval of register bytes. Handles prefixes (`10.0.0.0/8`), ranges
 * (`1024-65535`), bitmask lists written without braces (`established,related`) and the
 * interface-name wildcard (`"eth*"`: the bytes before `*` must match).
 */
export function parseLiteral(type: DataType, text: string, quoted = false): Interval {
  if (type.base === 'string') {
    if (type.name === 'ifname' && text.endsWith('*') && !text.endsWith('\\*')) {
      const prefix = new TextEncoder().encode(text.slice(0, -1));
      if (prefix.length >= type.size) throw new NotDecidable(`"${text}" is too long`);
      const low = new Uint8Array(type.size);
      low.set(prefix);
      const high = new Uint8Array(type.size).fill(0xff);
      high.set(prefix);
      return { low, high };
    }
    const v = parseValue(type, text.replace(/\\\*$/, '*'));
    return { low: v, high: v };
  }
  if (quoted && type.base !== 'integer' && type.base !== 'bitmask') {
    // nft accepts quoted addresses; fall through with the text.
  }
  const slash = text.indexOf('/');
  if (slash > 0 && (type.base === 'ipv4' || type.base === 'ipv6')) {
    const len = Number(text.slice(slash + 1));
    return prefixInterval(parseValue(type, text.slice(0, slash)), len, text);
  }
  const dash = rangeSplit(type, text);
  if (dash) {
    const low = parseValue(type, dash[0]);
    const high = parseValue(type, dash[1]);
    if (compareBytes(low, high) > 0) throw new NotDecidable(`range ${text} is upside down`);
    return { low, high };
  }
  const v = parseValue(type, text);
  return { low: v, high: v };
}

/** `a-b` as a range, when both sides parse for this type (names such as `seen-reply` contain dashes). */
function rangeSplit(type: DataType, text: string): [string, string] | undefined {
  if (type.symbols?.has(text)) return undefined;
  const i = type.base === 'ipv6' ? text.lastIndexOf('-') : text.indexOf('-');
  if (i <= 0) return undefined;
  const a = text.slice(0, i);
  const b = text.slice(i + 1);
  try {
    parseValue(type, a);
    parseValue(type, b);
    return [a, b];
  } catch {
    return undefined;
  }
}

/** A single value of the type (no prefix, range or wildcard). */
export function parseValue(type: DataType, text: string): Uint8Array {
  switch (type.base) {
    case 'ipv4':
      return parseIpv4(text);
    case 'ipv6':
      return parseIpv6(text);
    case 'lladdr':
      return parseEther(text);
    case 'string':
      // Index 0 is "no device" (what nft_meta and nft_fib store for a missing device).
      if (type.name === 'iface_index' && /^0+$/.test(text)) return new Uint8Array(type.size);
      if (type.name === 'iface_index' && /^[0-9]+$/.test(text)) {
        throw new NotDecidable(`interface index ${text}: nfwalk knows devices by name only`);
      }
      return stringBytes(text, type.size);
    case 'verdict':
      throw new NotDecidable(`"${text}" is a verdict, not a value`);
    case 'bitmask': {
      let v = 0n;
      for (const part of text.split(',')) {
        v |= bytesToBigInt(parseSymbolOrNumber(type, part.trim()));
      }
      return intBytes(v, type.size);
    }
    case 'integer': {
      // tc handles (`meta priority`) are written major:minor in hex.
      const tc =
        type.name === 'tc_handle' ? /^([0-9a-fA-F]{0,4}):([0-9a-fA-F]{0,4})$/.exec(text) : null;
      if (tc)
        return intBytes(
          Number.parseInt(tc[1] || '0', 16) * 65536 + Number.parseInt(tc[2] || '0', 16),
          4,
        );
      return parseSymbolOrNumber(type, text);
    }
  }
}

export function prefixInterval(base: Uint8Array, len: number, text: string): Interval {
  const bits = base.length * 8;
  if (!Number.isInteger(len) || len < 0 || len > bits) {
    throw new NotDecidable(`bad prefix length in ${text}`);
  }
  const low = new Uint8Array(base.length);
  const high = new Uint8Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    low[i] = (base[i] ?? 0) & mask;
    high[i] = low[i]! | (~mask & 0xff);
  }
  return { low, high };
}

// ---------------------------------------------------------------------------------------------
// Bytes → text (for effects and reasons)

export function formatValue(v: TypedValue): string {
  const { type, bytes } = v;
  switch (type.base) {
    case 'ipv4':
    case 'ipv6':
      return ipaddr.fromByteArray([...bytes]).toString();
    case 'lladdr':
      return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
    case 'string': {
      const end = bytes.indexOf(0);
      return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
    }
    case 'bitmask': {
      const n = bytesToBigInt(bytes);
      const names: string[] = [];
      for (const [name, bit] of type.symbols ?? []) {
        if (bit !== 0 && (n & BigInt(bit)) === BigInt(bit)) names.push(name);
      }
      return names.length > 0 ? names.join(',') : `0x${n.toString(16)}`;
    }
    default: {
      const n = bytesToBigInt(bytes);
      if (type.name === 'mark') return `0x${n.toString(16).padStart(8, '0')}`;
      if (type.name === 'tc_handle' && n !== 0n && n !== 0xffffffffn) {
        return `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
      }
      return n.toString();
    }
  }
}
