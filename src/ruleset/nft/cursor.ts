/**
 * The nft parser's token cursor: looking at and consuming tokens, positioned errors,
 * spans, resynchronisation after an error, and the helpers every layer of the parser shares.
 * The parser is a chain of classes, one job each: TokenCursor → ValueParser (values.ts) →
 * ExpressionParser (expressions.ts) → StatementParser (statements.ts) → BlockParser
 * (blocks.ts) → NftParser (parser.ts: commands and scripts).
 */
import type { Diagnostic } from '../diagnostics.ts';
import { integerValue } from '../literals.ts';
import type { Chain, Expr, Ruleset, Span, Table } from '../model.ts';
import { printExpr } from '../printer.ts';
import { lexStream, oneOf, type Token, type TokenStream } from './lexer.ts';
import { LineIndex, Located, SourceSpan } from './nodes.ts';
import { RESERVED_WORDS } from './vocabulary.ts';

/** Internal: aborts the current command or rule; caught at the nearest resync point. */
export class ParseFail {
  readonly diag: Diagnostic;
  constructor(diag: Diagnostic) {
    this.diag = diag;
  }
}

/** What the parser needs from the outside world for `include`. */
export interface IncludeHost {
  /**
   * Resolves and reads an included file. Returns the files (a glob may match several) or an
   * error message for a positioned diagnostic.
   */
  read(
    path: string,
    fromFile: string,
  ): { files: { path: string; text: string }[] } | { error: string };
}

export interface ParseState {
  ruleset: Ruleset;
  defines: Map<string, Expr>;
  diagnostics: Diagnostic[];
  include?: IncludeHost;
  includeStack: string[];
  /** Given each chain's rules as they are read, when only checking (check-stream.ts). */
  rules?: RuleSink;
}

/** What reads a chain's rules as the parser reads them, when the rules are not kept. */
export interface RuleSink {
  /** The rules of `chain` from `from` on are read (one in a block, or by `add rule`). */
  added(table: Table, chain: Chain, from: number): void;
  /** The chain's rules are removed (`flush chain`, `flush table`). */
  flushed(chain: Chain): void;
  /** The script reads rules back or removes them (`delete rule`, `insert`, `flush chain`…). */
  readsBack(): never;
}

/** Expression contexts: what a bare word means. */
export type Ctx = 'lhs' | 'value' | 'expr';

export const MAX_ERRORS = 100;
export const FIB_FLAGS = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
export const SOCKET_KEYS = new Set(['transparent', 'mark', 'wildcard', 'cgroupv2']);
export const MAX_INCLUDE_DEPTH = 16;
export const MAX_NESTING = 64;

/** `0x…` hex or decimal digits (a loop: this runs for every counter of a listing). */
export function isNumeric(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  if (n > 2 && text.charCodeAt(0) === 48 && text.charCodeAt(1) === 120) {
    for (let i = 2; i < n; i++) {
      const c = text.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
    }
    return true;
  }
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Digits after a leading 0, which nft's scanner reads in base 8 (`010` is 8, `08` no number). */
export function isOctal(text: string): boolean {
  return text.length > 1 && text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) !== 120;
}

/** A deep copy of an expression; spans, which never change, are shared. */
export function cloneExpr<T>(e: T): T {
  if (Array.isArray(e)) return e.map(cloneExpr) as T;
  if (e === null || typeof e !== 'object' || e instanceof SourceSpan) return e;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e)) out[k] = cloneExpr((e as Record<string, unknown>)[k]);
  // Nodes whose span is an accessor (Located) keep it in the copy.
  if (e instanceof Located) out.span = e.span;
  return out as T;
}

export abstract class TokenCursor {
  protected readonly toks: TokenStream;
  protected pos = 0;
  protected readonly text: string;
  protected readonly file: string;
  protected readonly st: ParseState;
  protected depth = 0;
  /** Made with the first span. */
  private lineIndex: LineIndex | undefined;

  constructor(text: string, file: string, state: ParseState) {
    this.text = text;
    this.file = file;
    this.st = state;
    const { stream, errors } = lexStream(text, file);
    this.toks = stream;
    for (const e of errors) {
      this.st.diagnostics.push({
        file,
        line: e.line,
        col: e.col,
        endLine: e.line,
        endCol: e.col + 1,
        message: e.message,
        severity: 'error',
      });
    }
  }

