/**
 * Statements, as their kernel expressions act on the registers and the verdict: matches break
 * or continue, terminal statements set the verdict (nft_immediate, nft_nat, nft_reject), the
 * rest continue and leave an effect for the packet walk to carry out.
 */
import type {
  Expr,
  MangleStmt,
  MapExpr,
  NatStmt,
  OtherStmt,
  SetOpStmt,
  Statement,
  Verdict,
  VerdictKind,
  VmapStmt,
} from '../../ruleset/model.ts';
import { printExpr } from '../../ruleset/printer.ts';
import type { Effect } from '../env.ts';
import { evalMatch } from './compare.ts';
import {
  type DataType,
  formatValue,
  type Interval,
  intBytes,
  NotDecidable,
  parseLiteral,
  TYPES,
  type TypedValue,
} from './datatypes.ts';
import { evalFlowOffload } from './flow-offload.ts';
import {
  dynset,
  keyText,
  literalInterval,
  lookup,
  mapDataTypes,
  type RuntimeElement,
  setKeyTypes,
} from './sets.ts';
import {
  BREAK,
  type Break,
  constantBig,
  type EvalContext,
  evalKey,
  evalValue,
  exprTypes,
  isConstant,
  type Key,
  loadKey,
  payloadPresent,
} from './values.ts';

/** What one statement did: continue with the next, stop the rule (no match), or set a verdict. */
export type StmtResult = 'continue' | Break | Verdict;

export function evalStatement(stmt: Statement, ctx: EvalContext): StmtResult {
  switch (stmt.kind) {
    case 'match':
      return evalMatch(stmt, ctx) ? 'continue' : BREAK;
    case 'verdict':
      return stmt.verdict;
    case 'vmap':
      return evalVmap(stmt, ctx);
    case 'counter':
      ctx.effects.push({ kind: 'counter' });
      return 'continue';
    case 'log':
      ctx.effects.push({ kind: 'log', options: stmt.options });
      return 'continue';
    case 'notrack':
      ctx.effects.push({ kind: 'notrack' });
      return 'continue';
    case 'reject':
      // nft_reject sends the reply and sets NF_DROP.
      ctx.effects.push({ kind: 'reject', stmt });
      return { kind: 'drop' };
    case 'nat':
      return evalNat(stmt, ctx);
    case 'mangle':
      return evalMangle(stmt, ctx);
    case 'setop':
      return evalSetop(stmt, ctx);
    case 'other':
      return evalOther(stmt, ctx);
    case 'unsupported':
      throw new NotDecidable(`${stmt.what}: not modelled by nfwalk`);
  }
}

// ---------------------------------------------------------------------------------------------
// Verdict maps

const VERDICT_KINDS = new Set<VerdictKind>([
  'accept',
  'drop',
  'continue',
  'return',
  'jump',
  'goto',
  'queue',
]);

function verdictOf(data: Expr): Verdict {
  if (data.kind === 'verdict') return data.verdict;
  if (data.kind === 'value') {
    const [kind, target, ...rest] = data.text.trim().split(/\s+/);
    if (kind && VERDICT_KINDS.has(kind as VerdictKind) && rest.length === 0) {
      const needsTarget = kind === 'jump' || kind === 'goto';
      if (needsTarget === (target !== undefined)) {
        return target ? { kind: kind as VerdictKind, target } : { kind: kind as VerdictKind };
      }
    }
  }
  throw new NotDecidable(`${printExpr(data)} is not a verdict`);
}

function evalVmap(stmt: VmapStmt, ctx: EvalContext): StmtResult {
  // loadKey: a key with unknown bits is decided by the lookup where the elements allow it.
  const key = loadKey(stmt.key, ctx, undefined, setKeyTypes(stmt.map, ctx));
  if (key === BREAK) return BREAK;
  const el = lookup(stmt.map, key, ctx);
  // No element (and no catch-all): nft_lookup breaks, the rule does not match.
  if (!el) return BREAK;
  if (!el.data)
    throw new NotDecidable(`element ${el.text} of ${printExpr(stmt.map)} has no verdict`);
  return verdictOf(el.data);
}

// ---------------------------------------------------------------------------------------------
// Maps used as values

