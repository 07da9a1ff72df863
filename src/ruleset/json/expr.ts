/**
 * libnftables JSON expressions (libnftables-json(5), EXPRESSIONS) into model expressions.
 * Immediates take their printed form from the datatype of what they are compared with or
 * assigned to (`want`), so that `16` next to `meta mark` becomes `0x00000010` as nft lists it.
 */

import type {
  BinopExpr,
  Expr,
  KeyedExpr,
  PayloadExpr,
  SetElement,
  Span,
  Statement,
  Verdict,
  VerdictKind,
} from '../model.ts';
import {
  asArray,
  asObject,
  describeNode,
  intRaw,
  num,
  oneOf,
  optional,
  optNum,
  optStr,
  reqStr,
  required,
  single,
  str,
  strList,
} from './access.ts';
import { SchemaError } from './errors.ts';
import type { JsonNode, JsonObject } from './tree.ts';
import {
  formatDuration,
  formatNumber,
  PLAIN,
  partType,
  quotesString,
  typeOf,
  type ValueType,
} from './valuetype.ts';

/** What the expression reader needs from its caller. */
export interface ExprContext {
  /** Reads statements attached to set elements (`counter`, `limit` in an `elem`). */
  readStatement(n: JsonNode): Statement;
}

const BINOPS = ['&', '|', '^', '<<', '>>'] as const;
const VERDICTS: readonly VerdictKind[] = [
  'accept',
  'drop',
  'continue',
  'return',
  'jump',
  'goto',
  'queue',
];

export function isVerdictKey(key: string): key is VerdictKind {
  return (VERDICTS as readonly string[]).includes(key);
}

export function readVerdict(key: VerdictKind, value: JsonNode): Verdict {
  if (key === 'jump' || key === 'goto') {
    const o = asObject(value, `"${key}"`);
    return { kind: key, target: reqStr(o, 'target', `"${key}"`) };
  }
  if (value.type !== 'null' && !(value.type === 'object' && value.members.length === 0))
    throw new SchemaError(`"${key}": null was expected, not ${describeNode(value)}`, value.span);
  return { kind: key };
}

/** An immediate value (string, number, boolean) printed for datatype `want`. */
function immediate(n: JsonNode, want: ValueType): Expr {
  const span = n.span;
  if (n.type === 'string') {
    const s = n.value as string;
    if (s.startsWith('@')) {
      if (s.length === 1) throw new SchemaError('"@": a set name must follow the @', span);
      return { kind: 'setref', name: s.slice(1), span };
    }
    if (s === '*') return { kind: 'symbol', name: '*', span };
    if (want.fmt === 'time' && /^[0-9]+$/.test(s))
      return { kind: 'value', text: formatNumber(s, want), span };
    return quotesString(s, want)
      ? { kind: 'value', text: s, quoted: true, span }
      : { kind: 'value', text: s, span };
  }
  if (n.type === 'number') {
    const raw = n.raw ?? String(n.value);
    return { kind: 'value', text: formatNumber(raw, want), span };
  }
  if (n.type === 'boolean') return { kind: 'value', text: n.value ? 'exists' : 'missing', span };
  throw new SchemaError(`an expression was expected, not ${describeNode(n)}`, span);
}

export class ExprReader {
  private readonly ctx: ExprContext;
  constructor(ctx: ExprContext) {
    this.ctx = ctx;
  }

