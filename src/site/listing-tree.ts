/**
 * A ruleset listing with the walk's numbered arrows in a gutter, as in the seed article:
 *
 *   (1)        the step happens on this line (a base chain is entered, a rule matches)
 *   (2)->      the walk leaves this line (a jump or goto to another chain, a return)
 *   ->(2)      the walk arrives here (the chain jumped to, the rule after a return)
 *   ↓          the rule is evaluated and does not match: on to the next line
 *
 * Every number is a link to its explanation item, `#<anchor>-<n>`. The listing is built as a
 * hast tree (serialised by hast-util-to-html), so ruleset text is always escaped. No
 * highlighter here: the caller passes one (listing.ts at build time, the playground's worker
 * in the browser).
 */
import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import {
  type ColouredToken,
  type Colourer,
  DEFAULT_COLOURS,
  type ListingLang,
  TOKEN_CLASSES,
} from './highlight-tokens.ts';

export type MarkKind = 'at' | 'from' | 'to' | 'miss';

export interface ListingMark {
  kind: MarkKind;
  /** The step number; required for every kind but `miss`. */
  n?: number;
}

export interface ListingLine {
  /** The line exactly as it is printed in the listing (indentation included). */
  text: string;
  /** The marks, structured… */
  marks?: ListingMark[];
  /** …or as the seed article writes them, e.g. `->(3)(4)->`, `↓` (parsed by parseMarks). */
  mark?: string;
  /**
   * Where the walk's step is on this line, as [start, end) offsets into `text` (UTF-16
   * units): the statement that gave the rule's verdict. Drawn as <mark class="nfw-hit">.
   */
  hit?: [number, number];
  /** Parts of `text` that say nothing about this walk (zero counters), dimmed. */
  dim?: [number, number][];
}

/**
 * Lines [from, to) folded until the reader opens them, under one line that says what they are
 * (`summary`, plain text): the chains a base chain only led the packet through.
 */
export interface ListingFold {
  from: number;
  to: number;
  summary: string;
}

export interface ListingProps {
  /**
   * The lines, or the same array as JSON text: the explainer's MDX writes it as a string
   * attribute (src/explain/mdx.ts says why).
   */
  lines: ListingLine[] | string;
  /** `nft` (nft list ruleset) or `iptables` (iptables-save). */
  lang?: ListingLang;
  /** Prefix of the explanation items' ids: the number n links to `#<anchor>-<n>`. */
  anchor: string;
  /** Optional caption shown above the listing (for example the hook and the packet). */
  title?: string;
  /** Folded runs of lines, in order, not overlapping; or that array as JSON text. */
  folds?: ListingFold[] | string;
}

/** The plain-text form of a line's marks, as the seed article writes them. */
export function marksText(marks: readonly ListingMark[] = []): string {
  return marks.map((m) => markLabel(m)).join('');
}

function markLabel(m: ListingMark): string {
  switch (m.kind) {
    case 'miss':
      return '↓';
    case 'at':
      return `(${m.n})`;
    case 'from':
      return `(${m.n})->`;
    case 'to':
      return `->(${m.n})`;
  }
}

/**
 * Parse the seed notation: a run of `->(n)`, `(n)->`, `(n)` and `↓`, read left to right
 * (`->(3)(4)->` is: arrive by step 3, leave by step 4). Anything else is an error.
 */
export function parseMarks(text: string): ListingMark[] {
  const marks: ListingMark[] = [];
  const token = /->\((\d+)\)|\((\d+)\)->|\((\d+)\)|↓|\s+/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const m = token.exec(text);
    if (!m) throw new Error(`mark "${text}": cannot read "${text.slice(at)}"`);
    if (m[1]) marks.push({ kind: 'to', n: Number(m[1]) });
    else if (m[2]) marks.push({ kind: 'from', n: Number(m[2]) });
    else if (m[3]) marks.push({ kind: 'at', n: Number(m[3]) });
    else if (m[0] === '↓') marks.push({ kind: 'miss' });
    at = token.lastIndex;
  }
  return marks;
}

function lineMarks(line: ListingLine): ListingMark[] {
  if (line.marks && line.mark) {
    throw new Error(`line "${line.text}" has both marks and mark: give one`);
  }
  return line.marks ?? (line.mark ? parseMarks(line.mark) : []);
}

/** The `lines` prop as an array: given as one, or as JSON text holding one. */
function listingLines(input: ListingProps): ListingLine[] {
  let lines: unknown = input.lines;
  if (typeof lines === 'string') {
    try {
      lines = JSON.parse(lines);
    } catch {
      throw new Error(`ChainListing ${input.anchor}: lines is not JSON`);
    }
  }
  if (!Array.isArray(lines))
    throw new Error(`ChainListing ${input.anchor}: lines must be an array`);
  return lines as ListingLine[];
}

