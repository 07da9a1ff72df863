/**
 * nft rules and their statements: matches, verdicts, counters, log, reject, nat,
 * set operations, and the statements the model keeps as words (limit, quota, queue…).
 */
import type {
  CounterStmt,
  Expr,
  LogStmt,
  NatStmt,
  OtherStmt,
  RejectStmt,
  Rule,
  SetOpStmt,
  Statement,
} from '../model.ts';
import { isNumeric, isOctal } from './cursor.ts';
import { ExpressionParser } from './expressions.ts';
import type { Token } from './lexer.ts';
import {
  CounterNode,
  type LineIndex,
  MatchNode,
  NatNode,
  PayloadNode,
  RuleNode,
  SOURCE_TEXT,
  StatementNode,
  ValueNode,
  VerdictNode,
} from './nodes.ts';
import { EXTHDR_PROTOS, PAYLOAD_PROTOS, RESERVED_WORDS, TUNNEL_PROTOS } from './vocabulary.ts';

/** The words a `limit` statement is made of, besides its numbers. */
const LIMIT_WORDS = [
  'rate',
  'over',
  'until',
  'burst',
  'packets',
  'bytes',
  'kbytes',
  'mbytes',
  'gbytes',
  'second',
  'minute',
  'hour',
  'day',
  'week',
  'inv',
];

/**
 * Words that, right after a header field, parseExprStatement does not read as the value it is
 * compared with: operators, `set`, `map`, `vmap`, `exists`.
 */
const NOT_PLAIN_VALUES: ReadonlySet<string> = new Set([
  ...['set', 'vmap', 'map', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'exists', 'missing'],
  ...['and', 'or', 'xor', 'lshift', 'rshift'],
]);

/** Protocols whose header fields parsePayload reads otherwise (inner headers, `arp saddr ip`). */
const NOT_PLAIN_PROTOS: ReadonlySet<string> = new Set(['arp', 'rt', ...TUNNEL_PROTOS]);

/** The words parseStatement reads a statement of its own by (its switch's cases). */
const STATEMENT_WORDS: ReadonlySet<string> = new Set([
  ...['accept', 'drop', 'continue', 'return', 'jump', 'goto', 'counter', 'log', 'reject'],
  ...['snat', 'dnat', 'masquerade', 'redirect', 'notrack', 'limit', 'quota', 'queue', 'dup'],
  ...['fwd', 'tproxy', 'synproxy', 'flow', 'meter', 'last', 'xt', 'add', 'update', 'delete'],
  ...['set', 'ct', 'tunnel'],
]);

/** An IPv4 address as parsePlainNat takes it: a digit first, and a `.` in it. */
function startsAddress(w: string): boolean {
  const c = w.charCodeAt(0);
  return c >= 48 && c <= 57 && w.includes('.');
}

/** Whether parsePlainMatch is on (off only to hold it to the general path in a test). */
let plainMatches = true;

export function usePlainMatches(on: boolean): void {
  plainMatches = on;
}

export abstract class StatementParser extends ExpressionParser {
  /** Arrays to collect a rule's statements in, one per rule being read (rules nest). */
  private readonly ruleScratch: Statement[][] = [];

  protected parseRule(): Rule {
    // Read from the token arrays: the rule's first token and each statement's are not made
    // into token objects here (a 50,000-service listing has 300,000 statements).
    const toks = this.toks;
    const first = this.at(0);
    const fromOffset = toks.startOf(first);
    const fromEnd = toks.endOf(first);
    // Collected in a reused array and copied at exactly their number: an array pushed to from
    // empty holds room for 17, and every rule would make one.
    const statements = this.ruleScratch.pop() ?? [];
    let n = 0;
    let comment: string | undefined;
    let guard = 0;
    while (!this.atEnd()) {
      if (guard++ > 10000) this.fail(this.peek(), 'rule too long');
      const i = this.at(0);
      if (toks.wordIs(i, 'comment') && toks.kindAt(this.at(1)) === 'string') {
        this.skip();
        comment = this.expectString();
        continue;
      }
      const before = this.pos;
      const s = this.parseStatement();
      if (!s || this.pos === before) this.unexpected(toks.get(i));
      statements[n++] = s;
    }
    if (n === 0) this.unexpected(this.peek(), 'a statement');
    const end = this.readEndFrom(fromOffset, fromEnd);
    const rule: Rule = new RuleNode(
      statements.slice(0, n),
      fromOffset,
      Math.max(fromOffset, end),
      this.lines(),
    );
    statements.fill(undefined as unknown as Statement, 0, n);
    this.ruleScratch.push(statements);
    if (comment !== undefined) rule.comment = comment;
    if (this.atHandle()) rule.handle = Number(this.next().text);
    return rule;
  }