  /** Reads an expression; `want` is the datatype its immediates print as. */
  read(n: JsonNode, want: ValueType = PLAIN): Expr {
    if (n.type === 'array') {
      const items = n.items.map((i) => this.read(i, want));
      return { kind: 'list', items, span: n.span };
    }
    if (n.type !== 'object') return immediate(n, want);
    const { key, value } = single(n, 'expression');
    const span = n.span;
    const what = `"${key}" expression`;
    switch (key) {
      case 'payload':
        return this.payload(asObject(value, what), span);
      case 'meta': {
        const o = asObject(value, what);
        const k = reqStr(o, 'key', what);
        const short = ['iif', 'oif', 'iifname', 'oifname', 'iifgroup', 'oifgroup'].includes(k);
        return short ? { kind: 'meta', key: k, short: true, span } : { kind: 'meta', key: k, span };
      }
      case 'ct':
        return this.ct(asObject(value, what), span);
      case 'fib':
        return this.fib(value, span);
      case 'rt':
        return this.rt(value, span);
      case 'socket': {
        const o = asObject(value, what);
        const words = [reqStr(o, 'key', what)];
        const level = optNum(o, 'level', what);
        if (level !== undefined) words.push('level', String(level));
        return { kind: 'socket', words, span };
      }
      case 'osf': {
        const o = asObject(value, what);
        const ttl = optStr(o, 'ttl', what);
        const words = ttl === undefined ? [] : ['ttl', ttl];
        words.push(reqStr(o, 'key', what));
        return { kind: 'osf', words, span };
      }
      case 'ipsec':
        return this.ipsec(asObject(value, what), span);
      case 'tunnel': {
        const o = asObject(value, what);
        return { kind: 'tunnel', words: [reqStr(o, 'key', what)], span };
      }
      case 'numgen':
        return this.numgen(value, span);
      case 'jhash':
      case 'symhash':
        return this.hash(key, value, span);
      case 'exthdr':
      case 'tcp option':
      case 'ip option':
      case 'sctp chunk':
      case 'dccp option':
        return this.exthdr(key, asObject(value, what), span);
      case 'prefix': {
        const o = asObject(value, what);
        return {
          kind: 'prefix',
          expr: this.read(required(o, 'addr', what), want),
          length: num(required(o, 'len', what), `${what} "len"`),
          span,
        };
      }
      case 'range':
        return this.range(value, want, span);
      case 'set':
        return { kind: 'set', elements: this.elements(value, want, undefined), span };
      case 'map':
      case 'vmap':
        return this.map(key, asObject(value, what), want, span);
      case 'concat': {
        const a = asArray(value, what);
        const parts = a.items.map((p, i) => this.read(p, partType(want, i)));
        return { kind: 'concat', parts, span };
      }
      case 'elem':
        throw new SchemaError('"elem" is only allowed as a set element', span);
      default:
        if ((BINOPS as readonly string[]).includes(key))
          return this.binop(key as BinopExpr['op'], value, want, span);
        if (isVerdictKey(key)) return { kind: 'verdict', verdict: readVerdict(key, value), span };
        throw new SchemaError(`unknown expression "${key}"`, span);
    }
  }

  /** `fib saddr . iif oif`. */
  private fib(value: JsonNode, span: Span): Expr {
    const what = '"fib" expression';
    const o = asObject(value, what);
    const result = oneOf(reqStr(o, 'result', what), ['oif', 'oifname', 'type'] as const, what, o);
    return { kind: 'fib', flags: strList(optional(o, 'flags'), `${what} flag`), result, span };
  }

  /** `rt nexthop`, `rt ip6 mtu`. */
  private rt(value: JsonNode, span: Span): Expr {
    const what = '"rt" expression';
    const o = asObject(value, what);
    const k = reqStr(o, 'key', what);
    const family = optStr(o, 'family', what);
    if (family !== undefined) {
      return {
        kind: 'rt',
        key: k,
        family: oneOf(family, ['ip', 'ip6'] as const, what, o),
        span,
      };
    }
    return { kind: 'rt', key: k, span };
  }

  /** `numgen inc mod 2 offset 100`. */
  private numgen(value: JsonNode, span: Span): Expr {
    const what = '"numgen" expression';
    const o = asObject(value, what);
    const mode = oneOf(reqStr(o, 'mode', what), ['inc', 'random'] as const, what, o);
    const mod = num(required(o, 'mod', what), `${what} "mod"`);
    const offset = optNum(o, 'offset', what);
    return offset
      ? { kind: 'numgen', mode, mod, offset, span }
      : { kind: 'numgen', mode, mod, span };
  }

