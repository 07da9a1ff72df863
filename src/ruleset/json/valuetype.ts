/**
 * How nft prints a constant depends on the datatype of what it is compared with, and JSON
 * loses that: `meta mark 0x00000010` is `16` in JSON, `oif "lo"` is `"lo"`. This module knows
 * the datatypes of the left-hand sides (payload fields, meta/ct keys, named set types) that
 * print differently from the JSON form, after nftables' proto.c, meta.c, ct.c and datatype.c.
 */

import type { Expr } from '../model.ts';

/**
 * `plain`: numbers in decimal, strings as given. `hex`: `0x` and at least `digits` digits
 * (0: unpadded, nft's xinteger and bitmask). `string`: double-quoted (ifname, string types).
 * `ifindex`: a name from a table (interface, device group, realm) quoted, a number bare.
 * `time`: JSON seconds printed as nft durations (`1m`, `2h30m`).
 */
export interface ValueType {
  fmt: 'plain' | 'hex' | 'string' | 'ifindex' | 'time' | 'concat';
  digits?: number;
  /** A bitmask type (ct state, tcp flags…): nft prints `==` before a single value. */
  bitmask?: boolean;
  /** For `concat`: the part types. */
  parts?: ValueType[];
}

export const PLAIN: ValueType = { fmt: 'plain' };
const STRING: ValueType = { fmt: 'string' };
/** Interface indexes, device groups, realms: a name from a table is quoted, a number is not. */
const IFINDEX: ValueType = { fmt: 'ifindex' };
export const DEVICE: ValueType = { fmt: 'string' };
const TIME: ValueType = { fmt: 'time' };
const MARK: ValueType = { fmt: 'hex', digits: 8 };
const ETHERTYPE: ValueType = { fmt: 'hex', digits: 4 };
const DSCP: ValueType = { fmt: 'hex', digits: 2 };
const ECN: ValueType = { fmt: 'hex', digits: 1 };
/** nft's xinteger: raw payloads, `ip frag-off`, the result of a shift. */
export const XINTEGER: ValueType = { fmt: 'hex', digits: 0 };
const BITMASK: ValueType = { fmt: 'hex', digits: 0, bitmask: true };

/** Payload fields whose type prints differently from plain (proto.c). */
const PAYLOAD_TYPES: Record<string, ValueType> = {
  'ip dscp': DSCP,
  'ip6 dscp': DSCP,
  'ip ecn': ECN,
  'ip6 ecn': ECN,
  'ip frag-off': XINTEGER,
  'ether type': ETHERTYPE,
  'vlan type': ETHERTYPE,
  'arp ptype': ETHERTYPE,
  'gre protocol': ETHERTYPE,
  'geneve type': ETHERTYPE,
  'tcp flags': BITMASK,
  'comp flags': BITMASK,
  'vxlan flags': BITMASK,
};

const META_TYPES: Record<string, ValueType> = {
  mark: MARK,
  iifname: STRING,
  oifname: STRING,
  ibrname: STRING,
  obrname: STRING,
  ibridgename: STRING,
  obridgename: STRING,
  iifkind: STRING,
  oifkind: STRING,
  sdifname: STRING,
  iif: IFINDEX,
  oif: IFINDEX,
  sdif: IFINDEX,
  protocol: ETHERTYPE,
  ibrvproto: ETHERTYPE,
  iifgroup: IFINDEX,
  oifgroup: IFINDEX,
  rtclassid: IFINDEX,
};

const CT_TYPES: Record<string, ValueType> = {
  mark: MARK,
  state: BITMASK,
  status: BITMASK,
  event: BITMASK,
  expiration: TIME,
  helper: STRING,
};

/** Datatype names as in `type ipv4_addr . mark` (datatype.c, proto.c, ct.c, meta.c). */
const NAMED_TYPES: Record<string, ValueType> = {
  mark: MARK,
  ether_type: ETHERTYPE,
  dscp: DSCP,
  ecn: ECN,
  ifname: STRING,
  string: STRING,
  iface_index: IFINDEX,
  devgroup: IFINDEX,
  realm: IFINDEX,
  time: TIME,
  ct_state: BITMASK,
  ct_status: BITMASK,
  ct_event: BITMASK,
  tcp_flag: BITMASK,
  bitmask: BITMASK,
  // The data of object maps are object names, printed quoted.
  counter: STRING,
  quota: STRING,
  limit: STRING,
  'ct helper': STRING,
  'ct timeout': STRING,
  'ct expectation': STRING,
  secmark: STRING,
  synproxy: STRING,
  tunnel: STRING,
};

export function namedType(names: string[]): ValueType {
  const parts = names.map((n) => NAMED_TYPES[n] ?? PLAIN);
  if (parts.length === 1) return parts[0]!;
  return { fmt: 'concat', parts };
}

/** The datatype of an expression, as far as printing its constants is concerned. */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'payload':
      return PAYLOAD_TYPES[`${e.protocol} ${e.field}`] ?? PLAIN;
    case 'raw':
      return XINTEGER;
    case 'meta':
      return META_TYPES[e.key] ?? PLAIN;
    case 'ct':
      return CT_TYPES[e.key] ?? PLAIN;
    case 'rt':
      return e.key === 'classid' ? IFINDEX : PLAIN;
    case 'fib':
      return e.result === 'oif' ? IFINDEX : e.result === 'oifname' ? STRING : PLAIN;
    case 'socket':
      return e.words[0] === 'mark' ? MARK : PLAIN;
    case 'osf':
      return STRING;
    case 'binop':
      return e.op === '<<' || e.op === '>>' ? XINTEGER : typeOf(e.left);
    case 'concat':
      return { fmt: 'concat', parts: e.parts.map(typeOf) };
    case 'map':
      return PLAIN;
    default:
      return PLAIN;
  }
}

/** One part of a concatenation type (for the n-th item of a concatenated value). */
export function partType(t: ValueType, index: number): ValueType {
  if (t.fmt !== 'concat') return index === 0 ? t : PLAIN;
  return t.parts?.[index] ?? PLAIN;
}

/** nft's time_print: `1d2h3m4s5ms`, from milliseconds. */
export function formatDuration(ms: bigint): string {
  if (ms === 0n) return '0s';
  const units: [bigint, string][] = [
    [86_400_000n, 'd'],
    [3_600_000n, 'h'],
    [60_000n, 'm'],
    [1000n, 's'],
    [1n, 'ms'],
  ];
  let rest = ms;
  let out = '';
  for (const [size, name] of units) {
    const n = rest / size;
    rest %= size;
    if (n > 0n) out += `${n}${name}`;
  }
  return out;
}

/** A number as written in JSON (`raw`), printed for a datatype. */
export function formatNumber(raw: string, t: ValueType): string {
  if (!/^-?[0-9]+$/.test(raw)) return raw;
  if (t.fmt === 'hex') {
    const v = BigInt(raw);
    if (v < 0n) return raw;
    return `0x${v.toString(16).padStart(t.digits ?? 0, '0')}`;
  }
  if (t.fmt === 'time') return formatDuration(BigInt(raw) * 1000n);
  return raw;
}

/** Whether nft prints a string of this type in double quotes. */
export function quotesString(text: string, t: ValueType): boolean {
  if (t.fmt === 'string') return true;
  if (t.fmt === 'ifindex') return !/^[0-9]+$/.test(text);
  // Symbols, addresses, prefixes, interval bounds and times are single words; anything else
  // (a space, a quote, an empty string) can only have come from a quoted string.
  return !/^[A-Za-z0-9_.:/\-%[\]]+$/.test(text);
}
