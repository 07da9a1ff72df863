/**
 * The text of an address, a port and a prefix length, as nft reads it, and what it refuses.
 *
 * nft hands an address it cannot read as one to getaddrinfo (a host name), so `172.20.0.400`
 * fails only as "Could not resolve hostname"; a port above 65535 is "Service out of range"; a
 * prefix longer than the address "Prefix length 33 is invalid for type of 32 bits width".
 * nfwalk resolves no host names: a word with letters in it stays as written (the simulator says
 * it cannot decide it), but text made only of what addresses and ports are made of has to be
 * one. A number given to a header field, meta or ct key of N bits must fit in N bits: `ip ttl
 * 300` is nft's "Value 300 exceeds valid range 0-255". nft's scanner reads a number (integerValue):
 * `0x…` hex, a leading 0 octal (`ip ttl 010` is 8; `08` is no number), else decimal; a word that
 * starts with a digit and is none of its tokens (`1e3`, `0x`) it splits, a syntax error. Where
 * the datatype is nft's plain `integer` (`ip ttl`, `ct zone`…) anything else is "Could not parse
 * integer"; where it has names for values, a word is a symbol (`ip dscp cs1`, `tcp flags syn`),
 * checked where nfwalk knows the names: ICMP types, and the service and mark names of the
 * machine (/etc/services, /etc/iproute2/rt_marks) when the CLI gives them.
 */
import { ICMP_TYPE_NUMBERS, ICMPV6_TYPE_NUMBERS } from './icmp-types.ts';

/** The widths in bits of the integer fields whose numbers are checked. */
export type IntegerBits = 1 | 2 | 3 | 4 | 6 | 8 | 12 | 16 | 20 | 32 | 64;

/**
 * An unsigned integer of so many bits, as a datatype: a string like the others (a kind is
 * compared on every value of a listing, and one type of kind keeps that comparison quick).
 * `uint…` has names for some values (a word is a symbol); `integer…` is nft's plain integer,
 * numbers only.
 */
export type IntegerKind = `uint${IntegerBits}` | `integer${IntegerBits}`;

/** The datatypes whose literals are checked (nft's names), or an unsigned integer's. */
export type LiteralKind =
  | 'ipv4_addr'
  | 'ipv6_addr'
  | 'inet_service'
  | 'icmp_type'
  | 'icmpv6_type'
  | 'mark'
  | IntegerKind;

/** A table of names read from a file of the machine, when first needed. */
type Names = () => ReadonlySet<string>;

/**
 * The service names and packet mark names nft knows on this machine (src/ruleset/
 * machine-names.ts, given by the CLI), or undefined: such words stay names, for the simulator.
 */
let serviceNames: Names | undefined;
let markNames: Names | undefined;

function once(load: Names | undefined): Names | undefined {
  let names: ReadonlySet<string> | undefined;
  return load && (() => (names ??= load()));
}

export function useNameTables(tables: { services?: Names; marks?: Names }): void {
  serviceNames = once(tables.services);
  markNames = once(tables.marks);
}

/** The integer datatype of `bits` bits; `plain`: numbers only (nft's `integer`). */
export function integerKind(bits: IntegerBits, plain = false): IntegerKind {
  return plain ? `integer${bits}` : `uint${bits}`;
}

const WIDTHS = [1, 2, 3, 4, 6, 8, 12, 16, 20, 32, 64] as const;
/** Each integer kind's width, and whether it is plain. */
const INTEGER_KINDS = new Map<string, { bits: IntegerBits; plain: boolean }>(
  WIDTHS.flatMap((bits) => [
    [integerKind(bits), { bits, plain: false }],
    [integerKind(bits, true), { bits, plain: true }],
  ]),
);

const ADDRESS_BITS: Record<'ipv4_addr' | 'ipv6_addr', number> = { ipv4_addr: 32, ipv6_addr: 128 };

/** Why `text` is not a literal of `kind`, or undefined when it is one (or may be a name). */
export function literalProblem(kind: LiteralKind, text: string): string | undefined {
  switch (kind) {
    case 'ipv4_addr':
      return ipv4Problem(text);
    case 'ipv6_addr':
      return ipv6Problem(text);
    case 'inet_service':
      return portProblem(text);
    case 'icmp_type':
    case 'icmpv6_type':
      return icmpTypeProblem(kind, text);
    case 'mark':
      return markProblem(text);
    default: {
      const k = INTEGER_KINDS.get(kind) as { bits: IntegerBits; plain: boolean };
      return integerProblem(k.bits, k.plain, text);
    }
  }
}

