/**
 * The nft tokenizer. nft's own scanner (src/scanner.l) is context-free about words: an
 * identifier may contain `-`, `/` and `.` (`docker-bridges`, `svc1/tcp/p80`), addresses and
 * numbers are words too, IPv6 and MAC addresses are recognised whole before `:` is split off.
 * Newlines are tokens (they end commands and rules); `#` starts a comment, except that
 * `# handle N` is kept as a token because listings carry handles that way.
 */
import { languageWords } from './vocabulary.ts';

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

const HEX = /[0-9A-Fa-f]/;

/**
 * Matches an IPv6 address (optionally with an embedded IPv4 tail) or a MAC-like
 * colon-separated hex string at `pos`, returning its length, or 0.
 */
function matchColonAddress(text: string, pos: number): number {
  // Fast exit for the common case, a word or number: an address has a `:` after at most
  // four hex digits.
  let k = pos;
  while (k < pos + 4 && isHex(text.charCodeAt(k))) k++;
  if (text.charCodeAt(k) !== 58) return 0;
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

const KINDS: TokenKind[] = ['word', 'string', 'punct', 'nl', 'handle', 'count', 'eof'];
const WORD = 0;
const STRING = 1;
const PUNCT = 2;
const NL = 3;
const HANDLE = 4;
const COUNT = 5;
const EOF = 6;
/** The kind byte's high bit: whitespace precedes the token. */
const SP = 0x80;
/** The one-character signs, by character code. */
const SIGNS: (string | undefined)[] = [];
for (const c of '{}()[];,:=<>!&|^@$*/-.~+\n') SIGNS[c.charCodeAt(0)] = c;

/**
 * The words of the language (src/ruleset/nft/vocabulary.ts) and the digits, by number (0: none),
 * and an open-addressing table of those numbers by a hash of the word's characters: a word of
 * the language is found without slicing it from the text, and every `daddr` of a listing is
 * then the same string, the one the parser compares with (by identity, not by characters) and
 * the model keeps. A 50,000-service listing has a million of them.
 */
const KEYWORDS: string[] = [''];
const KEYWORD_SLOTS = new Uint16Array(4096);
const KEYWORD_MASK = KEYWORD_SLOTS.length - 1;

/** The hash of text[start..end) (the tokenizer works it out as it reads a word). */
function hashWord(text: string, start: number, end: number): number {
  let h = text.charCodeAt(start);
  for (let k = start + 1; k < end; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
  return h;
}

for (const w of [...languageWords(), ...'0123456789']) {
  let slot = hashWord(w, 0, w.length) & KEYWORD_MASK;
  while (KEYWORD_SLOTS[slot] !== 0 && KEYWORDS[KEYWORD_SLOTS[slot] as number] !== w)
    slot = (slot + 1) & KEYWORD_MASK;
  if (KEYWORD_SLOTS[slot] !== 0) continue;
  KEYWORD_SLOTS[slot] = KEYWORDS.length;
  KEYWORDS.push(w);
}

/** The number of the language's word text[start..end) (whose hashWord is `hash`), or 0. */
function keywordAt(text: string, start: number, end: number, hash: number): number {
  const len = end - start;
  for (let slot = hash & KEYWORD_MASK; ; slot = (slot + 1) & KEYWORD_MASK) {
    const id = KEYWORD_SLOTS[slot] as number;
    if (id === 0) return 0;
    const w = KEYWORDS[id] as string;
    if (w.length === len && sameChars(text, start, w, len)) return id;
  }
}

/**
 * Whether `x` is one of the given strings (the parser's token tests take their alternatives
 * as plain parameters, not `...rest`: they run millions of times on a big listing, and a rest
 * array is an allocation per call).
 */
export function oneOf(
  x: string | undefined,
  a?: string,
  b?: string,
  c?: string,
  d?: string,
  e?: string,
  f?: string,
): boolean {
  return x !== undefined && (x === a || x === b || x === c || x === d || x === e || x === f);
}

/** Whether text[start..start+len) is `w` (a loop: `startsWith` at an offset costs more here). */
function sameChars(text: string, start: number, w: string, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(start + k) !== w.charCodeAt(k)) return false;
  return true;
}

/** Tokens materialised at once; the parser looks back and ahead only a few tokens. */
const WINDOW = 1024;

function grow32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/**
 * A token of a TokenStream: its line and column are worked out from its offset when asked (for
 * an error), not for each of the millions of tokens of a big listing.
 */
class StreamToken implements Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
  readonly end: number;
  readonly sp: boolean;
  readonly #stream: TokenStream;

  constructor(
    stream: TokenStream,
    kind: TokenKind,
    text: string,
    offset: number,
    end: number,
    sp: boolean,
  ) {
    this.kind = kind;
    this.text = text;
    this.offset = offset;
    this.end = end;
    this.sp = sp;
    this.#stream = stream;
  }

  get file(): string {
    return this.#stream.file;
  }

  get line(): number {
    return this.#stream.lineOf(this.offset);
  }

  get col(): number {
    return this.offset - this.#stream.lineStart(this.line) + 1;
  }
}

