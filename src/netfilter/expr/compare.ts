/**
 * Match statements: `left op right`, as nft compiles them to nft_cmp, nft_range, nft_bitwise +
 * nft_cmp (flag tests, masks) and nft_lookup (sets). What `nft --debug=netlink` showed on nft
 * 1.0.6 (this machine):
 *
 * - `ct state established,related` → `(state & 0x6) != 0` (implicit op on a bitmask: flag test)
 * - `ct state established`         → `(state & 0x2) != 0`
 * - `ct state == established,related` → `state == 0x6`; `!= established,related` → `state != 0x6`
 * - `tcp flags syn / fin,syn,rst,ack` → `(flags & 0x17) == 0x2`
 * - `iifname "dock*"` → compare of the first 4 bytes only
 * - `tcp flags { syn, ack }` → set lookup (exact element match)
 */
import type { Expr, MatchStmt } from '../../ruleset/model.ts';
import { printExpr } from '../../ruleset/printer.ts';
import {
  bytesToBigInt,
  compareBytes,
  type DataType,
  type Interval,
  intBytes,
  NotDecidable,
  type TypedValue,
} from './datatypes.ts';
import { literalInterval, lookup, setKeyTypes } from './sets.ts';
import {
  BREAK,
  type Break,
  constantBig,
  type EvalContext,
  isConstant,
  type Key,
  loadKey,
  requireKnown,
} from './values.ts';

/** Evaluate a match: true (continue), false (NFT_BREAK). */
export function evalMatch(stmt: MatchStmt, ctx: EvalContext): boolean {
  const right = stmt.right;
  let left: Key | Break = loadKey(stmt.left, ctx, undefined, setKeyTypes(right, ctx));
  if (left === BREAK) return false;

  if (stmt.mask) {
    // `left value / mask`: (left & mask) op value.
    const v = single(left, 'the / mask form');
    const mask = constantBig(stmt.mask, v.type, ctx);
    const masked: TypedValue = {
      type: v.type,
      bytes: intBytes(bytesToBigInt(v.bytes) & mask, v.bytes.length),
    };
    if (v.unknown && (v.unknown & mask) !== 0n) {
      masked.unknown = v.unknown & mask;
      if (v.unknownWhy) masked.unknownWhy = v.unknownWhy;
    }
    left = [masked];
  }
  // A set lookup decides with unknown bits where it can (sets.ts lookup); the rest needs them.
  if (right.kind !== 'set' && right.kind !== 'setref') requireKnown(left);

  // exists / missing: a presence test (fib oif, tcp option …).
  if ((right.kind === 'symbol' && right.name !== '*') || isPresenceWord(right, left)) {
    const word = right.kind === 'symbol' ? right.name : (right as { text: string }).text;
    const v = single(left, word);
    const present = bytesToBigInt(v.bytes) !== 0n;
    const want = word === 'exists';
    return applyEq(stmt.op, present === want);
  }

  if (right.kind === 'set' || right.kind === 'setref') {
    if (stmt.op !== '==' && stmt.op !== '!=') {
      throw new NotDecidable(`${stmt.op} against a set is not valid nft`);
    }
    const found = lookup(right, left, ctx) !== undefined;
    return applyEq(stmt.op, found);
  }

  if (!isConstant(right)) {
    throw new NotDecidable(`the right-hand side ${printExpr(right)} is not a constant`);
  }

  const types = left.map((v) => v.type);
  if (left.length === 1) {
    const v = left[0]!;
    const type = v.type;
    // Implicit op on a bitmask type: the flag test (left & right) != 0.
    if (stmt.implicitOp && type.base === 'bitmask' && !stmt.mask && isFlagOperand(right)) {
      const mask = constantBig(right, type, ctx);
      return (bytesToBigInt(v.bytes) & mask) !== 0n;
    }
    if (right.kind === 'list' || right.kind === 'binop') {
      if (type.base !== 'bitmask' && right.kind === 'list') {
        // A comma list of a non-bitmask type is an anonymous set.
        const found = right.items.some((item) => inInterval(v, constantInterval(item, type)));
        if (stmt.op !== '==' && stmt.op !== '!=')
          throw new NotDecidable(`${stmt.op} against a list`);
        return applyEq(stmt.op, found);
      }
      const c = intBytes(constantBig(right, type, ctx), v.bytes.length);
      return relate(stmt.op, compareBytes(v.bytes, c));
    }
    const iv = constantInterval(right, type);
    return intervalOp(stmt.op, v, iv, printExpr(right));
  }

  // A concatenation compared with a concatenated constant: every part must match.
  if (right.kind !== 'concat' || right.parts.length !== left.length) {
    throw new NotDecidable(`${printExpr(right)} does not have the ${left.length} parts of the key`);
  }
  if (stmt.op !== '==' && stmt.op !== '!=') {
    throw new NotDecidable(`${stmt.op} on a concatenation is not modelled`);
  }
  const all = right.parts.every((p, i) => inInterval(left[i]!, constantInterval(p, types[i]!)));
  return applyEq(stmt.op, all);
}

/**
 * A literal's interval, parsed once per expression and type: a rule's constants do not change,
 * and parsing them again for every packet made a 50,000-rule chain cost 6 µs a rule
 * (ipaddr.js on each `ip daddr A`). Only the comparisons here read these intervals; nothing
 * writes them. Failures are not remembered (they throw again, as before).
 */
const constantIntervals = new WeakMap<Expr, { type: DataType; interval: Interval }>();

function constantInterval(e: Expr, type: DataType): Interval {
  const known = constantIntervals.get(e);
  if (known && known.type === type) return known.interval;
  const interval = literalInterval(e, type);
  constantIntervals.set(e, { type, interval });
  return interval;
}

function isPresenceWord(right: Expr, left: Key): boolean {
  return (
    right.kind === 'value' &&
    !right.quoted &&
    (right.text === 'exists' || right.text === 'missing') &&
    left.length === 1 &&
    left[0]!.type.name === 'boolean'
  );
}

function isFlagOperand(right: Expr): boolean {
  return right.kind === 'value' || right.kind === 'list' || right.kind === 'binop';
}

function single(key: Key, what: string): TypedValue {
  if (key.length !== 1) throw new NotDecidable(`${what} on a concatenation`);
  return key[0]!;
}

function applyEq(op: MatchStmt['op'], holds: boolean): boolean {
  if (op === '==') return holds;
  if (op === '!=') return !holds;
  throw new NotDecidable(`${op} is not valid here`);
}

function inInterval(v: TypedValue, iv: Interval): boolean {
  return compareBytes(iv.low, v.bytes) <= 0 && compareBytes(v.bytes, iv.high) <= 0;
}

function relate(op: MatchStmt['op'], c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
  }
}

/** A value, prefix, range or wildcard on the right: nft_cmp for a point, nft_range otherwise. */
function intervalOp(op: MatchStmt['op'], v: TypedValue, iv: Interval, text: string): boolean {
  const point = compareBytes(iv.low, iv.high) === 0;
  if (point) return relate(op, compareBytes(v.bytes, iv.low));
  if (op === '==' || op === '!=') return applyEq(op, inInterval(v, iv));
  throw new NotDecidable(`${op} ${text}: an ordered comparison with a range`);
}