/**
 * Why `/length` is no prefix of a value of `kind`, or undefined. A number takes one as an address
 * does (`tcp dport 22/8`), up to its width: nft's "Prefix length 17 is invalid for type of 16
 * bits width".
 */
export function prefixProblem(kind: LiteralKind, length: number): string | undefined {
  if (kind !== 'ipv4_addr' && kind !== 'ipv6_addr') {
    const bits =
      kind === 'inet_service'
        ? 16
        : kind === 'icmp_type' || kind === 'icmpv6_type'
          ? 8
          : kind === 'mark'
            ? 32
            : (INTEGER_KINDS.get(kind) as { bits: IntegerBits }).bits;
    return length <= bits
      ? undefined
      : `Prefix length ${length} is invalid for type of ${bits} bits width`;
  }
  const bits = ADDRESS_BITS[kind];
  if (length <= bits) return undefined;
  const what = kind === 'ipv4_addr' ? 'an IPv4' : 'an IPv6';
  return `prefix length ${length} is too long for ${what} address (at most ${bits})`;
}

/**
 * Why `low-high` is no range of `kind` (its low end above its high end: nft's "Range has zero
 * or negative size"; equal ends are one value), or undefined. Ends that are not both numbers or
 * addresses (a service name, a host name) are left to the simulator.
 */
export function rangeProblem(kind: LiteralKind, low: string, high: string): string | undefined {
  const a = rangeEnd(kind, low);
  const b = a === undefined ? undefined : rangeEnd(kind, high);
  return a !== undefined && b !== undefined && a > b
    ? `Range has zero or negative size (${low} is above ${high})`
    : undefined;
}

/** A range's end as a number, for ordering, or undefined. */
function rangeEnd(kind: LiteralKind, text: string): bigint | undefined {
  switch (kind) {
    case 'ipv4_addr': {
      // inet_aton's four parts (a leading 0 octal), once ipv4Problem has found them fine.
      const parts = text.split('.');
      if (parts.length === 1)
        return ipv4Problem(text) === undefined ? integerValue(text) : undefined;
      if (parts.length !== 4 || ipv4Problem(text) !== undefined) return undefined;
      return parts.reduce((v, p) => (v << 8n) | (integerValue(p) ?? 0n), 0n);
    }
    case 'ipv6_addr': {
      const t = text.replace(/^\[(.*)\]$/, '$1');
      if (!t.includes(':') || ipv6Problem(text) !== undefined) return undefined;
      // Groups of 16 bits, an IPv4 tail two of them, `::` the zero groups left.
      const groups = (half: string | undefined): bigint[] =>
        half
          ? half.split(':').flatMap((g) => {
              if (!g.includes('.')) return [BigInt(`0x${g}`)];
              const v = rangeEnd('ipv4_addr', g) ?? 0n;
              return [v >> 16n, v & 0xffffn];
            })
          : [];
      const [head, tail] = t.split('::');
      const hi = groups(head);
      const lo = groups(tail);
      const all = [...hi, ...new Array<bigint>(8 - hi.length - lo.length).fill(0n), ...lo];
      return all.reduce((v, g) => (v << 16n) | g, 0n);
    }
    case 'inet_service':
      return portValue(text);
    default:
      return integerValue(text);
  }
}

/**
 * Digits and dots are an IPv4 address: four numbers of 0-255 (inet_aton reads a leading 0 as
 * octal: `01.2.3.4` is nft's 1.2.3.4). Anything with a letter may be a host name.
 */
function ipv4Problem(text: string): string | undefined {
  // One scan of the character codes: a listing has an address on most of its lines.
  const n = text.length;
  let dots = 0;
  let value = 0;
  let digits = 0;
  let octal = false;
  let fine = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || digits > 3 || value > 255 || (octal && digits > 1)) fine = false;
      dots++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) octal = c === 48;
      value = value * 10 + (c - 48);
      digits++;
    } else return splitWordProblem(text);
  }
  if (dots === 0) return ipv4NumberProblem(text);
  // Four plain decimal numbers of 0-255: an address. Anything else (octal, too many parts…) is
  // worked out the long way, which names what is wrong.
  const last = digits > 0 && digits <= 3 && value <= 255 && !(octal && digits > 1);
  if (fine && last && dots === 3) return undefined;
  return ipv4Detail(text);
}

/**
 * Digits alone where an address is: getaddrinfo's inet_aton reads one number as the whole
 * address (`22` is 0.0.0.22, `010` is 0.0.0.8), a leading 0 octal, at most 32 bits.
 */
function ipv4NumberProblem(text: string): string | undefined {
  const v = integerValue(text);
  if (v === undefined) return `'${text}' is not an IPv4 address (${text} is not octal)`;
  return v > 0xffffffffn ? `'${text}' is not an IPv4 address (more than 32 bits)` : undefined;
}

