/**
 * Builders for the model expressions and statements iptables options become, and the parsers
 * of iptables' value syntax (addresses with masks, port ranges `a:b`, interface wildcards).
 */
import ipaddr from 'ipaddr.js';
import type {
  BinopExpr,
  CtExpr,
  Expr,
  MatchStmt,
  MetaExpr,
  PayloadExpr,
  RelOp,
  Span,
  ValueExpr,
} from '../model.ts';
import { fail, type IpFamily } from './context.ts';
import type { Word } from './tokenize.ts';

export const payload = (protocol: string, field: string): PayloadExpr => ({
  kind: 'payload',
  protocol,
  field,
});
export const meta = (key: string, short = false): MetaExpr =>
  short ? { kind: 'meta', key, short } : { kind: 'meta', key };
export const ct = (key: string, dir?: 'original' | 'reply'): CtExpr =>
  dir ? { kind: 'ct', key, dir } : { kind: 'ct', key };
export const value = (text: string, quoted = false): ValueExpr =>
  quoted ? { kind: 'value', text, quoted } : { kind: 'value', text };
export const binop = (op: BinopExpr['op'], left: Expr, right: Expr): BinopExpr => ({
  kind: 'binop',
  op,
  left,
  right,
});
export const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** `left == right` (written without the operator) or `left != right`. */
export function match(
  left: Expr,
  right: Expr,
  negated: boolean,
  span: Span,
  op?: RelOp,
): MatchStmt {
  if (op) return { kind: 'match', left, op, right, span };
  return negated
    ? { kind: 'match', left, op: '!=', right, span }
    : { kind: 'match', left, op: '==', right, implicitOp: true, span };
}

/** A list of values: one value alone, several as an anonymous set `{ a, b }`. */
export function oneOrSet(items: Expr[]): Expr {
  if (items.length === 1) return items[0]!;
  return { kind: 'set', elements: items.map((key) => ({ key })) };
}

/** A comma-separated flag list (`ct state established,related`): one value, or a list. */
export function flagList(names: string[]): Expr {
  if (names.length === 1) return value(names[0]!);
  return { kind: 'list', items: names.map((n) => value(n)) };
}

// ---------------------------------------------------------------------------------------------
// Addresses

function isFamily(text: string, family: IpFamily): boolean {
  return family === 'ip' ? ipaddr.IPv4.isValidFourPartDecimal(text) : ipaddr.IPv6.isValid(text);
}

/** Whether a word is an address of the family (used to tell IPv6 files from IPv4 ones). */
export function isAddress(text: string, family: IpFamily): boolean {
  return isFamily(text, family);
}

/**
 * `10.0.0.1`, `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fe80::/ffff:ffff::`: a value, a prefix, or
 * (for a mask that is not a prefix) the address ANDed with the mask.
 */
export function parseAddress(
  w: Word,
  family: IpFamily,
  text = w.text,
): { expr: Expr; mask?: string } {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const what = family === 'ip' ? 'IPv4' : 'IPv6';
  if (!isFamily(addr, family)) {
    fail(
      ipaddr.isValid(addr)
        ? `${addr} is not an ${what} address (this is an ${family === 'ip' ? 'iptables' : 'ip6tables'} file)`
        : `bad address "${addr}" (host names are resolved by iptables when it loads a rule; write the address)`,
      w,
    );
  }
  const bits = family === 'ip' ? 32 : 128;
  if (slash < 0) return { expr: value(addr) };
  const m = text.slice(slash + 1);
  let maskBytes: number[];
  let len: number | undefined;
  if (/^\d+$/.test(m)) {
    len = Number(m);
    if (len > bits) fail(`bad prefix length /${m} (at most ${bits})`, w);
    maskBytes = Array.from({ length: bits / 8 }, (_, i) =>
      Math.max(0, Math.min(8, len! - i * 8)) === 0
        ? 0
        : (0xff << (8 - Math.min(8, len! - i * 8))) & 0xff,
    );
  } else if (isFamily(m, family)) {
    const parsed = ipaddr.parse(m);
    maskBytes = parsed.toByteArray();
    len = parsed.prefixLengthFromSubnetMask() ?? undefined;
  } else {
    fail(`bad mask "/${m}"`, w);
  }
  // iptables keeps only the address bits under the mask (iptables-save writes 10.0.0.0/8 for 10.1.2.3/8).
  const bytes = ipaddr.parse(addr).toByteArray();
  const net = ipaddr.fromByteArray(bytes.map((b, i) => b & (maskBytes[i] ?? 0))).toString();
  const netText = net === ipaddr.parse(addr).toString() ? addr : net;
  if (len === undefined) {
    // A mask with holes: iptables keeps it, nft writes it as `ip saddr & mask == addr`.
    return { expr: value(netText), mask: m };
  }
  if (len === bits) return { expr: value(netText) };
  return { expr: { kind: 'prefix', expr: value(netText), length: len } };
}

