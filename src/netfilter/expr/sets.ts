/**
 * Sets and maps at run time: anonymous `{ … }` literals and the table's named sets, with their
 * intervals, concatenations and the `*` catch-all element. As nft_lookup does, a lookup compares
 * the key's register bytes with each element; a concatenation matches part by part (each part
 * padded to 32-bit registers in the kernel, which does not change which elements match).
 *
 * Named sets keep a run-time element store (WeakMap per NamedSet), so `add @s { ip saddr }` in
 * one packet's walk is seen by the next lookups, as with the kernel's dynamic sets.
 */
import type { Expr, NamedSet, SetElement, Statement, TypeSpec } from '../../ruleset/model.ts';
import { printExpr } from '../../ruleset/printer.ts';
import {
  bytesToBigInt,
  compareBytes,
  type DataType,
  formatValue,
  type Interval,
  intBytes,
  integer,
  NotDecidable,
  parseLiteral,
  prefixInterval,
  type TypedValue,
  typeByName,
} from './datatypes.ts';
import { type EvalContext, exprTypes, type Key } from './values.ts';

export interface RuntimeElement {
  /** One interval per key part; `catchall` for `*`. */
  key: Interval[] | 'catchall';
  /** The mapped value, for maps (a verdict expression for vmaps). */
  data?: Expr;
  statements?: Statement[];
  /** The key as text, for effects and notes. */
  text: string;
}

export interface RuntimeSet {
  types: DataType[];
  elements: RuntimeElement[];
}

// ---------------------------------------------------------------------------------------------
// Element literals

/** A key part written in a set or on a match's right side → interval of the part's type. */
export function literalInterval(e: Expr, type: DataType): Interval {
  switch (e.kind) {
    case 'value':
      return parseLiteral(type, e.text, e.quoted);
    case 'prefix': {
      const base = literalInterval(e.expr, type);
      return prefixInterval(base.low, e.length, `${printExpr(e.expr)}/${e.length}`);
    }
    case 'range': {
      const low = literalInterval(e.low, type).low;
      const high = literalInterval(e.high, type).high;
      if (compareBytes(low, high) > 0)
        throw new NotDecidable('a range whose low end is above its high end');
      return { low, high };
    }
    case 'list': {
      // A bitmask written as a list inside an element (`ct state established,related`).
      const parts = e.items.map((i) => literalInterval(i, type).low);
      const out = new Uint8Array(type.size);
      for (const p of parts) for (let i = 0; i < out.length; i++) out[i]! |= p[i] ?? 0;
      return { low: out, high: out };
    }
    case 'binop': {
      // `{ syn | ack, fin }`: nft folds constant operations on integer and bitmask types.
      if (type.base !== 'integer' && type.base !== 'bitmask') break;
      const a = bytesToBigInt(literalInterval(e.left, type).low);
      const b = bytesToBigInt(
        literalInterval(e.right, e.op === '<<' || e.op === '>>' ? integer(32) : type).low,
      );
      const all = (1n << BigInt(type.size * 8)) - 1n;
      const r =
        e.op === '&'
          ? a & b
          : e.op === '|'
            ? a | b
            : e.op === '^'
              ? a ^ b
              : e.op === '<<'
                ? (a << b) & all
                : a >> b;
      const bytes = intBytes(r, type.size);
      return { low: bytes, high: bytes };
    }
    case 'variable':
      throw new NotDecidable(`$${e.name}: an unresolved variable`);
  }
  throw new NotDecidable(`a ${e.kind} expression where a constant ${type.name} is expected`);
}

/** A key expression of an element → intervals per key part. */
export function elementKey(key: Expr, types: DataType[]): Interval[] | 'catchall' {
  if (key.kind === 'symbol' && key.name === '*') return 'catchall';
  if (key.kind === 'value' && key.text === '*' && !key.quoted) return 'catchall';
  const parts = key.kind === 'concat' ? key.parts : [key];
  if (parts.length !== types.length) {
    throw new NotDecidable(
      `element ${printExpr(key)} has ${parts.length} part(s); the key has ${types.length}`,
    );
  }
  return parts.map((p, i) => literalInterval(p, types[i]!));
}