/**
 * The tokens of one text, kept compact: kind (and whether space precedes), offsets and the
 * language's words by number in typed arrays, the text sliced from the source only when a
 * token is looked at. A big listing has millions of tokens; as objects they all stay alive
 * until the parse ends and every young-generation collection copies them. Token objects are
 * made on demand and cached in a small window.
 */
export class TokenStream {
  readonly file: string;
  readonly text: string;
  length = 0;
  private kind: Uint8Array;
  private start: Int32Array;
  private stop: Int32Array;
  /** The language's word each token is (KEYWORDS), or 0. */
  private word: Uint16Array;
  /**
   * Where each line starts (after every newline, escaped or not): sized for the text's newlines
   * at once, so that the field is never replaced while the tokenizer runs (optimised code that
   * read it as a constant would be thrown away, and the tokenizer compiled again).
   */
  private starts: Int32Array;
  private lines = 1;
  /** Texts that are not a slice of the source: handle and count numbers, by token index. */
  private readonly special = new Map<number, string>();
  private readonly cache: (Token | undefined)[] = new Array(WINDOW);
  private readonly cacheIdx = new Int32Array(WINDOW).fill(-1);

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    const cap = Math.max(64, text.length >> 2);
    this.kind = new Uint8Array(cap);
    this.start = new Int32Array(cap);
    this.stop = new Int32Array(cap);
    this.word = new Uint16Array(cap);
    let lines = 1;
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lines++;
    this.starts = new Int32Array(lines + 1);
  }

  /** Whitespace (or a comment, or the start of the text) precedes the next token pushed. */
  sp = true;

  push(kind: number, start: number, end: number, word = 0, text?: string): void {
    if (this.length === this.kind.length) this.grow();
    const i = this.length++;
    this.kind[i] = this.sp ? kind | SP : kind;
    this.sp = false;
    this.start[i] = start;
    this.stop[i] = end;
    this.word[i] = word;
    if (text !== undefined) this.special.set(i, text);
  }

  /** Line `lines + 1` starts at `offset`. */
  newLine(offset: number): void {
    if (this.lines === this.starts.length) this.starts = grow32(this.starts, this.lines * 2);
    this.starts[this.lines++] = offset;
  }

  /** Where the lines start, in order (line 1 at 0). */
  lineStarts(): Int32Array {
    return this.starts.slice(0, this.lines);
  }

  /** The 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The offset where a (1-based) line starts. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? 0;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    const kind = new Uint8Array(cap);
    kind.set(this.kind);
    this.kind = kind;
    const word = new Uint16Array(cap);
    word.set(this.word);
    this.word = word;
    this.start = grow32(this.start, cap);
    this.stop = grow32(this.stop, cap);
  }

  /**
   * Whether token `i` is a word, and one of the given ones when any are given: read from the
   * arrays, no token made (the parser asks this of most tokens, and a big listing has millions).
   */
  wordIs(
    i: number,
    a?: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    if (((this.kind[i] as number) & ~SP) !== WORD) return false;
    if (a === undefined) return true;
    const id = this.word[i] as number;
    if (id !== 0) {
      // The language's words are one string each: compared by identity first.
      return oneOf(KEYWORDS[id] as string, a, b, c, d, e, f);
    }
    return this.spellsOneOf(i, a, b, c, d, e, f);
  }

  /** Whether token `i` is punctuation, one of the given signs (no token made). */
  punctIs(
    i: number,
    a: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    if (((this.kind[i] as number) & ~SP) !== PUNCT) return false;
    const start = this.start[i] as number;
    if ((this.stop[i] as number) - start === 1) {
      return oneOf(SIGNS[this.text.charCodeAt(start)], a, b, c, d, e, f);
    }
    return this.spellsOneOf(i, a, b, c, d, e, f);
  }

  /** The text of token `i`, a word: the one string of a word of the language, or a slice. */
  wordText(i: number): string {
    const word = this.word[i] as number;
    return word !== 0
      ? (KEYWORDS[word] as string)
      : this.text.slice(this.start[i] as number, this.stop[i] as number);
  }

  /** Where token `i` starts and ends in the text. */
  startOf(i: number): number {
    return this.start[i] as number;
  }

  endOf(i: number): number {
    return this.stop[i] as number;
  }

  /** Whether whitespace (or a comment, or the start of the text) precedes token `i`. */
  spaceBefore(i: number): boolean {
    return ((this.kind[i] as number) & SP) !== 0;
  }

  /** Token `i`'s kind (no token made). */
  kindAt(i: number): TokenKind {
    return KINDS[(this.kind[i] as number) & ~SP] as TokenKind;
  }

  /** Whether token `i`'s text (a slice of the source) is one of the given ones. */
  private spellsOneOf(
    i: number,
    a: string,
    b?: string,
    c?: string,
    d?: string,
    e?: string,
    f?: string,
  ): boolean {
    return (
      this.spells(i, a) ||
      (b !== undefined && this.spells(i, b)) ||
      (c !== undefined && this.spells(i, c)) ||
      (d !== undefined && this.spells(i, d)) ||
      (e !== undefined && this.spells(i, e)) ||
      (f !== undefined && this.spells(i, f))
    );
  }

  /** Whether token `i`'s text (a word or sign that is a slice of the source) is `w`. */
  private spells(i: number, w: string): boolean {
    const start = this.start[i] as number;
    const len = (this.stop[i] as number) - start;
    return w.length === len && sameChars(this.text, start, w, len);
  }

  /** Whether token `i` is one of the language's words (vocabulary.ts), known without its text. */
  isLanguageWord(i: number): boolean {
    return this.word[i] !== 0;
  }

  get(i: number): Token {
    const slot = i & (WINDOW - 1);
    if (this.cacheIdx[slot] === i) return this.cache[slot] as Token;
    const code = this.kind[i] as number;
    const kind = KINDS[code & ~SP] as TokenKind;
    const offset = this.start[i] as number;
    const end = this.stop[i] as number;
    let text: string;
    if (kind === 'word') text = this.wordText(i);
    else if (kind === 'string') {
      // Without the quotes; an unterminated string ends at the end of its line.
      const closed = end - offset >= 2 && this.text.charCodeAt(end - 1) === 34;
      text = this.text.slice(offset + 1, closed ? end - 1 : end);
    } else if (kind === 'handle' || kind === 'count') text = this.special.get(i) ?? '';
    else if (end - offset === 1) {
      // Punctuation and newlines: one shared string per sign, not a slice per token.
      const c = this.text.charCodeAt(offset);
      text = SIGNS[c] ?? this.text.slice(offset, end);
    } else text = this.text.slice(offset, end);
    const t = new StreamToken(this, kind, text, offset, end, (code & SP) !== 0);
    this.cache[slot] = t;
    this.cacheIdx[slot] = i;
    return t;
  }
}

