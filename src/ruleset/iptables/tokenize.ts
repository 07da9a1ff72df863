/**
 * Splits one iptables-restore line into words the way iptables-restore does: words are
 * separated by blanks, `"…"` and `'…'` quote (the quotes are not part of the word), and a
 * backslash escapes the next character. Every word keeps where it starts and ends in the
 * line, so errors and spans can point at it.
 */

export interface Word {
  /** The word with quotes and escapes removed. */
  text: string;
  /** 0-based offsets in the line, end exclusive (quotes included). */
  start: number;
  end: number;
  /** Whether any part of it was quoted (a quoted `!` is a plain word, not negation). */
  quoted: boolean;
}

export class TokenizeError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(message);
    this.column = column;
  }
}

export function tokenizeLine(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    let quoted = false;
    let quote: string | null = null;
    let quoteStart = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (quote) {
        if (c === '\\' && i + 1 < line.length) {
          text += line[i + 1];
          i += 2;
        } else if (c === quote) {
          quote = null;
          i++;
        } else {
          text += c;
          i++;
        }
        continue;
      }
      if (c === ' ' || c === '\t') break;
      if (c === '"' || c === "'") {
        quote = c;
        quoted = true;
        quoteStart = i;
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        text += line[i + 1];
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    if (quote) throw new TokenizeError(`unterminated ${quote} quote`, quoteStart);
    words.push({ text, start, end: i, quoted });
  }
  return words;
}
