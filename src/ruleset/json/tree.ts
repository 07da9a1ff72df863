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
  const lines = new LineIndex(text, file);
  let pos = 0;
  let depth = 0;

  const fail = (message: string, at = pos, end = Math.min(at + 1, text.length)): never => {
    throw new JsonSyntaxError(message, lines.span(at, Math.max(end, at)));
  };

  const describe = (at: number): string => {
    if (at >= text.length) return 'end of input';
    const ch = text[at]!;
    return /[\x00-\x1f]/.test(ch)
      ? `control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
      : `'${ch}'`;
  };

  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };

  const parseString = (): { value: string; start: number } => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunk = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start, text.length);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunk, pos);
        pos++;
        return { value: out, start };
      }
      if (c < 0x20) fail(`${describe(pos)} inside a string (escape it)`);
      if (c === 0x5c) {
        out += text.slice(chunk, pos);
        const e = text[pos + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          pos += 2;
        } else if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex))
            fail('bad \\u escape: four hex digits expected', pos, pos + 6);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 6;
        } else {
          fail(`bad escape '\\${e ?? ''}' in string`, pos, pos + 2);
        }
        chunk = pos;
        continue;
      }
      pos++;
    }
  };

  const parseNumber = (): JsonScalar => {
    const start = pos;
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(
      text.slice(pos, pos + 400),
    );
    if (!m) fail(`unexpected ${describe(pos)}: a value was expected`);
    const raw = m![0];
    pos += raw.length;
    return { type: 'number', value: Number(raw), raw, span: lines.span(start, pos) };
  };

  const parseValue = (): JsonNode => {
    skipSpace();
    const start = pos;
    const ch = text[pos];
    if (ch === '{') return parseObject();
    if (ch === '[') return parseArray();
    if (ch === '"') {
      const s = parseString();
      return { type: 'string', value: s.value, span: lines.span(start, pos) };
    }
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return parseNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return {
          type: value === null ? 'null' : 'boolean',
          value,
          span: lines.span(start, pos),
        };
      }
    }
    return fail(`unexpected ${describe(pos)}: a value was expected`);
  };

  const enter = (): void => {
    depth++;
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
  };

  const parseObject = (): JsonObject => {
    const start = pos;
    enter();
    pos++;
    const members: JsonObject['members'] = [];
    skipSpace();
    if (text[pos] === '}') {
      pos++;
    } else {
      for (;;) {
        skipSpace();
        if (text[pos] !== '"')
          fail(`unexpected ${describe(pos)}: a member name in double quotes was expected`);
        const keyStart = pos;
        const key = parseString().value;
        const keySpan = lines.span(keyStart, pos);
        skipSpace();
        if (text[pos] !== ':')
          fail(`unexpected ${describe(pos)}: ':' was expected after the member name`);
        pos++;
        const value = parseValue();
        members.push({ key, keySpan, value });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          break;
        }
        fail(`unexpected ${describe(pos)}: ',' or '}' was expected`);
      }
    }
    depth--;
    return { type: 'object', members, span: lines.span(start, pos) };
  };

  const parseArray = (): JsonArray => {
    const start = pos;
    enter();
    pos++;
    const items: JsonNode[] = [];
    skipSpace();
    if (text[pos] === ']') {
      pos++;
    } else {
      for (;;) {
        items.push(parseValue());
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          break;
        }
        fail(`unexpected ${describe(pos)}: ',' or ']' was expected`);
      }
    }
    depth--;
    return { type: 'array', items, span: lines.span(start, pos) };
  };

  if (text.charCodeAt(0) === 0xfeff) pos = 1;
  const root = parseValue();
  skipSpace();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the end of the JSON value`);
  return root;
}

/** The value of member `key` (the last one when a key repeats). */
export function member(obj: JsonObject, key: string): JsonNode | undefined {
  for (let i = obj.members.length - 1; i >= 0; i--) {
    const m = obj.members[i]!;
    if (m.key === key) return m.value;
  }
  return undefined;
}