/** Splits nft text into tokens. Never throws; unknown characters are reported. */
export function lex(text: string, file: string): { tokens: Token[]; errors: LexError[] } {
  const { stream, errors } = lexStream(text, file);
  const tokens: Token[] = [];
  for (let i = 0; i < stream.length; i++) {
    const { kind, text, file, offset, end, line, col, sp } = stream.get(i);
    tokens.push({ kind, text, file, offset, end, line, col, sp });
  }
  return { tokens, errors };
}

/** As {@link lex}, the tokens kept compact (see {@link TokenStream}). */
export function lexStream(text: string, file: string): { stream: TokenStream; errors: LexError[] } {
  const stream = new TokenStream(text, file);
  const errors: LexError[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  while (i < n) {
    const code = text.charCodeAt(i);
    const col = i - lineStart + 1;
    if (code === 10) {
      stream.push(NL, i, i + 1);
      i++;
      line++;
      lineStart = i;
      stream.newLine(i);
      stream.sp = true;
      continue;
    }
    if (code === 32 || code === 9 || code === 13 || code === 12 || code === 11) {
      i++;
      stream.sp = true;
      continue;
    }
    // Character codes, not one-character strings: this runs for every token of the text.
    const next = text.charCodeAt(i + 1);
    if (code === 92 && (next === 10 || (next === 13 && text.charCodeAt(i + 2) === 10))) {
      // Line continuation.
      i += next === 10 ? 2 : 3;
      line++;
      lineStart = i;
      stream.newLine(i);
      stream.sp = true;
      continue;
    }
    if (code === 35) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      const m = /^#\s*handle\s+(\d+)\s*$/.exec(text.slice(i, j));
      if (m) stream.push(HANDLE, i, j, 0, m[1] as string);
      const c2 = /^#\s*count\s+(\d+)\s*$/.exec(text.slice(i, j));
      if (c2) stream.push(COUNT, i, j, 0, c2[1] as string);
      i = j;
      stream.sp = true;
      continue;
    }
    if (code === 34) {
      let j = i + 1;
      let cj = text.charCodeAt(j);
      while (j < n && cj !== 34 && cj !== 10) cj = text.charCodeAt(++j);
      if (cj !== 34) {
        errors.push({ message: 'unterminated string', offset: i, line, col });
        stream.push(STRING, i, j);
        i = j;
        continue;
      }
      stream.push(STRING, i, j + 1);
      i = j + 1;
      continue;
    }
    // Colon-separated addresses first (IPv6, MAC), as nft's scanner does.
    if (isHex(code) || (code === 58 && next === 58)) {
      const len = matchColonAddress(text, i);
      if (len > 0) {
        stream.push(WORD, i, i + len);
        i += len;
        continue;
      }
    }
    if (isIdentStart(code)) {
      // The word's hash for the table of the language's words, as it is read.
      let h = code;
      let j = i + 1;
      for (let cj = text.charCodeAt(j); j < n && isIdentChar(cj); cj = text.charCodeAt(++j))
        h = (Math.imul(h, 31) + cj) | 0;
      // A trailing `.`/`-`/`/` is punctuation, not part of the name.
      const end = j;
      while (j > i + 1 && isNameTail(text.charCodeAt(j - 1))) j--;
      stream.push(WORD, i, j, keywordAt(text, i, j, j === end ? h : hashWord(text, i, j)));
      i = j;
      continue;
    }
    if (code >= 48 && code <= 57) {
      let j = i + 1;
      while (j < n && isNumChar(text.charCodeAt(j))) j++;
      while (j > i + 1 && text.charCodeAt(j - 1) === 46) j--;
      stream.push(WORD, i, j, j === i + 1 ? keywordAt(text, i, j, hashWord(text, i, j)) : 0);
      i = j;
      continue;
    }
    if (code === 91) {
      // `[::1]`, an IPv6 address in brackets (RFC 2732): one word, the address without its
      // brackets, as nft's scanner reads it (ip6addr_rfc2732: the text from yytext + 1).
      const len = matchColonAddress(text, i + 1);
      if (len > 0 && text.charCodeAt(i + 1 + len) === 93) {
        stream.push(WORD, i + 1, i + 1 + len);
        i += len + 2;
        continue;
      }
    }
    if (isPunct2(code, next)) {
      stream.push(PUNCT, i, i + 2);
      i += 2;
      continue;
    }
    if (isPunct1(code)) {
      stream.push(PUNCT, i, i + 1);
      i++;
      continue;
    }
    errors.push({ message: `unexpected character '${text[i]}'`, offset: i, line, col });
    i++;
    stream.sp = true;
  }
  stream.sp = true;
  stream.push(EOF, n, n);
  return { stream, errors };
}