/** The `folds` prop checked against the listing's `count` lines: in order, inside, apart. */
function listingFoldsOf(input: ListingProps, count: number): ListingFold[] {
  let folds: unknown = input.folds ?? [];
  if (typeof folds === 'string') {
    try {
      folds = JSON.parse(folds);
    } catch {
      throw new Error(`ChainListing ${input.anchor}: folds is not JSON`);
    }
  }
  if (!Array.isArray(folds))
    throw new Error(`ChainListing ${input.anchor}: folds must be an array`);
  let after = 0;
  for (const f of folds as Partial<ListingFold>[]) {
    const ok =
      Number.isInteger(f?.from) &&
      Number.isInteger(f?.to) &&
      (f.from as number) >= after &&
      (f.from as number) < (f.to as number) &&
      (f.to as number) <= count &&
      typeof f.summary === 'string' &&
      f.summary.trim() !== '';
    if (!ok)
      throw new Error(
        `ChainListing ${input.anchor}: fold ${JSON.stringify(f)} must have a summary and lines from < to, after the previous fold, within the ${count} lines`,
      );
    after = f.to as number;
  }
  return folds as ListingFold[];
}

function checkMarks(props: { anchor: string; lines: ListingLine[] }): void {
  props.lines.forEach((line, i) => {
    for (const m of line.marks ?? []) {
      if (m.kind !== 'miss' && (m.n === undefined || !Number.isInteger(m.n) || m.n < 1)) {
        throw new Error(
          `ChainListing ${props.anchor}: line ${i + 1} has a "${m.kind}" mark without a step number`,
        );
      }
    }
  });
}

/** A mark in the gutter: its step number a link (styled as `.nfw-gutter a`), arrows as text. */
function markElements(m: ListingMark, anchor: string): ElementContent[] {
  if (m.kind === 'miss')
    return [h('span', { className: ['nfw-mark-miss'], title: 'no match' }, '↓')];
  const link = h('a', { href: `#${anchor}-${m.n}` }, `(${m.n})`);
  const arrow = { type: 'text', value: '->' } as const;
  return m.kind === 'from' ? [link, arrow] : m.kind === 'to' ? [arrow, link] : [link];
}

type Range = { start: number; end: number; kind: 'hit' | 'dim' };

function checkRange(r: unknown, text: string, where: string): [number, number] {
  const ok =
    Array.isArray(r) &&
    r.length === 2 &&
    r.every((x) => Number.isInteger(x)) &&
    0 <= r[0] &&
    r[0] < r[1] &&
    r[1] <= text.length;
  if (!ok) throw new Error(`${where}: range ${JSON.stringify(r)} is not inside "${text}"`);
  return r as [number, number];
}

/** The line's hit and dimmed ranges, checked and in order; overlapping ones are an error. */
function lineRanges(line: ListingLine, where: string): Range[] {
  const out: Range[] = [];
  if (line.hit) {
    const [start, end] = checkRange(line.hit, line.text, where);
    out.push({ start, end, kind: 'hit' });
  }
  for (const d of line.dim ?? []) {
    const [start, end] = checkRange(d, line.text, where);
    out.push({ start, end, kind: 'dim' });
  }
  out.sort((a, b) => a.start - b.start);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.start < out[i - 1]!.end) throw new Error(`${where}: ranges overlap`);
  }
  return out;
}

/** A token's class (nfwalk.css), nothing for the plain text colour, or an inline style. */
function tokenStyle(t: ColouredToken): { cls?: string; style?: string } {
  if (/^\s*$/.test(t.text)) return {};
  if (
    (t.light ?? DEFAULT_COLOURS.light) === DEFAULT_COLOURS.light &&
    (t.dark ?? DEFAULT_COLOURS.dark) === DEFAULT_COLOURS.dark
  )
    return {};
  const cls = TOKEN_CLASSES[`${t.light}|${t.dark}`];
  if (cls) return { cls };
  return { style: `--nfw-light:${t.light ?? 'inherit'};--nfw-dark:${t.dark ?? 'inherit'}` };
}

/** Coloured pieces of one stretch of text: adjacent tokens of one colour share a span. */
function colouredPieces(
  pieces: { text: string; cls?: string; style?: string }[],
): ElementContent[] {
  const merged: { text: string; cls?: string; style?: string }[] = [];
  for (const p of pieces) {
    const prev = merged.at(-1);
    const blank = p.cls === undefined && p.style === undefined && /^\s+$/.test(p.text);
    if (prev && (blank || (prev.cls === p.cls && prev.style === p.style))) prev.text += p.text;
    else merged.push({ ...p });
  }
  return merged.map((p) =>
    p.cls || p.style
      ? h('span', p.cls ? { className: [p.cls] } : { style: p.style }, p.text)
      : ({ type: 'text', value: p.text } as const),
  );
}

