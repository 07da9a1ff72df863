/**
 * A JSON reader that keeps where every value starts and ends, so that a table, a rule or an
 * expression read from `nft -j list ruleset` output can point back at its place in the file.
 * JSON.parse gives no positions; this follows RFC 8259 exactly (no comments, no trailing
 * commas) and reports the first error with its line and column.
 */

import type { Span } from '../model.ts';

export type JsonNode = JsonObject | JsonArray | JsonScalar;

interface NodeBase {
  span: Span;
}

export interface JsonObject extends NodeBase {
  type: 'object';
  /** Members in source order; a duplicate key keeps both entries (the last one wins on lookup). */
  members: { key: string; keySpan: Span; value: JsonNode }[];
}

export interface JsonArray extends NodeBase {
  type: 'array';
  items: JsonNode[];
}

export interface JsonScalar extends NodeBase {
  type: 'string' | 'number' | 'boolean' | 'null';
  value: string | number | boolean | null;
  /** The number as written (keeps `1e3`, big integers beyond 2^53). */
  raw?: string;
}

/** A syntax error in the JSON text, with the place it was found. */
export class JsonSyntaxError extends Error {
  readonly span: Span;
  constructor(message: string, span: Span) {
    super(message);
    this.name = 'JsonSyntaxError';
    this.span = span;
  }
}

/** Maps offsets to 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  readonly file: string;
  constructor(text: string, file: string) {
    this.file = file;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
  span(offset: number, end: number): Span {
    const a = this.position(offset);
    const b = this.position(end);
    return {
      file: this.file,
      line: a.line,
      col: a.col,
      endLine: b.line,
      endCol: b.col,
      offset,
      end,
    };
  }
}

const MAX_DEPTH = 512;

export function parseJsonTree(text: string, file: string): JsonNode {
  return new JsonReader(text, file).document();
}

/** Escapes with one character after the backslash, and what they stand for. */
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Reads one JSON text from the start, `pos` moving past each value it reads. */
class JsonReader {
  private pos = 0;
  private depth = 0;
  private readonly text: string;
  private readonly lines: LineIndex;

  constructor(text: string, file: string) {
    this.text = text;
    this.lines = new LineIndex(text, file);
  }

  /** The whole text: one value, with only white space (and a leading BOM) around it. */
  document(): JsonNode {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const root = this.value();
    this.skipSpace();
    if (this.pos < this.text.length)
      this.fail(`unexpected ${this.describe(this.pos)} after the end of the JSON value`);
    return root;
  }

  private fail(message: string, at = this.pos, end = Math.min(at + 1, this.text.length)): never {
    throw new JsonSyntaxError(message, this.lines.span(at, Math.max(end, at)));
  }

  private describe(at: number): string {
    if (at >= this.text.length) return 'end of input';
    const ch = this.text[at]!;
    return /[\x00-\x1f]/.test(ch)
      ? `control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
      : `'${ch}'`;
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private string(): { value: string; start: number } {
    const text = this.text;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail('unterminated string', start, text.length);
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        out += text.slice(chunk, this.pos);
        this.pos++;
        return { value: out, start };
      }
      if (c < 0x20) this.fail(`${this.describe(this.pos)} inside a string (escape it)`);
      if (c === 0x5c) {
        out += text.slice(chunk, this.pos) + this.escape();
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** The character an escape at `pos` stands for; `pos` moves past it. */
  private escape(): string {
    const text = this.text;
    const pos = this.pos;
    const e = text[pos + 1];
    if (e !== undefined && e in SIMPLE_ESCAPES) {
      this.pos += 2;
      return SIMPLE_ESCAPES[e]!;
    }
    if (e === 'u') {
      const hex = text.slice(pos + 2, pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex))
        this.fail('bad \\u escape: four hex digits expected', pos, pos + 6);
      this.pos += 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    return this.fail(`bad escape '\\${e ?? ''}' in string`, pos, pos + 2);
  }

  private number(): JsonScalar {
    const start = this.pos;
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.pos, this.pos + 400),
    );
    if (!m) this.fail(`unexpected ${this.describe(this.pos)}: a value was expected`);
    const raw = m![0];
    this.pos += raw.length;
    return { type: 'number', value: Number(raw), raw, span: this.lines.span(start, this.pos) };
  }

  private value(): JsonNode {
    this.skipSpace();
    const text = this.text;
    const start = this.pos;
    const ch = text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') {
      const s = this.string();
      return { type: 'string', value: s.value, span: this.lines.span(start, this.pos) };
    }
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return {
          type: value === null ? 'null' : 'boolean',
          value,
          span: this.lines.span(start, this.pos),
        };
      }
    }
    return this.fail(`unexpected ${this.describe(this.pos)}: a value was expected`);
  }

  private enter(): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  /**
   * The items of an object or array after its opening bracket, each read by `item`, up to the
   * closing bracket `close`.
   */
  private sequence(close: '}' | ']', item: () => void): void {
    const text = this.text;
    this.enter();
    this.pos++;
    this.skipSpace();
    if (text[this.pos] === close) {
      this.pos++;
    } else {
      for (;;) {
        item();
        this.skipSpace();
        if (text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (text[this.pos] === close) {
          this.pos++;
          break;
        }
        this.fail(`unexpected ${this.describe(this.pos)}: ',' or '${close}' was expected`);
      }
    }
    this.depth--;
  }

  private object(): JsonObject {
    const start = this.pos;
    const members: JsonObject['members'] = [];
    this.sequence('}', () => members.push(this.member()));
    return { type: 'object', members, span: this.lines.span(start, this.pos) };
  }

  private member(): JsonObject['members'][number] {
    const text = this.text;
    this.skipSpace();
    if (text[this.pos] !== '"')
      this.fail(
        `unexpected ${this.describe(this.pos)}: a member name in double quotes was expected`,
      );
    const keyStart = this.pos;
    const key = this.string().value;
    const keySpan = this.lines.span(keyStart, this.pos);
    this.skipSpace();
    if (text[this.pos] !== ':')
      this.fail(`unexpected ${this.describe(this.pos)}: ':' was expected after the member name`);
    this.pos++;
    return { key, keySpan, value: this.value() };
  }

  private array(): JsonArray {
    const start = this.pos;
    const items: JsonNode[] = [];
    this.sequence(']', () => items.push(this.value()));
    return { type: 'array', items, span: this.lines.span(start, this.pos) };
  }
}

/** The value of member `key` (the last one when a key repeats). */
export function member(obj: JsonObject, key: string): JsonNode | undefined {
  for (let i = obj.members.length - 1; i >= 0; i--) {
    const m = obj.members[i]!;
    if (m.key === key) return m.value;
  }
  return undefined;
}
