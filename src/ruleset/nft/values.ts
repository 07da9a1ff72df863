/**
 * The right-hand sides of nft: values, ranges, prefixes, set literals and their
 * elements, map lookups, verdicts and chain bindings (`jump { … }`).
 */

import { integerValue } from '../literals.ts';
import type { Expr, Rule, SetElement, SetExpr, Statement, Verdict, VerdictKind } from '../model.ts';
import { type Ctx, cloneExpr, TokenCursor } from './cursor.ts';
import type { Token } from './lexer.ts';
import { VERDICT_WORDS } from './vocabulary.ts';

export abstract class ValueParser extends TokenCursor {
  // Defined by the layers above, called from here.
  protected abstract parseBinop(ctx: Ctx, level?: number): Expr;
  protected abstract parsePrimary(ctx: Ctx): Expr;
  protected abstract parseRule(): Rule;
  protected abstract parseStatement(): Statement | undefined;

  /**
   * `{ a, b, c }` — elements of an anonymous set, a named set's `elements = { … }`, a map
   * literal (`{ 80 : 8080 }`) or a verdict map (`{ 22 : accept }`).
   */
  protected parseSetLiteral(keyCtx: Ctx, isMap = false): SetExpr {
    const open = this.peek();
    if (this.isPunct(open, '$')) {
      const v = this.parseVariable();
      if (v.kind === 'set') return v;
      return { kind: 'set', elements: [{ key: v }], span: v.span };
    }
    this.expectPunct('{');
    this.enter(open);
    const elements: SetElement[] = [];
    try {
      for (;;) {
        this.skipNewlines();
        if (this.atPunct('}')) {
          this.next();
          break;
        }
        const before = this.pos;
        const elemFrom = this.peek();
        const saved = this.pos;
        const v = this.atPunct('$') ? this.parseVariable() : undefined;
        if (v?.kind !== 'set') this.pos = saved;
        if (v?.kind === 'set') {
          const tail = this.parseElementTail({ kind: 'symbol', name: '*' }, elemFrom, isMap);
          // `{ $ifs : drop }`: every element of the variable gets the data.
          for (const el of v.elements) {
            const e: SetElement = { ...el };
            if (tail.value) e.value = cloneExpr(tail.value);
            elements.push(e);
          }
        } else {
          let key: Expr;
          if (this.atPunct('*')) {
            const s = this.next();
            key = { kind: 'symbol', name: '*', span: this.span(s) };
          } else key = this.parseRhs(keyCtx, true);
          if (key.kind === 'set') elements.push(...key.elements);
          else elements.push(this.parseElementTail(key, elemFrom, isMap));
        }
        this.skipNewlines();
        if (this.atPunct(',')) this.next();
        else if (!this.atPunct('}')) this.unexpected(this.peek(), "',' or '}'");
        if (this.pos === before) this.unexpected(this.peek());
      }
    } finally {
      this.leave();
    }
    return { kind: 'set', elements, span: this.span(open) };
  }

  protected parseElementTail(key: Expr, from: Token, isMap: boolean): SetElement {
    const el: SetElement = { key };
    let guard = 0;
    while (guard++ < 64) {
      const t = this.peek();
      if (this.isWord(t, 'timeout')) {
        this.next();
        el.timeout = this.expectWord('time').text;
      } else if (this.isWord(t, 'expires')) {
        this.next();
        el.expires = this.expectWord('time').text;
      } else if (this.isWord(t, 'comment')) {
        this.next();
        el.comment = this.expectString();
      } else if (this.isWord(t, 'counter', 'quota', 'limit', 'last', 'ct')) {
        const s = this.parseStatement();
        if (!s) break;
        el.statements ??= [];
        el.statements.push(s);
      } else break;
    }
    if (this.atPunct(':')) {
      this.next();
      const v = this.peek();
      if (this.isWordIn(v, VERDICT_WORDS) || this.isWord(v, 'queue')) {
        const verdict = this.parseVerdict();
        el.value = { kind: 'verdict', verdict, span: this.span(v) };
      } else el.value = this.parseRhs('value', true);
    } else if (isMap && !this.atEnd() && !this.atPunct(',')) {
      // fall through: the caller reports the unexpected token
    }
    el.span = this.span(from);
    return el;
  }

  protected parseVerdict(allowBinding = false): Verdict {
    const t = this.next();
    const kind = t.text as VerdictKind;
    if ((kind === 'jump' || kind === 'goto') && allowBinding && this.atPunct('{')) {
      return { kind, binding: this.parseBinding() };
    }
    if (kind === 'jump' || kind === 'goto') {
      const target = this.expectIdentifier('chain name');
      return { kind, target };
    }
    return { kind };
  }

