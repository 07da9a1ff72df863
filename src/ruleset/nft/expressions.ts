/**
 * nft expressions: concatenations, bitwise operations, and the keyword expressions
 * (header fields, meta, ct, fib, rt, numgen, hash, socket, osf…) with nft's precedence.
 */
import type { Expr } from '../model.ts';
import { type Ctx, FIB_FLAGS, SOCKET_KEYS } from './cursor.ts';
import type { Token } from './lexer.ts';
import { PayloadNode, ValueNode } from './nodes.ts';
import { ValueParser } from './values.ts';
import {
  CT_KEYS,
  EXTHDR_PROTOS,
  META_KEYS,
  META_SHORT,
  OPTION_FIELDS,
  PAYLOAD_FIELDS,
  PAYLOAD_PROTOS,
  RT_KEYS,
  TUNNEL_PROTOS,
} from './vocabulary.ts';

type BinopOp = '&' | '|' | '^' | '<<' | '>>';

/** Operator words and signs: their level (higher binds tighter) and the operation. */
const BINOPS = new Map<string, { level: number; op: BinopOp }>([
  ['|', { level: 0, op: '|' }],
  ['or', { level: 0, op: '|' }],
  ['^', { level: 1, op: '^' }],
  ['xor', { level: 1, op: '^' }],
  ['&', { level: 2, op: '&' }],
  ['and', { level: 2, op: '&' }],
  ['<<', { level: 3, op: '<<' }],
  ['>>', { level: 3, op: '>>' }],
  ['lshift', { level: 3, op: '<<' }],
  ['rshift', { level: 3, op: '>>' }],
]);

export abstract class ExpressionParser extends ValueParser {
  /** LHS expressions: concatenations of binops over primaries. */
  protected parseConcat(ctx: Ctx): Expr {
    const from = this.peek();
    const first = this.parseBinop(ctx);
    if (!this.atPunct('.')) return first;
    const parts = [first];
    while (this.atPunct('.')) {
      this.next();
      parts.push(this.parseBinop(ctx));
    }
    return { kind: 'concat', parts, span: this.span(from) };
  }

  /**
   * Binary operations by precedence climbing: `|` and `or` bind loosest (level 0), then `^`/
   * `xor`, `&`/`and`, and the shifts tightest (level 3); all associate to the left. An operand
   * is parsed at one level above its operator, so `a | b & c` is `a | (b & c)`.
   */
  protected parseBinop(ctx: Ctx, level = 0): Expr {
    const from = this.peek();
    let left = this.parsePrimary(ctx);
    let guard = 0;
    for (;;) {
      const t = this.peek();
      // An operator is a sign or one of the language's words (a value's text is not looked up:
      // it would be hashed, for each of a listing's addresses and numbers).
      if (t.kind === 'word' ? !this.toks.isLanguageWord(this.pos) : t.kind !== 'punct') break;
      const op = BINOPS.get(t.text);
      if (op === undefined || op.level < level || guard++ > 1000) break;
      // `or`/`and` words only as operators when a value follows.
      if (t.kind === 'word' && this.isEndAt(1)) break;
      this.next();
      const right = this.parseBinop(ctx === 'lhs' ? 'expr' : ctx, op.level + 1);
      left = { kind: 'binop', op: op.op, left, right, span: this.span(from) };
    }
    return left;
  }