/** Look up `key map {…}`: the element found, or BREAK when none matches. */
function mapElement(e: MapExpr, ctx: EvalContext): { el: RuntimeElement; key: Key } | Break {
  const key = loadKey(e.key, ctx, undefined, setKeyTypes(e.map, ctx));
  if (key === BREAK) return BREAK;
  const el = lookup(e.map, key, ctx);
  if (!el?.data) return BREAK;
  return { el, key };
}

/** The data of a map element as intervals, one per expected type. */
function dataIntervals(data: Expr, types: DataType[]): Interval[] {
  const parts = data.kind === 'concat' ? data.parts : [data];
  if (parts.length !== types.length) {
    throw new NotDecidable(
      `map data ${printExpr(data)} has ${parts.length} part(s), expected ${types.length}`,
    );
  }
  return parts.map((p, i) => literalInterval(p, types[i]!));
}

/** The callback values.ts uses for `… map {…}` inside expressions. */
export function mapLookupValue(e: MapExpr, ctx: EvalContext, want?: DataType): Key | Break {
  const found = mapElement(e, ctx);
  if (found === BREAK) return BREAK;
  const types = mapDataTypes(e.map, ctx) ?? (want ? [want] : undefined);
  if (!types) throw new NotDecidable(`${printExpr(e.map)}: the map's data type is not known here`);
  const ivs = dataIntervals(found.el.data!, types);
  return ivs.map((iv, i) => ({ type: types[i]!, bytes: iv.low }));
}

// ---------------------------------------------------------------------------------------------
// NAT

function natAddrType(stmt: NatStmt, ctx: EvalContext): DataType {
  const fam =
    stmt.family ??
    (ctx.env.family === 'ip' || ctx.env.family === 'ip6' ? ctx.env.family : ctx.env.packet.family);
  return fam === 'ip6' ? TYPES.ipv6_addr : TYPES.ipv4_addr;
}

function fmtInterval(type: DataType, iv: Interval): { low: string; high: string } {
  return {
    low: formatValue({ type, bytes: iv.low }),
    high: formatValue({ type, bytes: iv.high }),
  };
}

function portRange(iv: Interval): { low: number; high: number } {
  const n = (b: Uint8Array) => ((b[0] ?? 0) << 8) | (b[1] ?? 0);
  return { low: n(iv.low), high: n(iv.high) };
}

/** An address or port operand: a constant, a map lookup, or an expression read from the packet. */
function natOperand(e: Expr, types: DataType[], ctx: EvalContext): Interval[] | Break {
  if (e.kind === 'map') {
    const found = mapElement(e, ctx);
    if (found === BREAK) return BREAK;
    return dataIntervals(found.el.data!, mapDataTypes(e.map, ctx) ?? types);
  }
  if (isConstant(e)) return dataIntervals(e, types);
  const key = evalKey(e, ctx, types[0]);
  if (key === BREAK) return BREAK;
  return key.map((v) => ({ low: v.bytes, high: v.bytes }));
}

function evalNat(stmt: NatStmt, ctx: EvalContext): StmtResult {
  const { env } = ctx;
  if (env.family === 'bridge' || env.family === 'netdev' || env.family === 'arp') {
    throw new NotDecidable(`${stmt.type} in a ${env.family} table is not modelled`);
  }
  const addrType = natAddrType(stmt, ctx);
  const effect: Extract<Effect, { kind: 'nat' }> = { kind: 'nat', stmt };
  if (stmt.addrPortMap) {
    if (!stmt.addr) throw new NotDecidable('an address-and-port map without a map');
    const ivs = natOperand(stmt.addr, [addrType, TYPES.inet_service], ctx);
    if (ivs === BREAK) return BREAK;
    if (ivs.length !== 2) throw new NotDecidable('the map does not give an address and a port');
    effect.addr = fmtInterval(addrType, ivs[0]!);
    effect.port = portRange(ivs[1]!);
  } else {
    if (stmt.addr) {
      const ivs = natOperand(stmt.addr, [addrType], ctx);
      if (ivs === BREAK) return BREAK;
      effect.addr = fmtInterval(addrType, ivs[0]!);
      // A named map whose data is `ADDR . inet_service` gives the port as well: nft reads the
      // map's data type and loads both proto registers (the parser cannot see a named map's
      // type, so `addrPortMap` is not set for `dnat ip to tcp dport map @m`).
      if (!stmt.port && stmt.addr.kind === 'map' && ivs.length === 2)
        effect.port = portRange(ivs[1]!);
    }
    if (stmt.port) {
      const ivs = natOperand(stmt.port, [TYPES.inet_service], ctx);
      if (ivs === BREAK) return BREAK;
      effect.port = portRange(ivs[0]!);
    }
  }
  if (env.family === 'inet' && stmt.family && stmt.family !== env.packet.family) {
    // nft_nat_inet_eval: a `dnat ip to …` on an IPv6 packet (or the reverse) does nothing and
    // the rule goes on (nft adds no nfproto dependency for a constant address). The operands
    // are loaded first (a map lookup that finds nothing breaks the rule before the nat
    // expression runs; measured: `dnat ip to tcp dport map @m` on an IPv6 packet).
    ctx.effects.push({
      kind: 'note',
      about: 'nat-family',
      text: `${stmt.type} ${stmt.family} does nothing to an ${env.packet.family === 'ip' ? 'IPv4' : 'IPv6'} packet; the rule continues`,
    });
    return 'continue';
  }
  ctx.effects.push(effect);
  // nft_nat_eval: the verdict is nf_nat_setup_info's, NF_ACCEPT.
  return { kind: 'accept' };
}