// Character classes, one table lookup per character (the tokenizer reads 7 MB for a
// kube-proxy-sized listing): bits of CLASS by character code below 128.
const HEX_DIGIT = 1;
/** `[A-Za-z_]` */
const IDENT_START = 2;
/** `[A-Za-z0-9_\-/.]` */
const IDENT_CHAR = 4;
/** `[A-Za-z0-9_.]` */
const NUM_CHAR = 8;
/** A sign that is a token on its own. */
const PUNCT_ONE = 16;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alpha = /[A-Za-z]/.test(ch);
  const digit = /[0-9]/.test(ch);
  CLASS[c] =
    (/[0-9A-Fa-f]/.test(ch) ? HEX_DIGIT : 0) |
    (alpha || ch === '_' ? IDENT_START : 0) |
    (alpha || digit || '_-/.'.includes(ch) ? IDENT_CHAR : 0) |
    (alpha || digit || ch === '_' || ch === '.' ? NUM_CHAR : 0) |
    ('{}()[];,:=<>!&|^@$*/-.~+'.includes(ch) ? PUNCT_ONE : 0);
}

function isHex(c: number): boolean {
  return c < 128 && ((CLASS[c] as number) & HEX_DIGIT) !== 0;
}
function isIdentStart(c: number): boolean {
  return c < 128 && ((CLASS[c] as number) & IDENT_START) !== 0;
}
function isIdentChar(c: number): boolean {
  return c < 128 && ((CLASS[c] as number) & IDENT_CHAR) !== 0;
}
function isPunct1(c: number): boolean {
  return c < 128 && ((CLASS[c] as number) & PUNCT_ONE) !== 0;
}
/** `[-/.]` */
function isNameTail(c: number): boolean {
  return c === 45 || c === 47 || c === 46;
}
function isNumChar(c: number): boolean {
  return c < 128 && ((CLASS[c] as number) & NUM_CHAR) !== 0;
}