/** An address match on `left` (`ip saddr`, `ct original saddr`): value, prefix, or mask. */
export function addressMatch(
  left: Expr,
  w: Word,
  family: IpFamily,
  negated: boolean,
  span: Span,
): MatchStmt {
  const parts = w.text.split(',');
  if (parts.length > 1) {
    // `-s a,b` loads one rule per address; as one rule it is a set lookup.
    const items = parts.map((p) => {
      const r = parseAddress(w, family, p);
      if (r.mask) fail(`a list of addresses cannot use the mask /${r.mask}`, w);
      return r.expr;
    });
    return match(left, oneOrSet(items), negated, span);
  }
  const r = parseAddress(w, family);
  if (r.mask) {
    return match(binop('&', left, value(r.mask)), r.expr, negated, span, negated ? '!=' : '==');
  }
  return match(left, r.expr, negated, span);
}

/** `a-b` address range (iprange, DNAT/SNAT). */
export function parseAddressRange(w: Word, text: string, family: IpFamily): Expr {
  const dash = family === 'ip' ? text.indexOf('-') : text.indexOf('-');
  if (dash < 0) return parseAddress(w, family, text).expr;
  const low = text.slice(0, dash);
  const high = text.slice(dash + 1);
  for (const a of [low, high]) {
    if (!isFamily(a, family)) fail(`bad address "${a}" in range "${text}"`, w);
  }
  return { kind: 'range', low: value(low), high: value(high) };
}

// ---------------------------------------------------------------------------------------------
// Ports and numbers

function checkPort(p: string, w: Word): string {
  if (/^\d+$/.test(p)) {
    if (Number(p) > 65535) fail(`port ${p} is out of range (0-65535)`, w);
    return p;
  }
  if (/^[a-z][a-z0-9._-]*$/i.test(p)) return p; // a service name from /etc/services
  fail(`bad port "${p}"`, w);
}

/** `80`, `1024:65535`, `:1023`, `1024:` (and `a-b` which some writers use). */
export function parsePortRange(w: Word, text = w.text): Expr {
  const sep = text.includes(':') ? ':' : /^\d+-\d+$/.test(text) ? '-' : null;
  if (!sep) return value(checkPort(text, w));
  const [lo = '', hi = ''] = text.split(sep);
  const low = lo === '' ? '0' : checkPort(lo, w);
  const high = hi === '' ? '65535' : checkPort(hi, w);
  if (low === high) return value(low);
  // A backwards range (`60000:29`, which old iptables versions loaded) matches no port in
  // the kernel (min <= port && port <= max); the range keeps that meaning.
  return { kind: 'range', low: value(low), high: value(high) };
}

/** A number in iptables syntax (decimal or 0x hex), as a number. */
export function parseNumber(w: Word, text = w.text, max = 0xffffffff): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) fail(`bad number "${text}"`, w);
  const n = Number(text);
  if (n > max) fail(`${text} is out of range (at most ${max})`, w);
  return n;
}

/** `value[/mask]` (marks): numbers, mask defaulting to all ones. */
export function parseValueMask(w: Word): { value: number; mask?: number } {
  const [v = '', m] = w.text.split('/');
  const out: { value: number; mask?: number } = { value: parseNumber(w, v) };
  if (m !== undefined) out.mask = parseNumber(w, m);
  return out;
}

/** `a:b` or `a` for lengths, TTLs, expiry: value or range. */
export function parseNumberRange(w: Word, max: number): Expr {
  const [lo = '', hi] = w.text.split(':');
  const low = parseNumber(w, lo, max);
  if (hi === undefined) return value(String(low));
  const high = parseNumber(w, hi, max);
  if (low === high) return value(String(low));
  return { kind: 'range', low: value(String(low)), high: value(String(high)) };
}

/** `eth0`, `eth+` (any name starting with eth) → the name nft matches, `eth*`. */
export function interfaceName(w: Word): ValueExpr {
  const t = w.text;
  if (t.length === 0 || t.length > 15) fail(`bad interface name "${t}" (1 to 15 characters)`, w);
  if (t.endsWith('+')) return value(`${t.slice(0, -1)}*`, true);
  return value(t, true);
}