  /** Gives a statement its span, and its text as a view of the source (see SOURCE_TEXT). */
  protected withSpan<T extends Statement>(s: T, from: Token): T {
    if (s instanceof StatementNode) {
      s.locate(from.offset, this.readEnd(from), this.lines());
      return s;
    }
    s.span = this.span(from);
    if (Object.getPrototypeOf(s) !== SOURCE_TEXT) Object.setPrototypeOf(s, SOURCE_TEXT);
    return s;
  }

  /**
   * The most common statement, a header field compared with one word (`ip daddr 10.0.0.1`,
   * `tcp dport 80`), read straight from the tokens: the same nodes parseExprStatement makes of
   * it, without its dozen layers (a kube-proxy listing has two of these per service). Undefined,
   * having read nothing, for anything else. test/ruleset/plain-match.test.ts holds it to the
   * general path on every ruleset of the corpus.
   */
  protected parsePlainMatch(): MatchNode | undefined {
    if (!plainMatches) return undefined;
    const toks = this.toks;
    const i = this.at(0);
    if (!toks.wordIs(i) || i + 3 >= toks.length) return undefined;
    const proto = toks.wordText(i);
    const fields = PAYLOAD_PROTOS.get(proto);
    if (fields === undefined || NOT_PLAIN_PROTOS.has(proto) || !toks.wordIs(i + 1))
      return undefined;
    const field = toks.wordText(i + 1);
    if (!fields.has(field) || !toks.wordIs(i + 2)) return undefined;
    const value = toks.wordText(i + 2);
    if (NOT_PLAIN_VALUES.has(value)) return undefined;
    // What follows ends the value: the end of the rule, or a word that is no operator.
    const ends =
      this.endsItemAt(i + 3) || (toks.wordIs(i + 3) && !NOT_PLAIN_VALUES.has(toks.wordText(i + 3)));
    if (!ends) return undefined;
    const lines = this.lines();
    const from = toks.startOf(i);
    const left = new PayloadNode(
      proto,
      field,
      EXTHDR_PROTOS.has(proto),
      from,
      toks.endOf(i + 1),
      lines,
    );
    const right = new ValueNode(value, false, toks.startOf(i + 2), toks.endOf(i + 2), lines);
    const stmt = new MatchNode(left, '==', right, true);
    stmt.locate(from, toks.endOf(i + 2), lines);
    this.pos = i + 3;
    return stmt;
  }

  /**
   * `dnat to 10.0.0.2:8080` and `snat to 10.0.0.2` at the end of their rule, read straight from
   * the tokens as parsePlainMatch reads a match (one per service of a kube-proxy listing): the
   * nodes parseNat makes of them, or undefined, having read nothing. The address has a `.` and
   * starts with a digit, the port starts with one: so no keyword expression, no `1:2` glued into
   * one value, as the general path would read them.
   */
  protected parsePlainNat(): NatNode | undefined {
    if (!plainMatches) return undefined;
    const toks = this.toks;
    const i = this.at(0);
    if (i + 3 >= toks.length || !toks.wordIs(i, 'snat', 'dnat') || !toks.wordIs(i + 1, 'to'))
      return undefined;
    if (!toks.wordIs(i + 2) || !startsAddress(toks.wordText(i + 2))) return undefined;
    let end = i + 3;
    const ported = toks.punctIs(end, ':') && !toks.spaceBefore(end);
    if (ported) {
      const p = end + 1;
      if (p + 1 >= toks.length || !toks.wordIs(p) || toks.spaceBefore(p)) return undefined;
      const c = toks.wordText(p).charCodeAt(0);
      if (c < 48 || c > 57) return undefined;
      end = p + 1;
    }
    if (!this.endsItemAt(end)) return undefined;
    const lines = this.lines();
    const s = new NatNode(toks.wordText(i) as NatStmt['type']);
    s.addr = this.valueAt(i + 2, lines);
    if (ported) s.port = this.valueAt(i + 4, lines);
    s.locate(toks.startOf(i), toks.endOf(end - 1), lines);
    this.pos = end;
    return s;
  }