/** What is wrong with `text`, made only of digits and dots (see ipv4Problem), or undefined. */
function ipv4Detail(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    return `'${text}' is not an IPv4 address (four numbers 0-255 separated by dots)`;
  }
  for (const p of parts) {
    if (p.length > 1 && p.startsWith('0')) {
      if (!/^[0-7]+$/.test(p)) return `'${text}' is not an IPv4 address (${p} is not octal)`;
      if (Number.parseInt(p, 8) > 255)
        return `'${text}' is not an IPv4 address (octal ${p} is more than 255)`;
    } else if (Number(p) > 255) {
      return `'${text}' is not an IPv4 address (${p} is more than 255)`;
    }
  }
  return undefined;
}

/**
 * Text with a colon is an IPv6 address: at most eight groups of at most four hex digits, one
 * `::` at most, optionally ending in an IPv4 address (`::ffff:192.0.2.1`); no zone (`%eth0`).
 */
function ipv6Problem(text: string): string | undefined {
  const t = text.replace(/^\[(.*)\]$/, '$1');
  if (!t.includes(':')) return splitWordProblem(text);
  const bad = `'${text}' is not an IPv6 address`;
  if (!/^[0-9A-Fa-f:.]+$/.test(t)) return bad;
  const halves = t.split('::');
  if (halves.length > 2) return `${bad} ('::' may appear once)`;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  let width = 0;
  for (const [i, g] of groups.entries()) {
    if (g.includes('.')) {
      // An IPv4 tail, last group only.
      if (i !== groups.length - 1 || !/^(\d+\.){3}\d+$/.test(g) || ipv4Problem(g)) return bad;
      width += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) width += 1;
    else if (g === '') return `${bad} (an empty group: a single ':' at an end, or ':::')`;
    else return `${bad} (group '${g}' is not 1-4 hex digits)`;
  }
  if (halves.length === 2 ? width > 7 : width !== 8) {
    return `${bad} (${width} groups; eight, or fewer with '::')`;
  }
  return undefined;
}

/** The value of a text of at most `digits` decimal digits and nothing else; else undefined. */
function shortDecimal(text: string, digits: number): number | undefined {
  if (text.length > digits) return undefined;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * The value of a number as nft reads it, or undefined when the text is no number (`08`, `1x`,
 * `0x`). nft's scanner (src/scanner.l) makes a NUM of `{decstring}` (base 8 when it starts with
 * 0, base 10 else: `010` is 8) and of `{hexstring}` (`0x` and at least one hex digit); digits
 * that are no octal number (`08`) stay a STRING, which the datatype reads: gmp's base 0 refuses
 * it as an integer (datatype.c integer_type_parse), getaddrinfo reads it as a decimal port.
 * Every integer nfwalk reads from nft text goes through this (src/netfilter/expr/datatypes.ts).
 */
export function integerValue(text: string): bigint | undefined {
  const n = text.length;
  const c0 = text.charCodeAt(0);
  if (n === 0 || c0 < 48 || c0 > 57) return undefined;
  if (c0 === 48 && n > 2 && (text.charCodeAt(1) | 32) === 120) {
    for (let i = 2; i < n; i++) if (!isHexDigit(text.charCodeAt(i))) return undefined;
    return BigInt(text);
  }
  const top = c0 === 48 ? 55 : 57;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > top) return undefined;
  }
  return c0 === 48 && n > 1 ? BigInt(`0o${text.slice(1)}`) : BigInt(text);
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}

/** A port as nft reads one: a number, or digits that are no octal number read as decimal. */
export function portValue(text: string): bigint | undefined {
  return integerValue(text) ?? (/^[0-9]+$/.test(text) ? BigInt(text) : undefined);
}

/**
 * The texts nft's scanner reads whole that start with a digit, besides numbers: addresses
 * (`{ip4addr}`, and the colon forms, which nfwalk's tokenizer reads as nft's does), time strings
 * (`{timestring}`: `1d2h`, `5s`, `10ms`) and two names (`8021q`, `8021ad`).
 */
