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
import type { Colourer, ListingLang } from './highlight-tokens.ts';

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

function markElement(m: ListingMark, anchor: string): ElementContent {
  if (m.kind === 'miss') {
    return h('span', { className: ['nfw-mark', 'nfw-mark-miss'], title: 'no match' }, '↓');
  }
  const link = h('a', { href: `#${anchor}-${m.n}`, className: ['nfw-step-link'] }, `(${m.n})`);
  const children = m.kind === 'from' ? [link, '->'] : m.kind === 'to' ? ['->', link] : [link];
  return h('span', { className: ['nfw-mark', `nfw-mark-${m.kind}`] }, children);
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
    lines: lines.map((l) => ({ text: String(l.text), marks: lineMarks(l) })),
  };
  checkMarks(props);
  const lang = props.lang ?? 'nft';
  const coloured = await colour(props.lines.map((l) => l.text).join('\n'), lang);
  const gutterWidth = Math.max(0, ...props.lines.map((l) => [...marksText(l.marks)].length));
  const rows: Element[] = props.lines.map((line, i) => {
    const marks = line.marks ?? [];
    const numbered = marks.some((m) => m.kind !== 'miss');
    const tokens = (coloured[i] ?? []).map((t) =>
      t.light || t.dark
        ? h(
            'span',
            { style: `--nfw-light:${t.light ?? 'inherit'};--nfw-dark:${t.dark ?? 'inherit'}` },
            t.text,
          )
        : ({ type: 'text', value: t.text } as const),
    );
    return h(
      'span',
      {
        className: [
          'nfw-line',
          numbered ? 'nfw-line-step' : marks.length ? 'nfw-line-miss' : '',
        ].filter(Boolean),
      },
      [
        h(
          'span',
          { className: ['nfw-gutter'], ariaHidden: marks.length ? undefined : 'true' },
          marks.map((m) => markElement(m, props.anchor)),
        ),
        h(
          'span',
          { className: ['nfw-code'] },
          tokens.length ? tokens : [{ type: 'text', value: ' ' }],
        ),
      ],
    );
  });
  const children: ElementContent[] = [];
  if (props.title)
    children.push(h('figcaption', { className: ['nfw-listing-title'] }, props.title));
  children.push(h('pre', { tabIndex: 0, dataLanguage: lang }, [h('code', rows)]));
  return h(
    'figure',
    {
      className: ['nfw-listing'],
      style: `--nfw-gutter:${gutterWidth}ch`,
      dataAnchor: props.anchor,
      // Out of the search index: a hit in a quoted ruleset made search show rule fragments as
      // excerpts and rank scenario pages above the guide; the prose around it says the same.
      dataPagefindIgnore: '',
    },
    children,
  );
}
