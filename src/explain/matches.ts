/**
 * Why a matched rule matched: each match statement of the rule, stated as a fact about the
 * packet and the host ("the destination address 10.254.10.252 is local: lo 127.0.0.1, …").
 * The facts come from the packet as the chain saw it (the trace's `enter` event), the
 * scenario and the packet's conntrack state; a statement nfwalk cannot put into words is
 * quoted as written.
 */

import type { PacketView } from '../netfilter/trace.ts';
import type { Expr, MatchStmt, NamedSet, Rule, Statement } from '../ruleset/model.ts';
import { printExpr, printStatement } from '../ruleset/printer.ts';
import { TCP_FLAG_BITS } from '../ruleset/tcp-flags.ts';
import type { Scenario } from '../scenario/model.ts';
import { familyOf, inPrefix, localAddresses, sameAddress } from './facts.ts';
import type { Messages } from './i18n/messages.ts';
import type { Phrase } from './phrase.ts';

export interface MatchContext {
  scenario: Scenario;
  packet: PacketView;
  /** The packet's conntrack state and status as the simulator reported them. */
  ct: { state?: string; status: string[] };
  /**
   * What the packet is beyond its addresses and ports, when the page knows it: nfwalk's
   * packets are the first of their kind (a ping's echo request and echo reply, a TCP SYN and
   * SYN-ACK, the ICMP error or RST a reject sends).
   */
  icmpType?: string;
  tcpFlags?: string[];
  /** The packet's mark (skb->mark) as the chain saw it, when the trace says. */
  mark?: number;
  /** The named sets of the rule's table (`@name` lookups). */
  sets?: NamedSet[];
}

function flagList(e: Expr): string[] | undefined {
  const items = e.kind === 'list' ? e.items : e.kind === 'set' ? e.elements.map((x) => x.key) : [e];
  const out = items.map((x) => (x.kind === 'value' ? x.text : undefined));
  return out.every((x): x is string => x !== undefined && Object.hasOwn(TCP_FLAG_BITS, x))
    ? out
    : undefined;
}

/** `tcp flags syn / fin,syn,rst`: whether (flags & mask) == value for the packet's flags. */
function tcpFlagsTest(m: MatchStmt, flags: string[]): boolean | undefined {
  if (m.left.kind !== 'payload' || m.left.protocol !== 'tcp' || m.left.field !== 'flags')
    return undefined;
  const want = flagList(m.right);
  if (!want) return undefined;
  if (m.mask) {
    const mask = flagList(m.mask);
    if (!mask) return undefined;
    const masked = flags.filter((f) => mask.includes(f)).sort();
    const eq = masked.join(',') === [...new Set(want)].sort().join(',');
    return m.op === '!=' ? !eq : m.op === '==' ? eq : undefined;
  }
  // `tcp flags syn` (implicit: any of the listed flags set), `tcp flags == syn` (exactly).
  if (m.implicitOp) return want.some((f) => flags.includes(f));
  const eq = [...flags].sort().join(',') === [...new Set(want)].sort().join(',');
  return m.op === '==' ? eq : m.op === '!=' ? !eq : undefined;
}

function markNumber(e: Expr): number | undefined {
  if (e.kind !== 'value') return undefined;
  const t = e.text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t, 16);
  if (/^\d+$/.test(t)) return Number(t);
  return undefined;
}

