/**
 * numgen and hash expressions (nft_numgen, nft_hash), made deterministic: `numgen inc` counts
 * per rule as the kernel does, `jhash` with a seed is the kernel's jhash() and gives the same
 * values, and what the kernel draws at random is drawn from the scenario's seed, with a note.
 */
import type { Expr, HashExpr, NumgenExpr } from '../../ruleset/model.ts';
import { BREAK, type Break, type EvalContext, type Key, note } from './context.ts';
import { intBytes, integer, NotDecidable, type TypedValue } from './datatypes.ts';

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

export function evalNumgen(e: NumgenExpr, ctx: EvalContext): TypedValue {
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
      'numgen',
    );
  } else {
    const draw = randomDraws.get(e) ?? 0;
    randomDraws.set(e, draw + 1);
    v = reciprocalScale(seededRandom(ctx.env.seed, draw), e.mod);
    note(
      ctx,
      `numgen random mod ${e.mod}: drew ${v} from the scenario's seed ${ctx.env.seed} (the kernel draws at random)`,
      'numgen',
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

/** nft_jhash / nft_symhash; `load` evaluates the hashed expression. */
export function evalHash(
  e: HashExpr,
  ctx: EvalContext,
  load: (e: Expr, ctx: EvalContext) => Key | Break,
): TypedValue | Break {
  if (e.mod <= 0) throw new NotDecidable(`${e.fn}: modulus must be positive`);
  let h: number;
  if (e.fn === 'jhash') {
    if (!e.expr) throw new NotDecidable('jhash without an expression');
    const key = load(e.expr, ctx);
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
        'jhash',
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
      'symhash',
    );
  }
  return { type: integer(32), bytes: intBytes(h + (e.offset ?? 0), 4) };
}