/** One line's code: coloured tokens, the hit marked, zero counters dimmed. */
function lineContent(tokens: ColouredToken[], line: ListingLine, anchor: string): ElementContent[] {
  const ranges = lineRanges(line, `ChainListing ${anchor}`);
  const cuts = new Set(ranges.flatMap((r) => [r.start, r.end]));
  // The tokens cut at every range edge, each piece with its colour and start offset.
  const pieces: { text: string; at: number; cls?: string; style?: string }[] = [];
  let at = 0;
  for (const t of tokens) {
    const style = tokenStyle(t);
    let from = 0;
    for (let k = 1; k <= t.text.length; k++) {
      if (k === t.text.length || cuts.has(at + k)) {
        pieces.push({ text: t.text.slice(from, k), at: at + from, ...style });
        from = k;
      }
    }
    at += t.text.length;
  }
  const out: ElementContent[] = [];
  let i = 0;
  while (i < pieces.length) {
    const range = ranges.find((r) => r.start <= pieces[i]!.at && pieces[i]!.at < r.end);
    let j = i + 1;
    while (
      j < pieces.length &&
      ranges.find((r) => r.start <= pieces[j]!.at && pieces[j]!.at < r.end) === range
    )
      j++;
    const content = colouredPieces(pieces.slice(i, j));
    if (!range) out.push(...content);
    else if (range.kind === 'hit') out.push(h('mark', { className: ['nfw-hit'] }, content));
    else out.push(h('span', { className: ['nfw-dim'] }, content));
    i = j;
  }
  return out;
}

/**
 * The lines as one `<pre>`; with folds, the runs between them each a `<pre>`, and each fold a
 * `<details>` whose summary stands at the indentation of the fold's first line.
 */
function listingBody(
  rows: Element[],
  folds: ListingFold[],
  lines: { text: string }[],
  lang: ListingLang,
): ElementContent[] {
  const pre = (part: Element[]) => h('pre', { tabIndex: 0, dataLanguage: lang }, [h('code', part)]);
  if (folds.length === 0) return [pre(rows)];
  const out: Element[] = [];
  let at = 0;
  for (const f of folds) {
    if (f.from > at) out.push(pre(rows.slice(at, f.from)));
    const indent = /^\s*/.exec(lines[f.from]?.text ?? '')?.[0] ?? '';
    out.push(
      h('details', { className: ['nfw-fold'] }, [
        h('summary', { className: ['nfw-fold-summary'] }, `${indent}${f.summary}`),
        pre(rows.slice(f.from, f.to)),
      ]),
    );
    at = f.to;
  }
  if (at < rows.length) out.push(pre(rows.slice(at)));
  // `not-content`: Starlight's spacing and its own <details> look stay out of the listing.
  return [h('div', { className: ['nfw-listing-body', 'not-content'] }, out)];
}

/** Build the listing's hast tree, its lines coloured by `colour`. */
export async function listingTreeWith(input: ListingProps, colour: Colourer): Promise<Element> {
  const lines = listingLines(input);
  if (!input.anchor || !/^[A-Za-z][\w-]*$/.test(input.anchor)) {
    throw new Error(
      `ChainListing: anchor "${input.anchor}" must be a letter followed by letters, digits, - or _`,
    );
  }
  const props = {
    ...input,
    lines: lines.map((l) => ({
      text: String(l.text),
      marks: lineMarks(l),
      ...(l.hit ? { hit: l.hit } : {}),
      ...(l.dim ? { dim: l.dim } : {}),
    })),
  };
  checkMarks(props);
  const lang = props.lang ?? 'nft';
  const coloured = await colour(props.lines.map((l) => l.text).join('\n'), lang);
  const gutterWidth = Math.max(0, ...props.lines.map((l) => [...marksText(l.marks)].length));
  const rows: Element[] = props.lines.map((line, i) => {
    const marks = line.marks ?? [];
    const numbered = marks.some((m) => m.kind !== 'miss');
    const tokens = lineContent(coloured[i] ?? [], line, props.anchor);
    return h(
      'span',
      {
        className: [
          'nfw-line',
          numbered ? 'nfw-line-step' : marks.length ? 'nfw-line-miss' : '',
        ].filter(Boolean),
      },
      [
        // The gutter (only on a line with marks) sits in the line's left padding; the code
        // follows it directly, so a line is one element and its tokens.
        ...(marks.length
          ? [
              h(
                'span',
                { className: ['nfw-gutter'] },
                marks.flatMap((m) => markElements(m, props.anchor)),
              ),
            ]
          : []),
        ...(tokens.length ? tokens : [{ type: 'text', value: ' ' } as const]),
      ],
    );
  });
  const folds = listingFoldsOf(input, rows.length);
  const children: ElementContent[] = [];
  if (props.title)
    children.push(h('figcaption', { className: ['nfw-listing-title'] }, props.title));
  children.push(...listingBody(rows, folds, props.lines, lang));
  return h(
    'figure',
    {
      className: ['nfw-listing', ...(folds.length > 0 ? ['nfw-listing-folded'] : [])],
      style: `--nfw-gutter:${gutterWidth}ch`,
      dataAnchor: props.anchor,
      // Out of the search index: a hit in a quoted ruleset made search show rule fragments as
      // excerpts and rank scenario pages above the guide; the prose around it says the same.
      dataPagefindIgnore: '',
    },
    children,
  );
}