  /**
   * `jump NAME` and `goto NAME`, read straight from the tokens (parsePlainMatch): the node
   * parseVerdict makes, or undefined, having read nothing, for a name nft reads as a keyword
   * (refuseKeyword), a quoted one, a variable, a chain binding.
   */
  protected parsePlainJump(): VerdictNode | undefined {
    if (!plainMatches) return undefined;
    const toks = this.toks;
    const i = this.at(0);
    if (i + 1 >= toks.length || !toks.wordIs(i, 'jump', 'goto') || !toks.wordIs(i + 1))
      return undefined;
    const target = toks.wordText(i + 1);
    if (toks.isLanguageWord(i + 1) && RESERVED_WORDS.has(target)) return undefined;
    const s = new VerdictNode({ kind: toks.wordText(i) as 'jump' | 'goto', target });
    s.locate(toks.startOf(i), toks.endOf(i + 1), this.lines());
    this.pos = i + 2;
    return s;
  }

  /**
   * `counter packets N bytes M`, as listings write it, read straight from the tokens: the node
   * parseCounter makes, or undefined, having read nothing (a named counter, numbers missing).
   */
  protected parsePlainCounter(): CounterNode | undefined {
    if (!plainMatches) return undefined;
    const toks = this.toks;
    const i = this.at(0);
    if (i + 4 >= toks.length || !toks.wordIs(i + 1, 'packets') || !toks.wordIs(i + 3, 'bytes'))
      return undefined;
    const packets = toks.wordIs(i + 2) ? toks.wordText(i + 2) : '';
    const bytes = toks.wordIs(i + 4) ? toks.wordText(i + 4) : '';
    // Octal numbers (`010`) and no numbers (`08`) are parseCounter's (expectNumber).
    if (!isNumeric(packets) || !isNumeric(bytes) || isOctal(packets) || isOctal(bytes))
      return undefined;
    const s = new CounterNode(Number(packets), Number(bytes));
    s.locate(toks.startOf(i), toks.endOf(i + 4), this.lines());
    this.pos = i + 5;
    return s;
  }

  /** Token `i`, a word, as a value. */
  private valueAt(i: number, lines: LineIndex): ValueNode {
    const toks = this.toks;
    return new ValueNode(toks.wordText(i), false, toks.startOf(i), toks.endOf(i), lines);
  }

  /** Whether token `i` ends a rule: a newline, the end, a handle or count comment, `;`, `}`. */
  private endsItemAt(i: number): boolean {
    const k = this.toks.kindAt(i);
    return (
      k === 'nl' || k === 'eof' || k === 'handle' || k === 'count' || this.toks.punctIs(i, ';', '}')
    );
  }

  /**
   * The plain forms (parsePlainMatch, parsePlainJump, parsePlainCounter, parsePlainNat) tried
   * from the token arrays before any token is made, each where parseStatement's switch below
   * would try it first; undefined, having read nothing, when none applies.
   */
  private parsePlainStatement(): Statement | undefined {
    const i = this.at(0);
    // Every plain form starts with a word of the language (a keyword or a protocol).
    if (!this.toks.isLanguageWord(i)) return undefined;
    switch (this.toks.wordText(i)) {
      case 'jump':
      case 'goto':
        return this.parsePlainJump();
      case 'counter':
        return this.parsePlainCounter();
      case 'snat':
      case 'dnat':
        return this.parsePlainNat();
      default:
        // A statement word's own parser comes first; parseExprStatement tries the match.
        return STATEMENT_WORDS.has(this.toks.wordText(i)) ? undefined : this.parsePlainMatch();
    }
  }