/** `meta mark X`, `meta mark != X`, `meta mark & M == V`: whether it holds for `mark`. */
function markTest(m: MatchStmt, mark: number): boolean | undefined {
  let left = m.left;
  let mask = 0xffffffff;
  if (left.kind === 'binop' && left.op === '&') {
    const mk = markNumber(left.right);
    if (mk === undefined) return undefined;
    mask = mk;
    left = left.left;
  }
  if (left.kind !== 'meta' || left.key !== 'mark' || m.mask) return undefined;
  const want = markNumber(m.right);
  if (want === undefined) return undefined;
  const eq = (mark & mask) >>> 0 === want >>> 0;
  return m.op === '==' ? eq : m.op === '!=' ? !eq : undefined;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The packet's value for one part of a set key, as text, and whether it is an address. */
function keyPart(e: Expr, p: PacketView): { value: string; addr: boolean } | undefined {
  if (e.kind === 'payload') {
    if (
      (e.protocol === 'ip' || e.protocol === 'ip6') &&
      (e.field === 'saddr' || e.field === 'daddr')
    )
      return { value: e.field === 'saddr' ? p.saddr : p.daddr, addr: true };
    if (
      ['tcp', 'udp', 'th', 'sctp'].includes(e.protocol) &&
      (e.field === 'dport' || e.field === 'sport')
    ) {
      if (e.protocol !== 'th' && e.protocol !== p.protocol) return undefined;
      const port = e.field === 'dport' ? p.dport : p.sport;
      return port === null ? undefined : { value: String(port), addr: false };
    }
  }
  if (e.kind === 'meta' && (e.key === 'l4proto' || e.key === 'protocol'))
    return { value: p.protocol, addr: false };
  if (e.kind === 'meta' && (e.key === 'iifname' || e.key === 'oifname')) {
    const v = e.key === 'iifname' ? p.iif : p.oif;
    return v === null ? undefined : { value: v, addr: false };
  }
  return undefined;
}

/** Whether one element part holds the packet's value; undefined when nfwalk cannot say. */
function partHolds(el: Expr, v: { value: string; addr: boolean }): boolean | undefined {
  if (el.kind === 'value') {
    const t = unquote(el.text);
    if (v.addr) return sameAddress(v.value, t);
    if (t.endsWith('*')) return v.value.startsWith(t.slice(0, -1));
    if (/^\d+$/.test(t) && /^\d+$/.test(v.value)) return Number(t) === Number(v.value);
    if (/^\d+$/.test(t) !== /^\d+$/.test(v.value)) return undefined;
    return t === v.value;
  }
  if (el.kind === 'prefix' && el.expr.kind === 'value' && v.addr)
    return inPrefix(v.value, `${el.expr.text}/${el.length}`);
  if (el.kind === 'range' && el.low.kind === 'value' && el.high.kind === 'value' && !v.addr) {
    const n = Number(v.value);
    if (!/^\d+$/.test(el.low.text) || !/^\d+$/.test(el.high.text)) return undefined;
    return n >= Number(el.low.text) && n <= Number(el.high.text);
  }
  return undefined;
}

/** The element of a set (anonymous or named) that holds the packet's key, or why not. */
function setLookup(
  m: MatchStmt,
  ctx: MatchContext,
): { name: string; element?: string; decided: boolean } | undefined {
  const named =
    m.right.kind === 'setref'
      ? ctx.sets?.find((x) => x.name === (m.right as { name: string }).name)
      : undefined;
  if (m.right.kind === 'setref' && !named) return undefined;
  if (named && named.kind !== 'set') return undefined;
  const elements = named ? named.elements : m.right.kind === 'set' ? m.right.elements : undefined;
  if (!elements) return undefined;
  const parts = m.left.kind === 'concat' ? m.left.parts : [m.left];
  const values = parts.map((x) => keyPart(x, ctx.packet));
  if (!values.every((x) => x !== undefined)) return undefined;
  for (const el of elements) {
    const keyParts = el.key.kind === 'concat' ? el.key.parts : [el.key];
    if (keyParts.length !== values.length) return undefined;
    const hits = keyParts.map((k, i) => partHolds(k, values[i]!));
    if (hits.some((h) => h === undefined)) return undefined;
    if (hits.every(Boolean))
      return {
        name: named ? `@${named.name}` : printExpr(m.right),
        element: printExpr(el.key),
        decided: true,
      };
  }
  return { name: named ? `@${named.name}` : printExpr(m.right), decided: true };
}

export function statementText(s: Statement): string {
  if (s.text) return s.text;
  // `==` goes unsaid, as nft lists it.
  if (s.kind === 'match') return printStatement(s.op === '==' ? { ...s, implicitOp: true } : s);
  return s.kind;
}

function valueTexts(e: Expr): string[] {
  if (e.kind === 'set') return e.elements.map((x) => printExpr(x.key));
  if (e.kind === 'list') return e.items.map((x) => printExpr(x));
  return [printExpr(e)];
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function isSingle(e: Expr): boolean {
  return e.kind === 'value';
}

/** A statement that is theirs but has no wording: the caller says nothing more of it. */
const UNSAID = Symbol('unsaid');
type Said = Phrase | typeof UNSAID | undefined;

/** `fib daddr type local`: the address is (not) one of the host's. */
function reasonFib(m: MatchStmt, ctx: MatchContext, msg: Messages): Said {
  const { left, right, op } = m;
  if (left.kind !== 'fib' || left.result !== 'type') return undefined;
  const addrFlag = left.flags.includes('daddr')
    ? 'daddr'
    : left.flags.includes('saddr')
      ? 'saddr'
      : undefined;
  if (!addrFlag) return UNSAID;
  const addr = addrFlag === 'daddr' ? ctx.packet.daddr : ctx.packet.saddr;
  const types = valueTexts(right);
  const locals = localAddresses(ctx.scenario, familyOf(addr)).map((l) => ({
    iface: l.iface,
    address: l.address,
  }));
  if (types.length === 1 && types[0] === 'local') {
    return op === '!='
      ? msg.reasonNotLocal(addrFlag, addr, locals)
      : msg.reasonLocal(addrFlag, addr, locals);
  }
  return msg.reasonGeneric(statementText(m));
}

/** Interfaces, the layer 4 protocol, the family. */
function reasonMeta(m: MatchStmt, ctx: MatchContext, msg: Messages): Said {
  const { left, right, op } = m;
  if (left.kind !== 'meta') return undefined;
  const neg = op === '!=';
  const p = ctx.packet;
  const key = left.key;
  if (key === 'iifname' || key === 'oifname' || key === 'iif' || key === 'oif') {
    const dir = key.startsWith('i') ? 'in' : 'out';
    const actual = dir === 'in' ? p.iif : p.oif;
    if (actual === null) return neg ? msg.reasonNoIface(dir) : UNSAID;
    const values = valueTexts(right).map(unquote);
    if (neg) return msg.reasonIfaceNot(dir, actual, values);
    return isSingle(right) ? msg.reasonIface(dir, actual) : msg.reasonIfaceIn(dir, actual, values);
  }
  if (key === 'l4proto' || key === 'protocol') {
    return neg ? msg.reasonProtoNot(p.protocol, valueTexts(right)) : msg.reasonProto(p.protocol);
  }
  if (key === 'nfproto') return msg.reasonFamily(valueTexts(right).join(', '));
  return undefined;
}

/** Addresses, the protocol field, ports. */
function reasonPayload(m: MatchStmt, ctx: MatchContext, msg: Messages): Said {
  const { left, right, op } = m;
  if (left.kind !== 'payload') return undefined;
  const neg = op === '!=';
  const p = ctx.packet;
  const rightText = printExpr(right);
  const f = left.field;
  if ((left.protocol === 'ip' || left.protocol === 'ip6') && (f === 'saddr' || f === 'daddr')) {
    const addr = f === 'saddr' ? p.saddr : p.daddr;
    if (neg) return msg.reasonAddrNot(f, addr, rightText);
    if (right.kind === 'value') return msg.reasonAddr(f, addr);
    return msg.reasonAddrIn(f, addr, rightText);
  }
  if (
    (left.protocol === 'ip' && f === 'protocol') ||
    (left.protocol === 'ip6' && f === 'nexthdr')
  ) {
    return neg ? msg.reasonProtoNot(p.protocol, valueTexts(right)) : msg.reasonProto(p.protocol);
  }
  if (
    (f === 'dport' || f === 'sport') &&
    ['tcp', 'udp', 'th', 'sctp', 'udplite', 'dccp'].includes(left.protocol)
  ) {
    const port = f === 'dport' ? p.dport : p.sport;
    if (port === null) return UNSAID;
    if (neg) return msg.reasonPortNot(f, port, rightText);
    if (right.kind === 'value') return msg.reasonPort(f, port);
    return msg.reasonPortIn(f, port, rightText);
  }
  return undefined;
}

/** What the page knows of the packet beyond its tuple: ICMP type, TCP flags, mark, sets. */
function reasonPacketFacts(m: MatchStmt, ctx: MatchContext, msg: Messages): Said {
  const { left, right, op } = m;
  const neg = op === '!=';
  if (
    left.kind === 'payload' &&
    (left.protocol === 'icmp' || left.protocol === 'icmpv6') &&
    left.field === 'type' &&
    ctx.icmpType &&
    !m.mask
  ) {
    const values = valueTexts(right);
    const inSet = values.includes(ctx.icmpType);
    if (inSet !== neg)
      return msg.reasonIcmpType(ctx.icmpType, values.length > 1 ? values : undefined, neg);
  }
  if (
    left.kind === 'payload' &&
    left.protocol === 'tcp' &&
    left.field === 'flags' &&
    ctx.tcpFlags
  ) {
    if (tcpFlagsTest(m, ctx.tcpFlags) === true) return msg.reasonTcpFlags(ctx.tcpFlags);
  }
  if (ctx.mark !== undefined && markTest(m, ctx.mark) === true)
    return msg.reasonMark(hex(ctx.mark));
  if (!neg && (right.kind === 'setref' || (right.kind === 'set' && left.kind === 'concat'))) {
    const hit = setLookup(m, ctx);
    if (hit?.element) return msg.reasonSetElement(hit.name, hit.element);
  }
  return undefined;
}

/** The connection's state and status. */
function reasonCt(m: MatchStmt, ctx: MatchContext, msg: Messages): Said {
  const { left, right, op } = m;
  if (left.kind !== 'ct') return undefined;
  const neg = op === '!=';
  if (left.key === 'state' && !ctx.ct.state && !neg) {
    // The trace did not say; the rule matching says the state is one of these.
    const values = valueTexts(right);
    return values.length === 1 ? msg.reasonCtState(values[0]!) : msg.reasonCtStateOneOf(values);
  }
  if (left.key === 'state' && ctx.ct.state) {
    return neg
      ? msg.reasonCtStateNot(ctx.ct.state, valueTexts(right))
      : msg.reasonCtState(ctx.ct.state);
  }
  if (left.key === 'status') {
    const wanted = valueTexts(right);
    const have = wanted.filter((w) => ctx.ct.status.includes(w));
    if (!neg && have.length > 0) return msg.reasonCtStatus(have);
  }
  return undefined;
}

/** The reason one match statement held, or undefined when no fact-based wording applies. */
function reason(m: MatchStmt, ctx: MatchContext, msg: Messages): Phrase | undefined {
  const said =
    reasonFib(m, ctx, msg) ??
    reasonMeta(m, ctx, msg) ??
    reasonPayload(m, ctx, msg) ??
    reasonPacketFacts(m, ctx, msg) ??
    reasonCt(m, ctx, msg);
  return said === UNSAID ? undefined : said;
}

/** Every match statement of the rule, each with the fact that made it true. */
export function matchReasons(rule: Rule, ctx: MatchContext, msg: Messages): Phrase[] {
  const out: Phrase[] = [];
  for (const s of rule.statements) {
    if (s.kind !== 'match') continue;
    out.push(reason(s, ctx, msg) ?? msg.reasonGeneric(statementText(s)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Why a rule did not match: the first match statement that is plainly false for this packet.

function numbers(e: Expr): { low: number; high: number }[] | undefined {
  const one = (x: Expr): { low: number; high: number } | undefined => {
    if (x.kind === 'value' && /^\d+$/.test(x.text))
      return { low: Number(x.text), high: Number(x.text) };
    if (x.kind === 'range') {
      const lo = one(x.low);
      const hi = one(x.high);
      return lo && hi ? { low: lo.low, high: hi.high } : undefined;
    }
    return undefined;
  };
  const items = e.kind === 'set' ? e.elements.map((x) => x.key) : e.kind === 'list' ? e.items : [e];
  const out = items.map(one);
  return out.every((x) => x !== undefined) ? (out as { low: number; high: number }[]) : undefined;
}

function names(e: Expr): string[] | undefined {
  const items = e.kind === 'set' ? e.elements.map((x) => x.key) : e.kind === 'list' ? e.items : [e];
  if (!items.every((x) => x.kind === 'value')) return undefined;
  return items.map((x) => unquote(printExpr(x)));
}

function ifMatches(actual: string, pattern: string): boolean {
  return pattern.endsWith('*') ? actual.startsWith(pattern.slice(0, -1)) : actual === pattern;
}

type Decision = { holds: boolean; fact: Phrase };
/** A decision, UNSAID when the statement is this helper's but cannot be decided, else undefined. */
type Decided = Decision | typeof UNSAID | undefined;

/** `inSet` is whether the value is among the statement's; `!=` turns it round. */
function result(m: MatchStmt, inSet: boolean, fact: Phrase): Decision {
  return { holds: m.op === '!=' ? !inSet : inSet, fact };
}

/** ICMP types and set lookups. */
function decideLookup(m: MatchStmt, ctx: MatchContext, msg: Messages): Decided {
  const { left, right } = m;
  const p = ctx.packet;
  if (
    left.kind === 'payload' &&
    (left.protocol === 'icmp' || left.protocol === 'icmpv6') &&
    left.field === 'type'
  ) {
    const icmpProto = left.protocol === 'icmp' ? 'icmp' : 'ipv6-icmp';
    if (p.protocol && p.protocol !== icmpProto && p.protocol !== left.protocol)
      return { holds: false, fact: msg.reasonProto(p.protocol) };
    const values = names(right);
    if (!ctx.icmpType || !values) return UNSAID;
    return result(
      m,
      values.includes(ctx.icmpType),
      msg.reasonIcmpType(ctx.icmpType, undefined, false),
    );
  }
  if (right.kind === 'setref' || (right.kind === 'set' && left.kind === 'concat')) {
    const hit = setLookup(m, ctx);
    if (!hit?.decided) return UNSAID;
    return result(
      m,
      hit.element !== undefined,
      hit.element ? msg.reasonSetElement(hit.name, hit.element) : msg.reasonSetNoElement(hit.name),
    );
  }
  return undefined;
}

/** Interface names and the layer 4 protocol. */
function decideMeta(m: MatchStmt, ctx: MatchContext, msg: Messages): Decided {
  const { left, right } = m;
  if (left.kind !== 'meta') return undefined;
  const p = ctx.packet;
  if (['iifname', 'oifname'].includes(left.key)) {
    const dir = left.key === 'iifname' ? 'in' : 'out';
    const actual = dir === 'in' ? p.iif : p.oif;
    const values = names(right);
    if (actual === null || !values) return UNSAID;
    return result(
      m,
      values.some((v) => ifMatches(actual, v)),
      msg.reasonIface(dir, actual),
    );
  }
  if (left.key === 'l4proto') {
    const values = names(right);
    if (!values || !p.protocol) return UNSAID;
    return result(m, values.includes(p.protocol), msg.reasonProto(p.protocol));
  }
  return undefined;
}

/** The transport protocol a port match implies, ports, addresses. */
function decidePayload(m: MatchStmt, ctx: MatchContext, msg: Messages): Decided {
  const { left, right } = m;
  if (left.kind !== 'payload') return undefined;
  const p = ctx.packet;
  if (['tcp', 'udp'].includes(left.protocol) && p.protocol && p.protocol !== left.protocol) {
    // `udp dport 53` also requires the packet to be udp.
    return { holds: false, fact: msg.reasonProto(p.protocol) };
  }
  if (
    ['tcp', 'udp', 'th'].includes(left.protocol) &&
    (left.field === 'dport' || left.field === 'sport')
  ) {
    const port = left.field === 'dport' ? p.dport : p.sport;
    const ranges = numbers(right);
    if (port === null || !ranges) return UNSAID;
    return result(
      m,
      ranges.some((r) => port >= r.low && port <= r.high),
      msg.reasonPort(left.field, port),
    );
  }
  if (
    (left.protocol === 'ip' || left.protocol === 'ip6') &&
    (left.field === 'saddr' || left.field === 'daddr')
  ) {
    const addr = left.field === 'saddr' ? p.saddr : p.daddr;
    const items = right.kind === 'set' ? right.elements.map((x) => x.key) : [right];
    const hits: boolean[] = [];
    for (const x of items) {
      if (x.kind === 'value') hits.push(sameAddress(addr, x.text));
      else if (x.kind === 'prefix' && x.expr.kind === 'value')
        hits.push(inPrefix(addr, `${x.expr.text}/${x.length}`));
      else return UNSAID;
    }
    return result(m, hits.some(Boolean), msg.reasonAddr(left.field, addr));
  }
  return undefined;
}

/** The connection's state, and `fib … type local`. */
function decideHost(m: MatchStmt, ctx: MatchContext, msg: Messages): Decided {
  const { left, right } = m;
  const p = ctx.packet;
  if (left.kind === 'ct' && left.key === 'state' && ctx.ct.state && !left.dir) {
    const values = names(right);
    if (!values) return UNSAID;
    return result(m, values.includes(ctx.ct.state), msg.reasonCtState(ctx.ct.state));
  }
  if (
    left.kind === 'fib' &&
    left.result === 'type' &&
    (left.flags.includes('daddr') || left.flags.includes('saddr')) &&
    left.flags.length === 1
  ) {
    const values = names(right);
    if (values?.length !== 1 || values[0] !== 'local') return UNSAID;
    const field = left.flags[0] === 'daddr' ? 'daddr' : 'saddr';
    const addr = field === 'daddr' ? p.daddr : p.saddr;
    const locals = localAddresses(ctx.scenario, familyOf(addr));
    const isLocal = locals.some((l) => sameAddress(l.address, addr));
    return result(
      m,
      isLocal,
      isLocal ? msg.reasonLocal(field, addr, locals) : msg.reasonNotLocal(field, addr, locals),
    );
  }
  return undefined;
}

/** Whether the statement is decidably true or false for the packet, with the fact that decides it. */
function decide(m: MatchStmt, ctx: MatchContext, msg: Messages): Decision | undefined {
  const { left, op } = m;
  if (op !== '==' && op !== '!=') return undefined;
  if (left.kind === 'payload' && left.protocol === 'tcp' && left.field === 'flags') {
    const t =
      ctx.tcpFlags && ctx.packet.protocol === 'tcp' ? tcpFlagsTest(m, ctx.tcpFlags) : undefined;
    return t === undefined ? undefined : { holds: t, fact: msg.reasonTcpFlags(ctx.tcpFlags!) };
  }
  if (ctx.mark !== undefined) {
    const t = markTest(m, ctx.mark);
    if (t !== undefined) return { holds: t, fact: msg.reasonMark(hex(ctx.mark)) };
  }
  if (m.mask) return undefined;
  const d =
    decideLookup(m, ctx, msg) ??
    decideMeta(m, ctx, msg) ??
    decidePayload(m, ctx, msg) ??
    decideHost(m, ctx, msg);
  return d === UNSAID ? undefined : d;
}

/** The first statement of a rule that plainly fails for this packet, or undefined when nfwalk cannot say in words. */
export function whyNot(
  rule: Rule,
  ctx: MatchContext,
  msg: Messages,
): { stmt: string; fact: Phrase } | undefined {
  for (const s of rule.statements) {
    if (s.kind !== 'match') continue;
    const d = decide(s, ctx, msg);
    if (!d) return undefined; // an undecided statement before: the failing one may be earlier
    if (!d.holds) return { stmt: statementText(s), fact: d.fact };
  }
  return undefined;
}