/** `==`, `!=`, `<=`, `>=`, `<<`, `>>`, from two character codes (no slice per sign). */
function isPunct2(a: number, b: number): boolean {
  // = 61, ! 33, < 60, > 62
  if (b === 61) return a === 61 || a === 33 || a === 60 || a === 62;
  return (a === 60 && b === 60) || (a === 62 && b === 62);
}

/**
 * Every path of the tokenizer taken once when the module loads, on a few lines that hold each
 * kind of token. The tokenizer runs as one long loop over a big listing, compiled while it runs
 * (on-stack replacement): a path that the text so far never took has no type feedback, and the
 * compiled loop is thrown away and compiled again the first time the text takes it (a number
 * ending in `.`, a comment, a string…). Taken once here, each has its feedback from the start.
 */
lexStream(
  'table ip6 t-1 { # handle 1\n# count 2\n\tchain c. { ip6 saddr ::1 [::2] ether saddr 00:11:22:33:44:55 ' +
    'ip6 daddr ::ffff:1.2.3.4 ip saddr 10.0.0.1/8 tcp dport != 1. meta mark & 0x0f == 0xf ' +
    'th dport { 22-23, 80 } ct mark << 1 >> 2 <= 3 >= 4 < 5 > 6 ! 7 ^ 8 | 9 @s $v * ( ) [ ] : ; ' +
    'comment "x" ~ + = \\\n \\\r\n \r\n é "open\n}}',
  '',
);
