/**
 * What the translation of one `-A` line works with: the words of the line, where the line
 * sits in its file, the table and family, and a way to fail at a word.
 */
import type { NamedSet, Span } from '../model.ts';
import type { Word } from './tokenize.ts';

export type IpFamily = 'ip' | 'ip6';

/** An error at a position in a line (the file parser turns it into a diagnostic). */
export class LineError extends Error {
  /** 0-based offsets in the line. */
  readonly start: number;
  readonly end: number;
  constructor(message: string, start: number, end: number) {
    super(message);
    this.start = start;
    this.end = end;
  }
}

/** One line of the input, for building spans. */
export interface LineRef {
  file: string;
  /** 1-based line number. */
  line: number;
  /** Offset of the line's first character in the file. */
  offset: number;
  text: string;
}

export function lineSpan(ref: LineRef, start: number, end: number): Span {
  return {
    file: ref.file,
    line: ref.line,
    col: start + 1,
    endLine: ref.line,
    endCol: end + 1,
    offset: ref.offset + start,
    end: ref.offset + end,
  };
}

/** One use of an option: `! --dport 22`, `--dport ! 22` (old syntax), `--syn`. */
export interface OptionUse {
  /** The option as written, long form kept (`--dport`, `--destination-port`). */
  name: string;
  negated: boolean;
  args: Word[];
  /** The first word (`!` or the option itself) and the last word of the use. */
  first: Word;
  last: Word;
}

/** A match (`-m conntrack …`, or the implicit one `-p tcp` loads) or a target (`-j DNAT …`). */
export interface ModuleUse {
  name: string;
  /** The `-m`/`-j` word (or, for an implicit protocol match, its first option). */
  word: Word;
  options: OptionUse[];
}

export interface RuleContext {
  family: IpFamily;
  table: string;
  chain: string;
  line: LineRef;
  /** `-p` as written (lowercased), when given. */
  protocol?: { name: string; negated: boolean };
  /**
   * The named set (an ipset from the scenario) the rule refers to with `dims` dimensions
   * (`src,dst` is 2), added to the table; or why it cannot be modelled.
   */
  ipset(name: string, dims: number): NamedSet | { error: string };
}

export function span(ctx: RuleContext, from: Word, to: Word): Span {
  return lineSpan(ctx.line, from.start, to.end);
}

export function optionSpan(ctx: RuleContext, use: OptionUse): Span {
  return span(ctx, use.first, use.last);
}

export function fail(message: string, at: Word | { start: number; end: number }): never {
  throw new LineError(message, at.start, at.end);
}

/** The option's single argument. */
export function arg(use: OptionUse, i = 0): Word {
  const w = use.args[i];
  if (!w) fail(`${use.name} needs an argument`, use.last);
  return w;
}