  protected peek(k = 0): Token {
    return this.toks.get(this.at(k));
  }

  /** The index of the token `k` ahead (the end of the text's, past it). */
  protected at(k: number): number {
    const i = this.pos + k;
    const last = this.toks.length - 1;
    return i < last ? i : last;
  }

  protected next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  protected prev(): Token {
    return this.toks.get(this.pos > 0 ? this.pos - 1 : 0);
  }

  // The token tests take their alternatives as plain parameters (see oneOf).

  /** A word; one of the given words when any are given. */
  protected isWord(
    t: Token,
    a?: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    if (t.kind !== 'word') return false;
    return a === undefined || oneOf(t.text, a, b, c, d, e, f);
  }

  /** A word of the set. */
  protected isWordIn(t: Token, words: ReadonlySet<string> | readonly string[]): boolean {
    if (t.kind !== 'word') return false;
    return Array.isArray(words)
      ? (words as readonly string[]).includes(t.text)
      : (words as ReadonlySet<string>).has(t.text);
  }

  /** One of the given punctuation signs. */
  protected isPunct(
    t: Token,
    a: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    return t.kind === 'punct' && oneOf(t.text, a, b, c, d, e, f);
  }

  // The tests of the next token below read the tokenizer's arrays: no token object is made for
  // a newline, a brace or a word that is only looked at.

  protected atWord(
    a?: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    return this.toks.wordIs(this.at(0), a, b, c, d, e, f);
  }

  protected atPunct(
    a: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    return this.toks.punctIs(this.at(0), a, b, c, d, e, f);
  }

  /** A `# handle N` comment is next. */
  protected atHandle(): boolean {
    return this.toks.kindAt(this.at(0)) === 'handle';
  }

  /** End of a rule or a chain/table body item. */
  protected atEnd(): boolean {
    const i = this.at(0);
    const k = this.toks.kindAt(i);
    return (
      k === 'nl' || k === 'eof' || k === 'handle' || k === 'count' || this.toks.punctIs(i, ';', '}')
    );
  }