  protected parsePrimary(ctx: Ctx): Expr {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return this.glueValue(new ValueNode(t.text, true, t.offset, t.end, this.lines()), t);
    }
    if (t.kind === 'punct') {
      switch (t.text) {
        case '$':
          return this.parseVariable();
        case '(': {
          this.next();
          this.enter(t);
          try {
            const e = this.parseRhs(ctx === 'lhs' ? 'expr' : ctx, false, true);
            this.expectPunct(')');
            return e;
          } finally {
            this.leave();
          }
        }
        case '@': {
          this.next();
          const n = this.peek();
          if (this.isWord(n, 'll', 'nh', 'th', 'ih') && this.isPunct(this.peek(1), ',')) {
            this.next();
            this.next();
            const off = this.expectNumber();
            this.expectPunct(',');
            const len = this.expectNumber();
            return {
              kind: 'raw',
              base: n.text as 'll',
              offset: off,
              length: len,
              span: this.span(t),
            };
          }
          const name = this.expectIdentifier('set name');
          return { kind: 'setref', name, span: this.span(t) };
        }
        case '*':
          this.next();
          return { kind: 'symbol', name: '*', span: this.span(t) };
        // No negative numbers: nft's grammar has none in an expression (`ip ttl -1` is "syntax
        // error, unexpected -" at the sign); a chain's priority reads its own (parsePriority).
        case '{':
          if (ctx !== 'lhs') return this.parseSetLiteral('value');
          break;
        default:
          break;
      }
      this.unexpected(t);
    }
    if (t.kind !== 'word') this.unexpected(t, 'an expression');
    const kw = this.parseKeywordExpr(ctx);
    if (kw) return kw;
    if (ctx === 'lhs' && /^[A-Za-z_]/.test(t.text)) {
      // A bare word where an expression must start (`foo bar`, a misspelt keyword).
      this.fail(t, `syntax error, unexpected '${t.text}'`);
    }
    this.next();
    // Words of the language used as values (`tcp`, `established`) are one string each
    // already: the tokenizer's.
    return this.glueValue(new ValueNode(t.text, false, t.offset, t.end, this.lines()), t);
  }

  /** `rt [ip|ip6] key`. */
  private parseRt(t: Token): Expr {
    this.next();
    let family: 'ip' | 'ip6' | undefined;
    if (this.atWord('ip', 'ip6')) family = this.next().text as 'ip';
    const k = this.expectWord('rt key');
    const e: Expr = { kind: 'rt', key: k.text, span: this.span(t) };
    if (family) e.family = family;
    return e;
  }

  /** `ct [original|reply] [ip|ip6] key`. */
  private parseCt(t: Token): Expr {
    this.next();
    let dir: 'original' | 'reply' | undefined;
    if (this.atWord('original', 'reply')) dir = this.next().text as 'original';
    let family: 'ip' | 'ip6' | undefined;
    if (this.atWord('ip', 'ip6') && this.isWord(this.peek(1), 'saddr', 'daddr'))
      family = this.next().text as 'ip';
    const k = this.expectWord('ct key');
    if (!CT_KEYS.has(k.text) || k.text === 'ip' || k.text === 'ip6')
      this.fail(k, `unknown ct key '${k.text}'`);
    const e: Expr = { kind: 'ct', key: k.text, span: this.span(t) };
    if (dir) e.dir = dir;
    if (family) e.family = family;
    return e;
  }

  /** `fib flag[ . flag…] result`. */
  private parseFib(t: Token): Expr {
    this.next();
    const flag = () => {
      const f = this.expectWord('fib flag');
      if (!FIB_FLAGS.has(f.text))
        this.fail(f, `unknown fib flag '${f.text}', expecting saddr, daddr, mark, iif or oif`);
      return f.text;
    };
    const flags = [flag()];
    while (this.atPunct('.')) {
      this.next();
      flags.push(flag());
    }
    const r = this.expectWord('oif, oifname, type or check');
    if (!['oif', 'oifname', 'type', 'check'].includes(r.text))
      this.unexpected(r, 'oif, oifname, type or check');
    return { kind: 'fib', flags, result: r.text as 'oif', span: this.span(t) };
  }

  /** `numgen inc|random mod N [offset M]`. */
  private parseNumgen(t: Token): Expr {
    this.next();
    const mode = this.next().text as 'inc' | 'random';
    this.keyword('mod');
    const mod = this.expectNumber();
    const e: Expr = { kind: 'numgen', mode, mod, span: this.span(t) };
    if (this.atWord('offset')) {
      this.next();
      e.offset = this.expectNumber();
    }
    e.span = this.span(t);
    return e;
  }

  /** `ipsec in|out [spnum N] [ip|ip6] key`. */
  private parseIpsec(t: Token): Expr {
    this.next();
    const words = [this.next().text];
    if (this.atWord('spnum')) {
      this.next();
      words.push('spnum', this.expectWord('number').text);
    }
    if (this.atWord('ip', 'ip6')) words.push(this.next().text);
    words.push(this.expectWord('ipsec key').text);
    return { kind: 'ipsec', words, span: this.span(t) };
  }

  /** Expression keywords: payload, meta, ct, fib, rt, socket, osf, ipsec, numgen, hashes. */
  protected parseKeywordExpr(ctx: Ctx): Expr | undefined {
    if (ctx === 'value') return undefined;
    const t = this.peek();
    const w = t.text;
    // Every expression keyword is lower case: addresses, numbers and names leave at once.
    const c0 = w.charCodeAt(0);
    if (c0 < 97 || c0 > 122) return undefined;
    const n1 = this.peek(1);
    const lhs = ctx === 'lhs';
    if (
      w === 'rt' &&
      n1.kind === 'word' &&
      (RT_KEYS.has(n1.text) || n1.text === 'ip' || n1.text === 'ip6')
    )
      return this.parseRt(t);
    if (PAYLOAD_PROTOS.has(w)) return this.parsePayload(ctx);
    if (w === 'exthdr' && n1.kind === 'word') {
      this.next();
      const p = this.next();
      const field = this.isWordIn(this.peek(), PAYLOAD_FIELDS[p.text] ?? [])
        ? ` ${this.next().text}`
        : '';
      return {
        kind: 'payload',
        protocol: 'exthdr',
        field: `${p.text}${field}`,
        exthdr: true,
        span: this.span(t),
      };
    }
    if (w === 'meta' && n1.kind === 'word' && (lhs || META_KEYS.has(n1.text))) {
      this.next();
      const k = this.next();
      if (!META_KEYS.has(k.text)) this.fail(k, `unknown meta key '${k.text}'`);
      return { kind: 'meta', key: k.text, span: this.span(t) };
    }
    if (META_SHORT.has(w)) {
      this.next();
      return { kind: 'meta', key: w, short: true, span: this.span(t) };
    }
    if (
      w === 'ct' &&
      n1.kind === 'word' &&
      (lhs || CT_KEYS.has(n1.text) || n1.text === 'original' || n1.text === 'reply')
    )
      return this.parseCt(t);
    if (w === 'fib' && n1.kind === 'word') return this.parseFib(t);
    if (w === 'socket' && n1.kind === 'word') {
      this.next();
      const key = this.next();
      if (!SOCKET_KEYS.has(key.text)) this.fail(key, `unknown socket key '${key.text}'`);
      const words = [key.text];
      if (words[0] === 'cgroupv2' && this.atWord('level')) {
        this.next();
        words.push('level', this.expectWord('level').text);
      }
      return { kind: 'socket', words, span: this.span(t) };
    }
    if (w === 'osf' && n1.kind === 'word') {
      this.next();
      const words: string[] = [];
      if (this.atWord('ttl')) {
        this.next();
        words.push('ttl', this.expectWord('ttl mode').text);
      }
      words.push(this.expectWord('name or version').text);
      return { kind: 'osf', words, span: this.span(t) };
    }
    if (w === 'ipsec' && this.isWord(n1, 'in', 'out')) return this.parseIpsec(t);
    if (w === 'numgen' && this.isWord(n1, 'inc', 'random')) return this.parseNumgen(t);
    if ((w === 'jhash' || w === 'symhash') && n1.kind !== 'nl') {
      this.next();
      let expr: Expr | undefined;
      if (w === 'jhash') expr = this.parseConcat('lhs');
      this.keyword('mod');
      const mod = this.expectNumber();
      const e: Expr = { kind: 'hash', fn: w, mod, span: this.span(t) };
      if (expr) e.expr = expr;
      if (this.atWord('seed')) {
        this.next();
        e.seed = this.expectWord('seed').text;
      }
      if (this.atWord('offset')) {
        this.next();
        e.offset = this.expectNumber();
      }
      e.span = this.span(t);
      return e;
    }
    return undefined;
  }

  protected parsePayload(ctx: Ctx): Expr | undefined {
    const t = this.peek();
    let proto = t.text;
    let k = 1;
    // Inner headers of tunnels: `vxlan ip saddr`.
    if (
      TUNNEL_PROTOS.has(proto) &&
      this.peek(1).kind === 'word' &&
      PAYLOAD_PROTOS.has(this.peek(1).text) &&
      !PAYLOAD_PROTOS.get(proto)?.has(this.peek(1).text)
    ) {
      k = 2;
    }
    const inner = k === 2 ? this.peek(1).text : proto;
    const f = this.peek(k);
    const fields = PAYLOAD_PROTOS.get(inner);
    // Options and chunks.
    if (
      this.isWord(f, 'option', 'chunk') &&
      (inner === 'tcp' || inner === 'ip' || inner === 'sctp' || inner === 'dccp')
    ) {
      for (let i = 0; i <= k; i++) this.next();
      if (k === 2) proto = `${proto} ${inner}`;
      const o = this.peek();
      if (this.isPunct(o, '@')) {
        // `tcp option @255,8,8`
        this.next();
        const a = this.expectNumber();
        this.expectPunct(',');
        const b = this.expectNumber();
        this.expectPunct(',');
        const c = this.expectNumber();
        return {
          kind: 'payload',
          protocol: `${proto} ${f.text}`,
          field: `@${a},${b},${c}`,
          exthdr: true,
          span: this.span(t),
        };
      }
      const name = this.expectWord('option name').text;
      let field = name;
      if (
        this.isWordIn(this.peek(), OPTION_FIELDS) && !this.isEndAt(1)
          ? true
          : this.isWordIn(this.peek(), OPTION_FIELDS) && ctx !== 'value'
      ) {
        field += ` ${this.next().text}`;
      }
      return {
        kind: 'payload',
        protocol: `${proto} ${f.text}`,
        field,
        exthdr: true,
        span: this.span(t),
      };
    }
    const fieldOk =
      f.kind === 'word' && (fields?.has(f.text) === true || /^[a-z-]+\[\d+\]$/.test(f.text));
    if (!fieldOk) {
      if (ctx !== 'lhs') return undefined;
      if (f.kind !== 'word') return undefined;
      // An unknown field: nft rejects it.
      this.fail(f, `unknown field '${f.text}' for protocol ${inner}`);
    }
    for (let i = 0; i <= k; i++) this.next();
    let field = f.text;
    if (
      inner === 'arp' &&
      (field === 'saddr' || field === 'daddr') &&
      this.atWord('ip', 'ether', 'ip6')
    ) {
      field += ` ${this.next().text}`;
    }
    if (k === 2) proto = `${proto} ${inner}`;
    return new PayloadNode(
      proto,
      field,
      EXTHDR_PROTOS.has(inner),
      t.offset,
      this.prev().end,
      this.lines(),
    );
  }
}