  /** One statement, or undefined at the end of the rule. */
  protected parseStatement(): Statement | undefined {
    if (this.atEnd()) return undefined;
    const plain = this.parsePlainStatement();
    if (plain !== undefined) return plain;
    const t = this.peek();
    // One look-up, not the switch's thirty comparisons, for a match (`ip daddr …`).
    if (t.kind === 'word' && STATEMENT_WORDS.has(t.text)) {
      switch (t.text) {
        case 'accept':
        case 'drop':
        case 'continue':
        case 'return':
        case 'jump':
        case 'goto':
          return this.withSpan(new VerdictNode(this.parseVerdict(true)), t);
        case 'counter':
          return this.parseCounter();
        case 'log':
          return this.parseLog();
        case 'reject':
          return this.parseReject();
        case 'snat':
        case 'dnat':
        case 'masquerade':
        case 'redirect':
          return this.parseNat();
        case 'notrack':
          this.next();
          return this.withSpan({ kind: 'notrack' }, t);
        case 'limit':
        case 'quota':
        case 'queue':
        case 'dup':
        case 'fwd':
        case 'tproxy':
        case 'synproxy':
        case 'flow':
        case 'meter':
        case 'last':
        case 'xt':
          return this.parseOther();
        case 'add':
        case 'update':
        case 'delete':
          if (this.isPunct(this.peek(1), '@')) return this.parseSetOp();
          break;
        case 'set':
          if (this.isWord(this.peek(1), 'add', 'update', 'delete')) return this.parseOldSetOp();
          break;
        case 'ct':
          if (this.isWord(this.peek(1), 'count')) return this.parseOther();
          break;
        case 'tunnel':
          if (this.isWord(this.peek(1), 'name')) return this.parseOther();
          break;
        default:
          break;
      }
    }
    return this.parseExprStatement();
  }

  /** `name "x"` or `name KEY map { … }` of counter, quota, limit, synproxy, tunnel. */
  protected parseObjectRef(): Expr {
    const t = this.peek();
    const e = this.parseRhs('expr', false, true);
    if (e.kind !== 'value' && e.kind !== 'map') {
      this.fail(t, 'expecting an object name or a map lookup (KEY map { … })');
    }
    return e;
  }

  protected parseCounter(): Statement {
    const t = this.next();
    const s: CounterStmt = { kind: 'counter' };
    if (this.atWord('name')) {
      this.next();
      const from = this.pos - 1;
      const e = this.parseObjectRef();
      if (e.kind === 'value') {
        s.name = e.text;
        return this.withSpan(s, t);
      }
      return this.withSpan(
        { kind: 'other', keyword: 'counter', args: this.words(from, this.pos - 1) },
        t,
      );
    }
    if (this.atWord('packets') && this.isWord(this.peek(2), 'bytes')) {
      // `counter packets N bytes M`, as listings write it: one literal (see parseExprStatement).
      this.next();
      const packets = this.expectNumber();
      this.next();
      const bytes = this.expectNumber();
      return this.withSpan(new CounterNode(packets, bytes), t);
    }
    if (this.atWord('packets')) {
      this.next();
      s.packets = this.expectNumber();
    }
    if (this.atWord('bytes')) {
      this.next();
      s.bytes = this.expectNumber();
    }
    return this.withSpan(s, t);
  }

  protected parseLog(): Statement {
    const t = this.next();
    const s: LogStmt = { kind: 'log', options: [] };
    let guard = 0;
    while (guard++ < 32) {
      const k = this.peek();
      if (this.isWord(k, 'prefix')) {
        this.next();
        let v = '';
        // nft joins adjacent strings and variables in a prefix.
        let first = true;
        while (first || this.peek().kind === 'string' || this.atPunct('$')) {
          first = false;
          if (this.atPunct('$')) {
            const e = this.parseVariable();
            v += e.kind === 'value' ? e.text : '';
          } else v += this.expectString();
        }
        s.options.push({ key: 'prefix', value: v });
      } else if (this.isWord(k, 'level', 'group', 'snaplen', 'queue-threshold')) {
        this.next();
        s.options.push({ key: k.text, value: this.expectWord('value').text });
      } else if (this.isWord(k, 'flags')) {
        this.next();
        const f = this.expectWord('log flags');
        let v = f.text;
        if (f.text === 'tcp' || f.text === 'ip') v += ` ${this.parseWordList().join(',')}`;
        s.options.push({ key: 'flags', value: v });
      } else break;
    }
    const keys = s.options.map((o) => o.key);
    if (keys.includes('group') && keys.includes('level')) {
      this.fail(t, 'log: level and group are mutually exclusive');
    }
    return this.withSpan(s, t);
  }

  protected parseReject(): Statement {
    const t = this.next();
    const s: RejectStmt = { kind: 'reject' };
    if (this.atWord('with')) {
      this.next();
      const k = this.expectWord('icmp, icmpv6, icmpx or tcp');
      if (k.text === 'tcp') {
        this.keyword('reset');
        s.with = { type: 'tcp reset' };
      } else if (k.text === 'icmp' || k.text === 'icmpv6' || k.text === 'icmpx') {
        if (this.atWord('type')) this.next();
        const c = this.expectWord('reject code');
        s.with = { type: k.text, code: c.text };
      } else this.unexpected(k, 'icmp, icmpv6, icmpx or tcp');
    }
    return this.withSpan(s, t);
  }