// ---------------------------------------------------------------------------------------------
// `… set …`

function targetText(e: Expr): string {
  switch (e.kind) {
    case 'meta':
      return `meta ${e.key}`;
    case 'ct':
      return `ct ${e.dir ? `${e.dir} ` : ''}${e.key}`;
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'raw':
      return `@${e.base},${e.offset},${e.length}`;
    default:
      return e.kind;
  }
}

function evalMangle(stmt: MangleStmt, ctx: EvalContext): StmtResult {
  const target = stmt.target;
  const name = targetText(target);
  const isMark = (target.kind === 'meta' || target.kind === 'ct') && target.key === 'mark';
  const type = exprTypes(target, ctx.env.family)?.[0];
  // `ip dscp set …` carries the same dependency as `ip dscp`: on an IPv6 packet the rule stops.
  if (target.kind === 'payload' && !payloadPresent(target, ctx.env.packet)) return BREAK;

  if (!type) {
    // Targets without a register datatype nfwalk models (`ct helper set "ftp"`, `ct zone`…): keep the text.
    if (stmt.value.kind === 'map') {
      const found = mapElement(stmt.value, ctx);
      if (found === BREAK) return BREAK;
      const data = found.el.data!;
      const text = data.kind === 'value' ? data.text : printExpr(data);
      ctx.effects.push({ kind: 'mangle', target: name, value: text });
      return 'continue';
    }
    if (!isConstant(stmt.value))
      throw new NotDecidable(`${name} set ${printExpr(stmt.value)}: not modelled`);
    const text = stmt.value.kind === 'value' ? stmt.value.text : printExpr(stmt.value);
    ctx.effects.push({ kind: 'mangle', target: name, value: text });
    return 'continue';
  }

  let value: TypedValue;
  if (stmt.value.kind === 'value') {
    value = { type, bytes: parseLiteral(type, stmt.value.text, stmt.value.quoted).low };
  } else if (isConstant(stmt.value) && (type.base === 'integer' || type.base === 'bitmask')) {
    value = { type, bytes: intBytes(constantBig(stmt.value, type, ctx), type.size) };
  } else {
    const v = evalValue(stmt.value, ctx, type);
    if (v === BREAK) return BREAK;
    value = { type, bytes: v.bytes.length === type.size ? v.bytes : resize(v.bytes, type.size) };
  }

  if (isMark) {
    const n = Number(value.bytes.reduce((acc, b) => acc * 256 + b, 0)) >>> 0;
    if (target.kind === 'meta') {
      ctx.env.meta.mark = n;
      ctx.effects.push({ kind: 'mark', target: 'meta mark', value: n });
    } else {
      // nft_ct_set_eval: without a conntrack entry the statement does nothing.
      const ct = ctx.env.ct;
      if (!ct || ct.state === 'invalid' || ct.state === 'untracked') return 'continue';
      ct.mark = n;
      ctx.effects.push({ kind: 'mark', target: 'ct mark', value: n });
    }
    return 'continue';
  }
  const text = formatValue(value);
  const asNumber = type.base === 'integer' && /^[0-9]+$/.test(text) ? Number(text) : text;
  ctx.effects.push({ kind: 'mangle', target: name, value: asNumber });
  return 'continue';
}