function parseElements(elements: SetElement[], types: DataType[]): RuntimeElement[] {
  return elements.map((el) => {
    const r: RuntimeElement = { key: elementKey(el.key, types), text: printExpr(el.key) };
    if (el.value) r.data = el.value;
    if (el.statements) r.statements = el.statements;
    return r;
  });
}

// ---------------------------------------------------------------------------------------------
// Stores

let anonymous = new WeakMap<Expr, RuntimeSet>();
let named = new WeakMap<NamedSet, RuntimeSet>();

/** Forget every element added at run time (a new simulation starts from the declared elements). */
export function resetSetStore(): void {
  anonymous = new WeakMap();
  named = new WeakMap();
}

/** The key types a named set declares (`type a . b` or `typeof x . y`), if nfwalk knows them all. */
export function declaredTypes(spec: TypeSpec, family: string): DataType[] | undefined {
  if (spec.form === 'type') {
    const out: DataType[] = [];
    for (const n of spec.names) {
      const t = typeByName(n);
      if (!t) return undefined;
      out.push(t);
    }
    return out;
  }
  const out: DataType[] = [];
  for (const e of spec.exprs) {
    const t = exprTypes(e, family);
    if (!t) return undefined;
    out.push(...t);
  }
  return out;
}

/** The run-time store of a named set, created from its declared elements on first use. */
export function namedSet(set: NamedSet, fallback: DataType[], family: string): RuntimeSet {
  let rs = named.get(set);
  if (!rs) {
    const types = declaredTypes(set.key, family) ?? fallback;
    rs = { types, elements: parseElements(set.elements, types) };
    named.set(set, rs);
  }
  return rs;
}

function resolveSet(
  ref: Expr,
  types: DataType[],
  ctx: EvalContext,
): { rs: RuntimeSet; decl?: NamedSet } {
  if (ref.kind === 'set') {
    let rs = anonymous.get(ref);
    if (!rs) {
      rs = { types, elements: parseElements(ref.elements, types) };
      anonymous.set(ref, rs);
    }
    return { rs };
  }
  if (ref.kind === 'setref') {
    const decl = ctx.env.set(ref.name);
    if (!decl) throw new NotDecidable(`@${ref.name}: no such set in table ${ctx.env.table.name}`);
    return { rs: namedSet(decl, types, ctx.env.family), decl };
  }
  if (ref.kind === 'variable') throw new NotDecidable(`$${ref.name}: an unresolved variable`);
  throw new NotDecidable(`a ${ref.kind} expression is not a set`);
}

function partMatches(iv: Interval, v: TypedValue): boolean {
  return compareBytes(iv.low, v.bytes) <= 0 && compareBytes(v.bytes, iv.high) <= 0;
}

function checkTypes(key: Key, rs: RuntimeSet, name: string): void {
  if (key.length !== rs.types.length) {
    throw new NotDecidable(
      `${name}: the key has ${key.length} part(s), the set ${rs.types.length}`,
    );
  }
  for (let i = 0; i < key.length; i++) {
    if (key[i]!.bytes.length !== rs.types[i]!.size) {
      throw new NotDecidable(
        `${name}: a ${key[i]!.type.name} key looked up in a set of ${rs.types[i]!.name}`,
      );
    }
  }
}

/**
 * A key part with unknown bits (`th dport` of an ICMP packet) against an interval: `certain`
 * when every value the unknown bits allow lies inside, `possible` when some may (judged on the
 * range from all unknown bits clear to all set: exact for a wholly unknown field, cautious
 * otherwise).
 */