  protected parseNat(): Statement {
    const t = this.next();
    const s = new NatNode(t.text as NatStmt['type']);
    if (
      this.atWord('ip', 'ip6') &&
      (this.isWord(this.peek(1), 'to', 'prefix', 'addr') || this.isEndAt(1))
    ) {
      s.family = this.next().text as 'ip' | 'ip6';
    }
    if (this.atWord('prefix')) {
      this.next();
      s.prefix = true;
    }
    if (
      this.atWord('addr') &&
      this.isPunct(this.peek(1), '.') &&
      this.isWord(this.peek(2), 'port')
    ) {
      this.next();
      this.next();
      this.next();
      s.addrPortMap = true;
    }
    if (this.atWord('to')) {
      this.next();
      this.parseAddrPort(s, t.text === 'masquerade' || t.text === 'redirect');
    } else if ((t.text === 'snat' || t.text === 'dnat') && !this.atEnd()) {
      // nft accepts the address without `to` (`dnat 10.0.0.2:22`).
      this.parseAddrPort(s, false);
    } else if (t.text === 'snat' || t.text === 'dnat') {
      this.unexpected(this.peek(), "'to'");
    }
    this.parseNatFlags(s.flags);
    if (s.addr?.kind === 'map' && !s.port) {
      const m = s.addr.map;
      if (m.kind === 'set' && m.elements.some((e) => e.value?.kind === 'concat'))
        s.addrPortMap = true;
    }
    return this.withSpan(s, t);
  }

  protected parseNatFlags(flags: string[]): void {
    let guard = 0;
    while (this.atWord('random', 'fully-random', 'persistent', 'netmap') && guard++ < 8) {
      flags.push(this.next().text);
      if (this.atPunct(',')) this.next();
    }
  }

  /** `ADDR`, `ADDR:PORT`, `[V6]:PORT`, `:PORT`, ranges and map lookups. */
  protected parseAddrPort(s: { addr?: Expr; port?: Expr }, portOnly: boolean): void {
    if (this.atPunct(':')) {
      this.next();
      s.port = this.parsePortExpr();
      return;
    }
    if (portOnly) {
      s.port = this.parsePortExpr();
      return;
    }
    if (this.atPunct('[')) {
      const open = this.next();
      const a = this.parseRhsItem('expr', false);
      this.expectPunct(']');
      if (this.atPunct('-') && this.isPunct(this.peek(1), '[')) {
        this.next();
        this.next();
        const b = this.parseRhsItem('expr', false);
        this.expectPunct(']');
        s.addr = { kind: 'range', low: a, high: b, span: this.span(open) };
      } else s.addr = a;
      if (this.atPunct(':')) {
        this.next();
        s.port = this.parsePortExpr();
      }
      return;
    }
    s.addr = this.parseRhs('expr', false, true);
    if (this.atPunct(':') && !this.peek().sp) {
      this.next();
      s.port = this.parsePortExpr();
    }
  }

  protected parsePortExpr(): Expr {
    return this.parseRhs('expr', false, true);
  }

  /** `queue [flags …] [num|to N] [bypass] [fanout]`. */
  private readQueueArgs(): void {
    let guard = 0;
    while (guard++ < 16) {
      if (this.atWord('flags')) {
        this.next();
        this.parseWordList();
      } else if (this.atWord('num', 'to')) {
        this.next();
        this.parseRhs('expr', false, true);
      } else if (this.atWord('bypass', 'fanout')) {
        this.next();
        if (this.atPunct(',')) this.next();
      } else break;
    }
  }

  /** `dup|fwd [ip|ip6] [to ADDR] [device DEV]`: single values only. */
  private readDupFwdArgs(t: Token): void {
    if (this.atWord('ip', 'ip6')) this.next();
    for (const k of ['to', 'device']) {
      if (!this.atWord(k)) continue;
      this.next();
      const e = this.parseRhs('expr', false, true);
      if (e.kind === 'range' || e.kind === 'prefix') {
        this.fail(
          this.prev(),
          `${t.text} ${k}: a ${e.kind} is not allowed here, expecting a single value`,
        );
      }
    }
  }