  protected describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'nl') return 'end of line';
    if (t.kind === 'string') return `string "${t.text}"`;
    if (t.kind === 'handle') return 'comment';
    return `'${t.text}'`;
  }

  protected fail(t: Token, message: string): never {
    throw new ParseFail({
      file: t.file,
      line: t.line,
      col: t.col,
      endLine: t.line,
      endCol: t.col + Math.max(1, t.end - t.offset),
      message,
      severity: 'error',
    });
  }

  protected unexpected(t: Token, expected?: string): never {
    this.fail(
      t,
      `syntax error, unexpected ${this.describe(t)}${expected ? `, expecting ${expected}` : ''}`,
    );
  }

  protected expectWord(what = 'identifier'): Token {
    const t = this.peek();
    if (t.kind !== 'word') this.unexpected(t, what);
    return this.next();
  }

  /** A name: a word or a quoted string. */
  protected expectName(what = 'identifier'): string {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string') {
      this.next();
      return t.text;
    }
    if (this.isPunct(t, '$')) {
      const e = this.parseVariable();
      if (e.kind === 'value') return e.text;
      this.fail(t, 'variable does not hold a name');
    }
    this.unexpected(t, what);
  }

  /**
   * A name nft reads as an identifier (a table, chain, set or object name, a jump target): a
   * name, but not one of the words nft always reads as keywords, unquoted (RESERVED_WORDS).
   */
  protected expectIdentifier(what: string): string {
    this.refuseNonIdentifier(what);
    return this.expectName(what);
  }

  /**
   * Fails at the next token when nft would not read it as an identifier: a word it always reads
   * as a keyword (refuseKeyword), or a quoted string — nft's `identifier` is an unquoted word
   * (parser_bison.y: STRING, not QUOTED_STRING), so `chain "web"` is a syntax error there,
   * though a comment or an object reference (`ct helper set "ftp"`) may be quoted.
   */
  protected refuseNonIdentifier(what: string): void {
    this.refuseKeyword(what);
    if (this.toks.kindAt(this.at(0)) === 'string')
      this.fail(this.peek(), `syntax error, unexpected quoted string, expecting ${what}`);
  }

  /** Fails at the next token when it is a word nft always reads as a keyword (RESERVED_WORDS). */
  protected refuseKeyword(what: string): void {
    // From the token arrays: every chain, set and object name is asked this.
    const i = this.at(0);
    if (
      this.toks.wordIs(i) &&
      this.toks.isLanguageWord(i) &&
      RESERVED_WORDS.has(this.toks.wordText(i))
    ) {
      const t = this.peek();
      this.fail(t, `syntax error, unexpected keyword '${t.text}', expecting ${what}`);
    }
  }

  protected expectPunct(p: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) this.unexpected(t, `'${p}'`);
    return this.next();
  }

  protected keyword(w: string): Token {
    const t = this.peek();
    if (!this.isWord(t, w)) this.unexpected(t, `'${w}'`);
    return this.next();
  }

  protected skipNewlines(): void {
    let guard = 0;
    while (this.toks.kindAt(this.at(0)) === 'nl' && guard++ < 1e7) this.skip();
  }

  protected skipSeparators(): void {
    for (;;) {
      const i = this.at(0);
      const k = this.toks.kindAt(i);
      if (k === 'nl' || k === 'count' || this.toks.punctIs(i, ';')) this.skip();
      else break;
    }
  }

  /** Past the next token, without making it (as next()). */
  protected skip(): void {
    if (this.pos < this.toks.length - 1) this.pos++;
  }

  /** From `from` to `to` (by default the token read last), or `from` alone when `to` is before it. */
  protected span(from: Token, to?: Token): Span {
    return new SourceSpan(
      from.offset,
      to ? this.endFrom(from, to.offset, to.end) : this.readEnd(from),
      this.lines(),
    );
  }

  /**
   * Where the token read last ends, or `from` when that token is before it: from the
   * tokenizer's arrays (the last token of a statement or a rule is often one no parser made).
   */
  protected readEnd(from: Token): number {
    return this.readEndFrom(from.offset, from.end);
  }

  /** As readEnd, from the token that starts at `offset` and ends at `end` (none made). */
  protected readEndFrom(offset: number, end: number): number {
    const i = this.pos > 0 ? this.pos - 1 : 0;
    const start = this.toks.startOf(i);
    return start >= offset ? this.toks.endOf(i) : end;
  }

  private endFrom(from: Token, start: number, end: number): number {
    return start >= from.offset ? end : from.end;
  }

  /** The text's line index, made with the first span. */
  protected lines(): LineIndex {
    this.lineIndex ??= new LineIndex(this.text, this.toks.lineStarts(), this.file);
    return this.lineIndex;
  }

  protected slice(from: Token, to: Token = this.prev()): string {
    return this.text.slice(from.offset, Math.max(from.offset, to.end));
  }

  /** The tokens from..to (inclusive indexes) as words, adjacent tokens glued. */
  protected words(fromIdx: number, toIdx: number): string[] {
    const out: string[] = [];
    for (let i = fromIdx; i <= toIdx; i++) {
      const t = this.toks.get(i);
      if (t.kind === 'nl') continue;
      let s = t.kind === 'string' ? `"${t.text}"` : t.text;
      // `[::1]` is read as the word ::1 (lexer.ts): its brackets are kept in the words.
      if (t.kind === 'word' && this.text.charCodeAt(t.offset - 1) === 91) {
        if (this.text.charCodeAt(t.end) === 93) s = `[${s}]`;
      }
      const n = i + 1 < this.toks.length ? this.toks.get(i + 1) : undefined;
      if (this.isPunct(t, '$') && n?.kind === 'word' && !n.sp && i < toIdx) {
        // Variables are resolved here too: the words hold what nft would list.
        const v = this.st.defines.get(n.text);
        if (v) {
          s = printExpr(v);
          i++;
        }
      }
      if (out.length > 0 && !t.sp) out[out.length - 1] += s;
      else out.push(s);
    }
    return out;
  }

  protected record(d: Diagnostic): void {
    if (this.st.diagnostics.length < MAX_ERRORS) this.st.diagnostics.push(d);
  }

  /**
   * After an error: skip to the end of the current line or `;` at this brace depth. Stops
   * before a `}` that closes an enclosing block.
   */
  protected resync(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') {
        if (depth === 0) return;
        depth--;
      }
      if (depth === 0 && (t.kind === 'nl' || this.isPunct(t, ';'))) {
        this.next();
        return;
      }
      this.next();
    }
  }

  /**
   * The items of a `{ … }` block whose opening brace `open` was just read, up to and with its
   * closing brace, each parsed by `item` (given its first token); an error ends the block.
   * `what` names the block in the message for a missing `}`.
   */
  protected parseBraced(
    open: Token,
    what: string,
    item: (first: Token) => void,
    recover = false,
  ): void {
    this.enter(open);
    try {
      for (;;) {
        this.skipSeparators();
        if (this.atPunct('}')) {
          this.skip();
          return;
        }
        if (this.toks.kindAt(this.at(0)) === 'eof')
          this.fail(open, `unterminated ${what}: missing '}'`);
        // Items with recovery take no token (parseBlockItems): none is made for them.
        if (recover) this.recovering(item as () => void);
        else item(this.peek());
      }
    } finally {
      this.leave();
    }
  }

  /**
   * As parseBraced, with recovery: an error in one item is recorded and skipped (to the end
   * of its line or `;`) so the rest of the block still parses.
   */
  protected parseBlockItems(open: Token, what: string, item: () => void): void {
    this.parseBraced(open, what, item, true);
  }

  /** One item of a block; an error in it recorded and skipped (parseBlockItems). */
  private recovering(item: () => void): void {
    const before = this.pos;
    try {
      item();
    } catch (err) {
      if (!(err instanceof ParseFail)) throw err;
      this.record(err.diag);
      this.resync();
      if (this.pos === before) this.next();
    }
  }

  /**
   * Items up to the end of the input (a script's commands, or the items of a file included in
   * a table or chain block): each parsed by `item`; an error in one is recorded and skipped to
   * the end of its line or `;`, and a position that made no progress drops one token.
   */
  protected parseItemsToEnd(item: () => void): void {
    let lastPos = -1;
    for (;;) {
      this.skipSeparators();
      if (this.peek().kind === 'eof') return;
      if (this.pos === lastPos) {
        // No progress: drop one token (never loops).
        this.next();
        continue;
      }
      lastPos = this.pos;
      try {
        item();
      } catch (err) {
        if (!(err instanceof ParseFail)) throw err;
        this.record(err.diag);
        this.resync();
      }
    }
  }

  protected enter(t: Token): void {
    if (++this.depth > MAX_NESTING) this.fail(t, 'nesting too deep');
  }

  protected leave(): void {
    this.depth--;
  }

  protected expectString(): string {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.text;
    }
    if (this.isPunct(t, '$')) {
      const e = this.parseVariable();
      if (e.kind === 'value') return e.text;
    }
    this.unexpected(t, 'string');
  }

  /** `a,b,c` (flags). */
  protected parseWordList(): string[] {
    const out: string[] = [this.expectWord('flag').text];
    while (this.atPunct(',')) {
      this.next();
      this.skipNewlines();
      out.push(this.expectWord('flag').text);
    }
    return out;
  }

  protected isEndAt(k: number): boolean {
    const i = this.at(k);
    const kind = this.toks.kindAt(i);
    return kind === 'nl' || kind === 'eof' || kind === 'handle' || this.toks.punctIs(i, ';', '}');
  }

  protected expectNumber(): number {
    const i = this.at(0);
    const text = this.toks.wordIs(i) ? this.toks.wordText(i) : '';
    // A number as nft's scanner reads it (`010` is 8; `08` none): decimal and hex as they are.
    if (isNumeric(text) && !isOctal(text)) {
      this.skip();
      return Number(text);
    }
    const value = integerValue(text);
    if (value === undefined) this.unexpected(this.peek(), 'number');
    this.skip();
    return Number(value);
  }

  protected parseVariable(): Expr {
    const d = this.expectPunct('$');
    const n = this.peek();
    if (n.kind !== 'word' || n.sp) this.unexpected(n, 'variable name');
    this.next();
    const v = this.st.defines.get(n.text);
    if (!v) this.fail(n, `undefined variable '${n.text}'`);
    void d;
    return cloneExpr(v);
  }
}

/** A stable key for comparing set elements. */
export function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'span' ? undefined : v));
}

export function flattenNames(e: Expr): string[] {
  if (e.kind === 'value') return [e.text];
  if (e.kind === 'set') return e.elements.flatMap((x) => flattenNames(x.key));
  if (e.kind === 'list') return e.items.flatMap(flattenNames);
  return [];
}