const WHOLE_TOKEN =
  /^(?:(?:\d{1,3}\.){3}\d{1,3}|(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?|8021q|8021ad)$/;
const TOKEN_START = [
  /^0[xX][0-9a-fA-F]+/,
  /^[0-9]+/,
  /^(?:\d{1,3}\.){3}\d{1,3}/,
  /^(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?/,
];

/**
 * Why a word that starts with a digit is no one token of nft, or undefined. nft's scanner takes
 * the longest text one of its rules matches (src/scanner.l): `1e3` is the number 1 and then the
 * word `e3`, `0x` is 0 and `x`, `1.5` is 1 and `.5`; where one value is expected, that is a
 * syntax error (nft places it on the token after the value; nfwalk on the value).
 */
export function splitWordProblem(text: string): string | undefined {
  const c0 = text.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || text.includes(':')) return undefined;
  if (integerValue(text) !== undefined || /^[0-9]+$/.test(text) || WHOLE_TOKEN.test(text))
    return undefined;
  let head = 0;
  for (const re of TOKEN_START) head = Math.max(head, re.exec(text)?.[0].length ?? 0);
  return `syntax error, '${text}' is no value: nft reads ${text.slice(0, head)}, then ${text.slice(head)}`;
}

/**
 * A number is a port of 0-65535 (as integerValue reads it; digits that are no octal number,
 * `08`, nft reads as decimal); a word is a service name, but no name starts with a digit.
 */
function portProblem(text: string): string | undefined {
  // Up to five decimal digits, the common case, without a regular expression or a BigInt.
  const c0 = text.charCodeAt(0);
  if (c0 !== 48) {
    const v = shortDecimal(text, 5);
    if (v !== undefined) return v > 65535 ? `port ${text} is out of range (0-65535)` : undefined;
  }
  if (c0 < 48 || c0 > 57) {
    const names = serviceNames?.();
    if (names === undefined || names.has(text)) return undefined;
    return `Could not resolve service '${text}' (no such name in /etc/services)`;
  }
  const big = portValue(text);
  if (big === undefined) return splitWordProblem(text) ?? `'${text}' is no port number`;
  return big > 65535n ? `port ${text} is out of range (0-65535)` : undefined;
}

/** An ICMP type is a number of 8 bits or one of nft's names (its icmp_type and icmpv6_type). */
function icmpTypeProblem(kind: 'icmp_type' | 'icmpv6_type', text: string): string | undefined {
  const c0 = text.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return integerProblem(8, false, text);
  const names = kind === 'icmp_type' ? ICMP_TYPE_NUMBERS : ICMPV6_TYPE_NUMBERS;
  return Object.hasOwn(names, text)
    ? undefined
    : `Could not parse ${kind === 'icmp_type' ? 'ICMP' : 'ICMPv6'} type '${text}'`;
}

/** A packet mark is a number of 32 bits, or a name of iproute2's rt_marks (nft's mark_tbl). */
function markProblem(text: string): string | undefined {
  const c0 = text.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return integerProblem(32, false, text);
  const names = markNames?.();
  if (names === undefined || names.has(text)) return undefined;
  return `Could not parse packet mark '${text}' (no such name in /etc/iproute2/rt_marks)`;
}

/**
 * A number fits in `bits` bits. Where the datatype is `plain`, anything else is nft's "Could
 * not parse integer"; where it has names for values, a word is a symbol (`ip dscp cs1`, and
 * `ether type 8021q`: a name may start with a digit) for the front end and the simulator to
 * read, but digits alone must be a number (`08` is no octal one).
 */
function integerProblem(bits: number, plain: boolean, text: string): string | undefined {
  // Up to nine decimal digits, the common case, without a regular expression or a BigInt (and
  // `0`, every counter's: a leading 0 is octal, but 0 is 0 either way).
  const c0 = text.charCodeAt(0);
  // A word (`tcp`, `cs1`) where the datatype has names: a symbol; only digits start a number.
  if (!plain && (c0 < 48 || c0 > 57)) return undefined;
  if ((c0 >= 49 && c0 <= 57) || text === '0') {
    const v = shortDecimal(text, 9);
    if (v !== undefined) {
      return bits >= 32 || v < 2 ** bits ? undefined : outOfRange(text, BigInt(v), bits);
    }
  }
  const value = integerValue(text);
  if (value === undefined) {
    // A word nft's scanner splits (`1e3`, `0x`) is a syntax error, whatever the datatype.
    const split = splitWordProblem(text);
    if (split) return split;
    if (plain) return 'Could not parse integer';
    if (/^[0-9]+$/.test(text)) return `'${text}' is no number (a leading 0 is octal)`;
    // No name of a value starts with a digit but `ether type 8021q` and `8021ad`.
    if (c0 >= 48 && c0 <= 57 && text !== '8021q' && text !== '8021ad')
      return `'${text}' is no number`;
    return undefined;
  }
  return value >> BigInt(bits) === 0n ? undefined : outOfRange(text, value, bits);
}

function outOfRange(text: string, value: bigint, bits: number): string {
  const shown = String(value) === text ? text : `${text} (${value})`;
  return `value ${shown} exceeds valid range 0-${(1n << BigInt(bits)) - 1n}`;
}