  /** The rules of a chain binding, `jump { … }`. */
  protected parseBinding(): Rule[] {
    const open = this.expectPunct('{');
    const rules: Rule[] = [];
    this.parseBraced(open, 'chain binding', () => {
      const rule = this.parseRule();
      rule.index = rules.length;
      rules.push(rule);
    });
    return rules;
  }

  /**
   * A right-hand side: a set, `@set`, or concatenations of values with ranges, prefixes,
   * binops and (outside braces) comma flag lists; `map` lookups in 'expr' context.
   */
  protected parseRhs(ctx: Ctx, inSet: boolean, noList = false): Expr {
    const from = this.peek();
    if (this.atPunct('{')) {
      const s = this.parseSetLiteral(ctx === 'lhs' ? 'lhs' : 'value');
      return this.maybeMap(s, from, ctx);
    }
    const first = this.parseRhsItem(ctx, inSet);
    let e: Expr = first;
    if (this.atPunct('.')) {
      const parts = [first];
      while (this.atPunct('.')) {
        this.missingAfter(this.next(), 'a value after');
        parts.push(this.parseRhsItem(ctx, inSet));
      }
      e = { kind: 'concat', parts, span: this.span(from) };
    }
    if (!inSet && !noList && this.atPunct(',') && e.kind !== 'concat') {
      const items: Expr[] = [e];
      while (this.atPunct(',')) {
        this.next();
        items.push(this.parseRhsItem(ctx, inSet));
      }
      e = { kind: 'list', items, span: this.span(from) };
    }
    return this.maybeMap(e, from, ctx);
  }

  protected maybeMap(e: Expr, from: Token, ctx: Ctx): Expr {
    if (ctx !== 'value' && this.atWord('map')) {
      this.next();
      const m = this.peek();
      const map = this.isPunct(m, '@')
        ? this.parsePrimary('value')
        : this.parseSetLiteral('value', true);
      return { kind: 'map', key: e, map, span: this.span(from) };
    }
    return e;
  }

  protected parseRhsItem(ctx: Ctx, inSet: boolean): Expr {
    const from = this.peek();
    const low = this.parseBinop(ctx);
    if (this.atPunct('-') && (low.kind === 'value' || low.kind === 'variable')) {
      this.missingAfter(this.next(), 'an upper end after');
      const high = this.parseBinop(ctx);
      return { kind: 'range', low, high, span: this.span(from) };
    }
    if (this.atPunct('/') && !this.peek().sp && low.kind === 'value') {
      const n = this.peek(1);
      const c0 = n.text.charCodeAt(0);
      if (n.kind === 'word' && !n.sp && c0 >= 48 && c0 <= 57) {
        // A number as nft's scanner reads one: `/010` is 8, `/0x8` 8, `/08` no number.
        const length = integerValue(n.text);
        if (length === undefined)
          this.fail(n, `syntax error, '${n.text}' is no prefix length (a leading 0 is octal)`);
        this.next();
        this.next();
        return { kind: 'prefix', expr: low, length: Number(length), span: this.span(from) };
      }
    }
    void inSet;
    return low;
  }

  /**
   * After the `-` of a range or the `.` of a concatenation, nft's grammar wants a value: the end
   * of the rule, a separator or a verdict there (`tcp dport 22- accept`, where a value was cut
   * short) is its syntax error, placed here on the sign, in the value.
   */
  private missingAfter(sign: Token, what: string): void {
    const t = this.peek();
    if (
      this.atEnd() ||
      this.isPunct(t, ',', ':', ')', '-', '.') ||
      (t.kind === 'word' && VERDICT_WORDS.has(t.text))
    )
      this.fail(sign, `syntax error, ${what} '${sign.text}' (found ${this.describe(t)})`);
  }

  /** `1:2` (a class id) and `"a"` glued to following words stay one value. */
  protected glueValue(v: Expr, from: Token): Expr {
    if (v.kind !== 'value') return v;
    let guard = 0;
    while (guard++ < 8) {
      const c = this.peek();
      // Most values are followed by anything but a `:` glued to them.
      if (c.kind !== 'punct' || c.text !== ':' || c.sp) break;
      const n = this.peek(1);
      if (
        n.kind === 'word' &&
        !n.sp &&
        !v.quoted &&
        /^[0-9a-fA-F]+$/.test(v.text) &&
        /^[0-9a-fA-F]+$/.test(n.text)
      ) {
        this.next();
        this.next();
        v.text += `:${n.text}`;
        v.span = this.span(from);
      } else break;
    }
    return v;
  }
}