  /** `jhash ip saddr mod 2 seed 0x1`, `symhash mod 2`. */
  private hash(key: 'jhash' | 'symhash', value: JsonNode, span: Span): Expr {
    const what = `"${key}" expression`;
    const o = asObject(value, what);
    const mod = num(required(o, 'mod', what), `${what} "mod"`);
    const e: Expr = { kind: 'hash', fn: key, mod, span };
    const inner = optional(o, 'expr');
    if (inner !== undefined) e.expr = this.read(inner);
    const seed = optional(o, 'seed');
    if (seed !== undefined) e.seed = `0x${BigInt(intRaw(seed, `${what} "seed"`)).toString(16)}`;
    const offset = optNum(o, 'offset', what);
    if (offset) e.offset = offset;
    return e;
  }

  /** `low-high`. */
  private range(value: JsonNode, want: ValueType, span: Span): Expr {
    const what = '"range" expression';
    const a = asArray(value, what);
    if (a.items.length !== 2) throw new SchemaError(`${what}: two bounds were expected`, a.span);
    return {
      kind: 'range',
      low: this.read(a.items[0]!, want),
      high: this.read(a.items[1]!, want),
      span,
    };
  }

  private payload(o: JsonObject, span: Span): Expr {
    const what = '"payload" expression';
    const base = optStr(o, 'base', what);
    if (base !== undefined) {
      return {
        kind: 'raw',
        base: oneOf(base, ['ll', 'nh', 'th', 'ih'] as const, what, o),
        offset: num(required(o, 'offset', what), `${what} "offset"`),
        length: num(required(o, 'len', what), `${what} "len"`),
        span,
      };
    }
    const tunnel = optStr(o, 'tunnel', what);
    const protocol = reqStr(o, 'protocol', what);
    return {
      kind: 'payload',
      protocol: tunnel === undefined ? protocol : `${tunnel} ${protocol}`,
      field: reqStr(o, 'field', what),
      span,
    };
  }

  private ct(o: JsonObject, span: Span): Expr {
    const what = '"ct" expression';
    let key = reqStr(o, 'key', what);
    const e: Expr = { kind: 'ct', key, span };
    // nft writes the layer-3 qualifier into the key: "ip saddr", "ip6 daddr".
    const m = /^(ip6?) (.+)$/.exec(key);
    const family = optStr(o, 'family', what) ?? m?.[1];
    if (m) key = m[2]!;
    e.key = key;
    if (family !== undefined) e.family = oneOf(family, ['ip', 'ip6'] as const, what, o);
    const dir = optStr(o, 'dir', what);
    if (dir !== undefined) e.dir = oneOf(dir, ['original', 'reply'] as const, what, o);
    return e;
  }

  private ipsec(o: JsonObject, span: Span): KeyedExpr {
    const what = '"ipsec" expression';
    const words = [reqStr(o, 'dir', what)];
    const spnum = optNum(o, 'spnum', what);
    if (spnum) words.push('spnum', String(spnum));
    const family = optStr(o, 'family', what);
    if (family !== undefined) words.push(family);
    words.push(reqStr(o, 'key', what));
    return { kind: 'ipsec', words, span };
  }

  private exthdr(key: string, o: JsonObject, span: Span): PayloadExpr {
    const what = `"${key}" expression`;
    if (key === 'dccp option') {
      return {
        kind: 'payload',
        protocol: 'dccp option',
        field: String(num(required(o, 'type', what), what)),
        exthdr: true,
        span,
      };
    }
    const name = reqStr(o, 'name', what);
    const field = optStr(o, 'field', what);
    if (key === 'exthdr') {
      // `frag frag-off`; the existence test is `exthdr frag exists`.
      return field === undefined
        ? { kind: 'payload', protocol: 'exthdr', field: name, exthdr: true, span }
        : { kind: 'payload', protocol: name, field, exthdr: true, span };
    }
    return {
      kind: 'payload',
      protocol: key,
      field: field === undefined ? name : `${name} ${field}`,
      exthdr: true,
      span,
    };
  }