function resize(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const n = Math.min(size, bytes.length);
  out.set(bytes.subarray(bytes.length - n), size - n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dynamic sets

function evalSetop(stmt: SetOpStmt, ctx: EvalContext): StmtResult {
  const key = evalKey(
    stmt.key,
    ctx,
    undefined,
    setKeyTypes({ kind: 'setref', name: stmt.set }, ctx),
  );
  if (key === BREAK) return BREAK;
  let data: Expr | undefined;
  if (stmt.data) {
    // Map data computed from the packet is stored as the constant it evaluates to.
    if (isConstant(stmt.data)) data = stmt.data;
    else {
      const v = evalKey(stmt.data, ctx);
      if (v === BREAK) return BREAK;
      const parts: Expr[] = v.map((p) => ({ kind: 'value', text: formatValue(p) }));
      data = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
    }
  }
  const el = dynset(stmt.op, stmt.set, key, ctx, data);
  ctx.effects.push({ kind: 'setop', op: stmt.op, set: stmt.set, key: keyText(key) });
  if (!el) return 'continue';
  // nft_dynset runs the element's expressions (limit, counter…); a break ends the rule.
  for (const s of stmt.statements) {
    // `timeout 30s` / `expires …` are element options, not expressions: the first packets see no expiry.
    if (s.kind === 'other' && (s.keyword === 'timeout' || s.keyword === 'expires')) continue;
    const r = evalStatement(s, ctx);
    if (r === BREAK) return BREAK;
    if (r !== 'continue' && r.kind !== 'continue')
      throw new NotDecidable('a verdict inside a set element');
  }
  return 'continue';
}

// ---------------------------------------------------------------------------------------------
// Other statements

const NOT_MODELLED: Record<string, string> = {
  synproxy: 'SYN proxying is not modelled',
  tproxy: 'transparent proxying depends on local sockets',
  dup: 'duplicating packets is not modelled',
  fwd: 'forwarding from netdev is not modelled',
  flow: 'flow offload is not modelled',
  secmark: 'SELinux labels are not modelled',
  'meta secmark': 'SELinux labels are not modelled',
  'ct count': 'counting connections needs the other connections, which nfwalk does not track',
  xt: 'an iptables compat match (xt) is not modelled',
  meter: 'meters are not modelled',
  osf: 'OS fingerprints are not modelled',
};

/** The object a `limit name "x"` / `quota name "x"` statement refers to. */
function objectWords(stmt: OtherStmt, ctx: EvalContext): string[] {
  if (stmt.args[0] !== 'name' || stmt.args[1] === undefined) return stmt.args;
  if (stmt.args.length > 2) {
    throw new NotDecidable(
      `${stmt.keyword} name ${stmt.args.slice(1).join(' ')}: objects chosen by a map are not modelled`,
    );
  }
  const name = stmt.args[1].replace(/^"(.*)"$/, '$1');
  const obj = ctx.env.table.objects.find((o) => o.type === stmt.keyword && o.name === name);
  if (!obj)
    throw new NotDecidable(
      `${stmt.keyword} "${name}": no such object in table ${ctx.env.table.name}`,
    );
  return obj.body.flat();
}

function evalOther(stmt: OtherStmt, ctx: EvalContext): StmtResult {
  const kw = stmt.keyword;
  if (kw === 'limit' || kw === 'quota') {
    const words = objectWords(stmt, ctx);
    const over = words.includes('over');
    const what = `${kw} ${stmt.args.join(' ')}`;
    ctx.effects.push({
      kind: 'note',
      about: kw,
      over,
      text: over
        ? `${what}: nfwalk assumes the ${kw} is not exceeded (the first packets of a flow), so this "over" test does not match`
        : `${what}: nfwalk assumes the ${kw} is not exceeded (the first packets of a flow pass)`,
    });
    return over ? BREAK : 'continue';
  }
  if (kw === 'queue') {
    return { kind: 'queue' };
  }
  if (kw === 'flow add' || kw === 'flow offload') return evalFlowOffload(stmt, ctx);
  if (kw === 'counter') {
    ctx.effects.push({ kind: 'counter' });
    return 'continue';
  }
  const reason = NOT_MODELLED[kw] ?? `the ${kw} statement is not modelled by nfwalk`;
  throw new NotDecidable(`${kw}: ${reason}`);
}