  /** `tproxy [ip|ip6] to ADDR:PORT`: single values only. */
  private readTproxyArgs(): void {
    if (this.atWord('ip', 'ip6')) this.next();
    this.keyword('to');
    const tmp: { addr?: Expr; port?: Expr } = {};
    this.parseAddrPort(tmp, false);
    for (const e of [tmp.addr, tmp.port]) {
      if (e && (e.kind === 'range' || e.kind === 'prefix')) {
        this.fail(
          this.prev(),
          `tproxy: a ${e.kind} is not allowed here, expecting an address and port`,
        );
      }
    }
  }

  /** `synproxy name REF` or `synproxy [mss N] [wscale N] [timestamp] [sack-perm]`. */
  private readSynproxyArgs(): void {
    if (this.atWord('name')) {
      this.next();
      this.parseObjectRef();
      return;
    }
    let guard = 0;
    while (guard++ < 8) {
      if (this.atWord('mss', 'wscale')) {
        this.next();
        this.expectNumber();
      } else if (this.atWord('timestamp', 'sack-perm')) this.next();
      else break;
    }
  }

  /** Statements the model keeps as keyword + words. */
  protected parseOther(): Statement {
    const t = this.next();
    let keyword = t.text;
    const startIdx = this.pos;
    switch (t.text) {
      case 'limit': {
        if (this.atWord('name')) {
          this.next();
          this.parseObjectRef();
          break;
        }
        this.consumeWords(LIMIT_WORDS);
        break;
      }
      case 'tunnel':
        this.keyword('name');
        this.parseObjectRef();
        break;
      case 'quota': {
        if (this.atWord('name')) {
          this.next();
          this.parseObjectRef();
          break;
        }
        this.consumeWords(['over', 'until', 'used', 'bytes', 'kbytes', 'mbytes', 'gbytes']);
        break;
      }
      case 'last': {
        if (this.atWord('used')) {
          this.next();
          this.expectWord('time');
        }
        break;
      }
      case 'queue':
        this.readQueueArgs();
        break;
      case 'dup':
      case 'fwd':
        this.readDupFwdArgs(t);
        break;
      case 'tproxy':
        this.readTproxyArgs();
        break;
      case 'synproxy':
        this.readSynproxyArgs();
        break;
      case 'flow': {
        const op = this.expectWord('add or offload');
        if (op.text === 'table') {
          keyword = 'meter';
          this.meterBody();
          break;
        }
        keyword = `flow ${op.text}`;
        this.expectPunct('@');
        this.expectIdentifier('flowtable name');
        return this.withSpan(
          { kind: 'other', keyword, args: this.words(startIdx + 1, this.pos - 1) },
          t,
        );
      }
      case 'meter':
        this.meterBody();
        break;
      case 'ct': {
        this.keyword('count');
        keyword = 'ct count';
        if (this.atWord('over')) this.next();
        this.expectNumber();
        return this.withSpan(
          { kind: 'other', keyword, args: this.words(startIdx + 1, this.pos - 1) },
          t,
        );
      }
      case 'xt': {
        this.expectWord('match or target');
        this.expectName('extension name');
        break;
      }
      default:
        this.unexpected(t);
    }
    const s: OtherStmt = { kind: 'other', keyword, args: this.words(startIdx, this.pos - 1) };
    return this.withSpan(s, t);
  }

  protected meterBody(): void {
    this.expectIdentifier('meter name');
    if (this.atWord('size')) {
      this.next();
      this.expectNumber();
    }
    const open = this.expectPunct('{');
    this.parseConcat('lhs');
    let guard = 0;
    while (!this.atPunct('}') && guard++ < 32) {
      if (this.atEnd() && !this.atPunct('}')) this.unexpected(this.peek(), "'}'");
      if (this.atWord('timeout')) {
        this.next();
        this.expectWord('time');
        continue;
      }
      const before = this.pos;
      const st = this.parseStatement();
      if (!st || this.pos === before) this.unexpected(this.peek());
    }
    this.expectPunct('}');
    void open;
  }

  protected consumeWords(allowed: string[]): void {
    let guard = 0;
    let any = false;
    while (guard++ < 32) {
      const t = this.peek();
      if (
        t.kind === 'word' &&
        (allowed.includes(t.text) || /^\d/.test(t.text) || /^[a-z]+\/[a-z]+$/.test(t.text))
      ) {
        this.next();
        any = true;
      } else if (this.isPunct(t, '/') && any) this.next();
      else if (any && !t.sp && t.kind === 'word') this.next();
      else break;
    }
  }

