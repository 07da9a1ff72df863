/**
 * Reading a YAML document node by node, with positions. Every accessor reports what is wrong
 * (missing key, unknown key, wrong type) as a positioned diagnostic and returns `undefined`,
 * so the loader can go on and find the other errors too.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
  type Node as YamlNode,
} from 'yaml';
import type { Diagnostic } from '../ruleset/diagnostics.ts';
import type { Span } from '../ruleset/model.ts';
import { closest } from './suggest.ts';

export type Node = YamlNode | null;

/** One key of a mapping: the key node (for positions) and its value node. */
export interface Entry {
  key: Scalar;
  value: Node;
  /** Where the value is, for messages: `hosts[0].addresses`. */
  path: string;
}

export class Reader {
  readonly file: string;
  readonly diagnostics: Diagnostic[] = [];
  private readonly lines: LineCounter;
  private readonly textLength: number;

  constructor(file: string, lines: LineCounter, textLength: number) {
    this.file = file;
    this.lines = lines;
    this.textLength = textLength;
  }

  /** Reports an error at a byte offset of the file. */
  errorAt(offset: number, message: string): void {
    const o = Math.max(0, Math.min(offset, this.textLength));
    const { line, col } = this.lines.linePos(o);
    this.diagnostics.push({ file: this.file, line, col, message, severity: 'error' });
  }

  /** Reports an error at a node (or at the start of the file when there is none). */
  error(node: Node | Pair | undefined, message: string): void {
    this.errorAt(this.offsetOf(node), message);
  }

  offsetOf(node: Node | Pair | undefined): number {
    if (!node) return 0;
    if ('range' in node && node.range) return node.range[0];
    if ('key' in node) {
      const k = node.key as Node;
      if (k && 'range' in k && k.range) return k.range[0];
    }
    return 0;
  }

  span(node: Node | undefined): Span | undefined {
    if (!node?.range) return undefined;
    const [start, , end] = node.range;
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(Math.min(end, this.textLength));
    return {
      file: this.file,
      line: a.line,
      col: a.col,
      endLine: b.line,
      endCol: b.col,
      offset: start,
      end,
    };
  }

  /**
   * A mapping with a closed set of keys. Unknown keys, duplicate keys and missing required keys
   * are reported; the known keys present are returned.
   */
  map(
    node: Node,
    where: string,
    allowed: readonly string[],
    required: readonly string[],
    at?: Node | Pair,
    acceptKey?: (name: string) => boolean,
  ): Map<string, Entry> | undefined {
    if (!this.checkNotAlias(node)) return undefined;
    if (!isMap(node)) {
      this.error(
        node ?? at,
        `${where} must be a mapping (key: value lines), not ${describe(node)}`,
      );
      return undefined;
    }
    const entries = new Map<string, Entry>();
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const key = pair.key as Node;
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.error(key ?? node, `keys in ${where} must be plain names, not ${describe(key)}`);
        continue;
      }
      const name = key.value;
      if (!allowed.includes(name) && !acceptKey?.(name)) {
        const hint = closest(name, allowed);
        this.error(
          key,
          `unknown key "${name}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}`,
        );
        continue;
      }
      if (entries.has(name)) {
        this.error(key, `duplicate key "${name}" in ${where}`);
        continue;
      }
      const path = where === 'the top level' ? name : `${where}.${name}`;
      entries.set(name, { key, value: pair.value as Node, path });
    }
    for (const name of required) {
      if (!entries.has(name)) this.error(node, `missing key "${name}" in ${where}`);
    }
    return entries;
  }

  /** A sequence; `undefined` (after reporting) when the node is something else. */
  seq(entry: Entry): { items: Node[]; node: YAMLSeq } | undefined {
    const node = entry.value;
    if (!this.checkNotAlias(node)) return undefined;
    if (!isSeq(node)) {
      this.error(node ?? entry.key, `${entry.path} must be a list, not ${describe(node)}`);
      return undefined;
    }
    return { items: node.items as Node[], node };
  }

  /** A string scalar. Numbers are refused: quote them when a string is meant. */
  string(entry: Entry, opts: { nonEmpty?: boolean } = {}): string | undefined {
    return this.stringNode(entry.value, entry.path, entry.key, opts);
  }

  stringNode(
    node: Node,
    path: string,
    at?: Node | Pair,
    opts: { nonEmpty?: boolean } = {},
  ): string | undefined {
    if (!this.checkNotAlias(node)) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.error(node ?? at, `${path} must be a string, not ${describe(node)}`);
      return undefined;
    }
    if (opts.nonEmpty !== false && node.value.trim() === '') {
      this.error(node, `${path} must not be empty`);
      return undefined;
    }
    return node.value;
  }

  /** An integer scalar within [min, max]. */
  integer(entry: Entry, min: number, max: number): number | undefined {
    return this.integerNode(entry.value, entry.path, min, max, entry.key);
  }

  integerNode(
    node: Node,
    path: string,
    min: number,
    max: number,
    at?: Node | Pair,
  ): number | undefined {
    if (!this.checkNotAlias(node)) return undefined;
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
      this.error(node ?? at, `${path} must be a whole number, not ${describe(node)}`);
      return undefined;
    }
    if (node.value < min || node.value > max) {
      this.error(node, `${path} must be between ${min} and ${max}, not ${node.value}`);
      return undefined;
    }
    return node.value;
  }

  private checkNotAlias(node: Node): boolean {
    if (isAlias(node)) {
      this.error(node, 'YAML aliases (*name) are not supported in scenarios: write the value out');
      return false;
    }
    return true;
  }
}

/** How a node is called in messages: `a list`, `a number (12)`, `nothing`. */
export function describe(node: Node | unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    if (typeof v === 'number') return `a number (${String(v)})`;
    if (typeof v === 'boolean') return `a boolean (${String(v)})`;
    if (typeof v === 'string') return `a string ("${v.length > 40 ? `${v.slice(0, 40)}…` : v}")`;
    return `a ${typeof v}`;
  }
  return 'something else';
}