function partMayMatch(iv: Interval, v: TypedValue): 'certain' | 'possible' | 'no' {
  if (!v.unknown) return partMatches(iv, v) ? 'certain' : 'no';
  const known = bytesToBigInt(v.bytes) & ~v.unknown;
  const min = known;
  const max = known | v.unknown;
  const low = bytesToBigInt(iv.low);
  const high = bytesToBigInt(iv.high);
  if (max < low || min > high) return 'no';
  return low <= min && max <= high ? 'certain' : 'possible';
}

/**
 * nft_lookup: the element whose key matches, else the catch-all element, else none. A key with
 * unknown bits is still decided when the known bits rule out every element (the catch-all or
 * nothing then), or when one element holds every possible value and no other could match.
 */
export function lookup(ref: Expr, key: Key, ctx: EvalContext): RuntimeElement | undefined {
  const { rs } = resolveSet(
    ref,
    key.map((k) => k.type),
    ctx,
  );
  checkTypes(key, rs, printExpr(ref));
  const unknown = key.find((k) => k.unknown);
  let catchall: RuntimeElement | undefined;
  let certain: RuntimeElement | undefined;
  let possible = 0;
  for (const el of rs.elements) {
    if (el.key === 'catchall') {
      catchall ??= el;
      continue;
    }
    const parts = el.key;
    if (!unknown) {
      if (parts.every((iv, i) => partMatches(iv, key[i]!))) return el;
      continue;
    }
    const m = parts.map((iv, i) => partMayMatch(iv, key[i]!));
    if (m.includes('no')) continue;
    possible++;
    if (m.every((x) => x === 'certain')) certain ??= el;
  }
  if (!unknown || possible === 0) return catchall;
  if (certain && possible === 1) return certain;
  throw new NotDecidable(unknown.unknownWhy ?? 'the key is not fully known');
}

export function keyText(key: Key): string {
  return key.map(formatValue).join(' . ');
}

/**
 * `add @s { key }`, `update @s { key }`, `delete @s { key }` (nft_dynset). Returns the element
 * (existing or new) whose attached statements then run, or undefined after a delete.
 */
export function dynset(
  op: 'add' | 'update' | 'delete',
  name: string,
  key: Key,
  ctx: EvalContext,
  data?: Expr,
): RuntimeElement | undefined {
  const decl = ctx.env.set(name);
  if (!decl) throw new NotDecidable(`@${name}: no such set in table ${ctx.env.table.name}`);
  const rs = namedSet(
    decl,
    key.map((k) => k.type),
    ctx.env.family,
  );
  checkTypes(key, rs, `@${name}`);
  const index = rs.elements.findIndex(
    (el) => el.key !== 'catchall' && el.key.every((iv, i) => partMatches(iv, key[i]!)),
  );
  if (op === 'delete') {
    if (index >= 0) rs.elements.splice(index, 1);
    return undefined;
  }
  if (index >= 0) {
    const found = rs.elements[index]!;
    // `update` refreshes the element (and its data, for maps); `add` leaves an existing one.
    if (op === 'update' && data) found.data = data;
    return found;
  }
  const el: RuntimeElement = {
    key: key.map((k) => ({ low: k.bytes, high: k.bytes })),
    text: keyText(key),
  };
  if (data) el.data = data;
  rs.elements.push(el);
  return el;
}

/** The key types a named set declares, when the lookup goes to one nfwalk can type. */
export function setKeyTypes(ref: Expr, ctx: EvalContext): DataType[] | undefined {
  if (ref.kind !== 'setref') return undefined;
  const decl = ctx.env.set(ref.name);
  return decl ? declaredTypes(decl.key, ctx.env.family) : undefined;
}

/** The data type of a named map, if declared with a type nfwalk knows. */
export function mapDataTypes(ref: Expr, ctx: EvalContext): DataType[] | undefined {
  if (ref.kind !== 'setref') return undefined;
  const decl = ctx.env.set(ref.name);
  if (!decl?.data) return undefined;
  return declaredTypes(decl.data, ctx.env.family);
}
