/**
 * The nft tokenizer. nft's own scanner (src/scanner.l) is context-free about words: an
 * identifier may contain `-`, `/` and `.` (`docker-bridges`, `svc1/tcp/p80`), addresses and
 * numbers are words too, IPv6 and MAC addresses are recognised whole before `:` is split off.
 * Newlines are tokens (they end commands and rules); `#` starts a comment, except that
 * `# handle N` is kept as a token because listings carry handles that way.
 */

export type TokenKind = 'word' | 'string' | 'punct' | 'nl' | 'handle' | 'count' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The word, the string without quotes, the punctuation, or the handle number. */
  text: string;
  file: string;
  offset: number;
  end: number;
  line: number;
  col: number;
  /** Whitespace (or a comment, or the start of the file) precedes the token. */
  sp: boolean;
}

export interface LexError {
  message: string;
  offset: number;
  line: number;
  col: number;
}

const PUNCT3 = new Set<string>();
const PUNCT2 = new Set(['==', '!=', '<=', '>=', '<<', '>>']);
const PUNCT1 = new Set([...'{}()[];,:=<>!&|^@$*/-.~+']);

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_\-/.]/;
const NUM_CHAR = /[A-Za-z0-9_.]/;
const HEX = /[0-9A-Fa-f]/;

/**
 * Matches an IPv6 address (optionally with an embedded IPv4 tail) or a MAC-like
 * colon-separated hex string at `pos`, returning its length, or 0.
 */
function matchColonAddress(text: string, pos: number): number {
  let i = pos;
  let groups = 0;
  let colons = 0;
  let doubleColon = false;
  let lastWasColon = false;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ':') {
      if (text[i + 1] === ':') {
        if (doubleColon) break;
        doubleColon = true;
        colons += 2;
        i += 2;
        lastWasColon = true;
        continue;
      }
      if (lastWasColon && colons > 0 && !doubleColon) break;
      // A single colon must be followed by a hex group.
      if (!HEX.test(text[i + 1] ?? '')) break;
      colons++;
      i++;
      lastWasColon = true;
      continue;
    }
    if (HEX.test(c)) {
      let j = i;
      while (j < n && HEX.test(text[j] as string) && j - i < 4) j++;
      // Embedded IPv4 tail (::ffff:1.2.3.4).
      if (text[j] === '.' && (doubleColon || colons >= 6) && /^\d+$/.test(text.slice(i, j))) {
        const m = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/.exec(text.slice(i));
        if (m) {
          i += m[0].length;
          groups++;
          lastWasColon = false;
          break;
        }
      }
      if (j < n && HEX.test(text[j] as string)) return 0;
      groups++;
      i = j;
      lastWasColon = false;
      continue;
    }
    break;
  }
  const len = i - pos;
  if (len === 0) return 0;
  // Must not run on into an identifier (`22:accept` is not an address).
  if (i < n && /[A-Za-z0-9_]/.test(text[i] as string)) return 0;
  if (doubleColon) return groups > 0 || len >= 2 ? len : 0;
  // Without `::`: a full IPv6 address (7 colons) or a MAC-like string (at least 2 colons).
  if (colons >= 2 && groups === colons + 1) return len;
  return 0;
}

/** Splits nft text into tokens. Never throws; unknown characters are reported. */
export function lex(text: string, file: string): { tokens: Token[]; errors: LexError[] } {
  const tokens: Token[] = [];
  const errors: LexError[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let sp = true;
  const n = text.length;
  const push = (
    kind: TokenKind,
    t: string,
    start: number,
    end: number,
    startLine: number,
    startCol: number,
  ) => {
    tokens.push({ kind, text: t, file, offset: start, end, line: startLine, col: startCol, sp });
    sp = false;
  };
  while (i < n) {
    const c = text[i] as string;
    const col = i - lineStart + 1;
    if (c === '\n') {
      push('nl', '\n', i, i + 1, line, col);
      i++;
      line++;
      lineStart = i;
      sp = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      sp = true;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // Line continuation.
      i += text[i + 1] === '\n' ? 2 : 3;
      line++;
      lineStart = i;
      sp = true;
      continue;
    }
    if (c === '#') {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      const m = /^#\s*handle\s+(\d+)\s*$/.exec(text.slice(i, j));
      if (m) push('handle', m[1] as string, i, j, line, col);
      const c2 = /^#\s*count\s+(\d+)\s*$/.exec(text.slice(i, j));
      if (c2) push('count', c2[1] as string, i, j, line, col);
      i = j;
      sp = true;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j++;
      if (text[j] !== '"') {
        errors.push({ message: 'unterminated string', offset: i, line, col });
        push('string', text.slice(i + 1, j), i, j, line, col);
        i = j;
        continue;
      }
      push('string', text.slice(i + 1, j), i, j + 1, line, col);
      i = j + 1;
      continue;
    }
    // Colon-separated addresses first (IPv6, MAC), as nft's scanner does.
    if (HEX.test(c) || (c === ':' && text[i + 1] === ':')) {
      const len = matchColonAddress(text, i);
      if (len > 0) {
        push('word', text.slice(i, i + len), i, i + len, line, col);
        i += len;
        continue;
      }
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(text[j] as string)) j++;
      // A trailing `.`/`-`/`/` is punctuation, not part of the name.
      while (j > i + 1 && /[-/.]/.test(text[j - 1] as string)) j--;
      push('word', text.slice(i, j), i, j, line, col);
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && NUM_CHAR.test(text[j] as string)) j++;
      while (j > i + 1 && text[j - 1] === '.') j--;
      push('word', text.slice(i, j), i, j, line, col);
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.has(two) || PUNCT3.has(two)) {
      push('punct', two, i, i + 2, line, col);
      i += 2;
      continue;
    }
    if (PUNCT1.has(c)) {
      push('punct', c, i, i + 1, line, col);
      i++;
      continue;
    }
    errors.push({ message: `unexpected character '${c}'`, offset: i, line, col });
    i++;
    sp = true;
  }
  tokens.push({
    kind: 'eof',
    text: '',
    file,
    offset: n,
    end: n,
    line,
    col: n - lineStart + 1,
    sp: true,
  });
  return { tokens, errors };
}