  protected parseSetOp(): Statement {
    const t = this.next();
    this.expectPunct('@');
    const set = this.expectIdentifier('set name');
    this.expectPunct('{');
    this.enter(t);
    try {
      this.skipNewlines();
      const key = this.parseConcat('lhs');
      const statements: Statement[] = [];
      let data: Expr | undefined;
      let guard = 0;
      while (!this.atPunct('}') && guard++ < 32) {
        this.skipNewlines();
        if (this.atPunct('}')) break;
        if (this.atWord('timeout', 'expires')) {
          // Element timeouts: kept as an `other` statement of the element.
          const from = this.next();
          const v = this.expectWord('time');
          statements.push(
            this.withSpan({ kind: 'other', keyword: from.text, args: [v.text] }, from),
          );
          continue;
        }
        if (this.atPunct(':')) {
          this.next();
          data = this.parseRhs('expr', true);
          this.skipNewlines();
          break;
        }
        const before = this.pos;
        const s = this.parseStatement();
        if (!s || this.pos === before) this.unexpected(this.peek(), "'}'");
        statements.push(s);
      }
      this.expectPunct('}');
      const op: SetOpStmt = {
        kind: 'setop',
        op: t.text as 'add' | 'update' | 'delete',
        set,
        key,
        statements,
      };
      if (data) op.data = data;
      return this.withSpan(op, t);
    } finally {
      this.leave();
    }
  }

  /** The pre-1.0 form `set add ip saddr @s` / `set update ip saddr timeout 10s @s`. */
  protected parseOldSetOp(): Statement {
    const t = this.next();
    const op = this.next().text as 'add' | 'update' | 'delete';
    const key = this.parseConcat('lhs');
    const statements: Statement[] = [];
    if (this.atWord('timeout')) {
      const from = this.next();
      const v = this.expectWord('time');
      statements.push(this.withSpan({ kind: 'other', keyword: 'timeout', args: [v.text] }, from));
    }
    this.expectPunct('@');
    const set = this.expectIdentifier('set name');
    return this.withSpan({ kind: 'setop', op, set, key, statements }, t);
  }

  protected parseExprStatement(): Statement {
    const plain = this.parsePlainMatch();
    if (plain) return plain;
    const t = this.peek();
    const left = this.parseConcat('lhs');
    const n = this.peek();
    if (this.isWord(n, 'set')) {
      this.next();
      const value = this.parseRhs('expr', false, true);
      return this.withSpan({ kind: 'mangle', target: left, value }, t);
    }
    if (this.isWord(n, 'vmap')) {
      this.next();
      const m = this.peek();
      let map: Expr;
      if (this.isPunct(m, '@')) map = this.parsePrimary('value');
      else map = this.parseSetLiteral('value', true);
      return this.withSpan({ kind: 'vmap', key: left, map }, t);
    }
    if (this.isWord(n, 'map')) {
      this.unexpected(n);
    }
    let op: '==' | '!=' | '<' | '>' | '<=' | '>=' | undefined;
    if (this.isPunct(n, '==', '!=', '<', '>', '<=', '>=')) {
      op = this.next().text as typeof op;
    } else if (this.isWord(n, 'eq', 'ne', 'lt', 'gt', 'le', 'ge')) {
      op = ({ eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' } as const)[n.text as 'eq'];
      this.next();
    } else if (this.isPunct(n, '!')) {
      this.next();
      op = '!=';
    }
    if (this.atEnd()) {
      if (op) this.unexpected(this.peek(), 'a value');
      this.fail(t, 'syntax error: expression without a value to compare with');
    }
    let right: Expr;
    if (this.atWord('exists', 'missing')) {
      const s = this.next();
      right = { kind: 'symbol', name: s.text as 'exists' | 'missing', span: this.span(s) };
    } else right = this.parseRhs('value', false);
    if (this.atPunct('/') && this.peek().sp) {
      this.next();
      const mask = this.parseRhs('value', false);
      const stmt: Statement = { kind: 'match', left, op: op ?? '==', right };
      if (!op) stmt.implicitOp = true;
      stmt.mask = mask;
      return this.withSpan(stmt, t);
    }
    // The common shape as a class (nft/nodes.ts): span and text made when read.
    const stmt = new MatchNode(left, op ?? '==', right, !op);
    return this.withSpan(stmt, t);
  }
}