  private binop(op: BinopExpr['op'], value: JsonNode, want: ValueType, span: Span): Expr {
    const a = asArray(value, `"${op}" expression`);
    if (a.items.length < 2)
      throw new SchemaError(`"${op}": at least two operands were expected`, a.span);
    // The left operand's type decides how the right-hand constants print (nft's binop
    // postprocessing); a shift yields a plain hexadecimal integer.
    let left = this.read(a.items[0]!, want);
    for (const item of a.items.slice(1)) {
      const right = this.read(item, op === '<<' || op === '>>' ? PLAIN : typeOf(left));
      left = { kind: 'binop', op, left, right, span };
    }
    return left;
  }

  private map(key: 'map' | 'vmap', o: JsonObject, want: ValueType, span: Span): Expr {
    const what = `"${key}" expression`;
    const k = this.read(required(o, 'key', what));
    const dataNode = required(o, 'data', what);
    const map = this.mapData(dataNode, typeOf(k), key === 'vmap' ? PLAIN : want);
    return { kind: 'map', key: k, map, span };
  }

  /** The mapping of a map/vmap: `{ "set": [[k, v], …] }`, `"@name"` or an array of pairs. */
  mapData(n: JsonNode, keyType: ValueType, dataType: ValueType): Expr {
    if (n.type === 'string') return immediate(n, PLAIN);
    if (n.type === 'array')
      return { kind: 'set', elements: this.elements(n, keyType, dataType), span: n.span };
    const { key, value } = single(n, 'map data');
    if (key !== 'set')
      throw new SchemaError(`map data: a set or a "@name" was expected, not "${key}"`, n.span);
    return { kind: 'set', elements: this.elements(value, keyType, dataType), span: n.span };
  }

  /** Set or map elements; `dataType` set means a map (each element a [key, value] pair). */
  elements(n: JsonNode, keyType: ValueType, dataType: ValueType | undefined): SetElement[] {
    const items = n.type === 'array' ? n.items : [n];
    return items.map((item) => this.element(item, keyType, dataType));
  }

  private element(n: JsonNode, keyType: ValueType, dataType: ValueType | undefined): SetElement {
    if (dataType !== undefined) {
      const pair = asArray(n, 'map element');
      if (pair.items.length !== 2)
        throw new SchemaError(
          `map element: a [key, value] pair was expected, not ${pair.items.length} items`,
          pair.span,
        );
      const el = this.element(pair.items[0]!, keyType, undefined);
      el.value = this.read(pair.items[1]!, dataType);
      el.span = pair.span;
      return el;
    }
    if (n.type === 'object' && n.members.length === 1 && n.members[0]!.key === 'elem') {
      return this.elemObject(asObject(n.members[0]!.value, '"elem"'), keyType, n.span);
    }
    return { key: this.read(n, keyType), span: n.span };
  }

  /** `{ "elem": { "val": …, "timeout": s, "expires": s, "comment": …, "counter": … } }`. */
  private elemObject(o: JsonObject, keyType: ValueType, span: Span): SetElement {
    const what = '"elem"';
    const el: SetElement = { key: this.read(required(o, 'val', what), keyType), span };
    const statements: Statement[] = [];
    for (const m of o.members) {
      switch (m.key) {
        case 'val':
          break;
        case 'timeout':
          el.timeout = formatDuration(BigInt(intRaw(m.value, `${what} "timeout"`)) * 1000n);
          break;
        case 'expires':
          el.expires = formatDuration(BigInt(intRaw(m.value, `${what} "expires"`)) * 1000n);
          break;
        case 'comment':
          el.comment = str(m.value, `${what} "comment"`);
          break;
        default: {
          // Statements attached to the element are merged in as members: "counter": {…}.
          const node: JsonObject = { type: 'object', members: [m], span: m.keySpan };
          statements.push(this.ctx.readStatement(node));
        }
      }
    }
    if (statements.length > 0) el.statements = statements;
    return el;
  }
}
