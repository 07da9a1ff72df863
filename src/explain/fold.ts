/**
 * Content folded away until the reader asks for it: a `<details>` block with a `<summary>`.
 * Markdown (GitHub, Qiita, Zenn) gets HTML blocks around the Markdown content, with a blank
 * line after the summary so the content is still read as Markdown; the summary's text is
 * escaped here, as HTML. MDX gets JSX elements: `<summary>` on a line of its own, which MDX
 * reads as the element itself rather than a paragraph around it.
 */
import type { BlockContent, Paragraph } from 'mdast';
import type { MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import { jsxElement } from './mdx.ts';
import type { Phrase } from './phrase.ts';
import { toPhrasing } from './phrase.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);

/** The phrase as HTML: text escaped, code spans as `<code>`, strong runs as `<strong>`. */
export function phraseHtml(p: Phrase): string {
  return p
    .map((x) =>
      typeof x === 'string'
        ? escapeHtml(x)
        : 'code' in x
          ? `<code>${escapeHtml(x.code)}</code>`
          : `<strong>${escapeHtml(x.strong)}</strong>`,
    )
    .join('');
}

/** `children` inside a collapsed `<details>` whose summary says `summary`. */
export function folded(
  format: 'md' | 'mdx',
  summary: Phrase,
  children: BlockContent[],
): BlockContent[] {
  if (format === 'md') {
    return [
      { type: 'html', value: `<details>\n<summary>${phraseHtml(summary)}</summary>` },
      ...children,
      { type: 'html', value: '</details>' },
    ];
  }
  const summaryElement: MdxJsxTextElement = {
    type: 'mdxJsxTextElement',
    name: 'summary',
    attributes: [],
    children: toPhrasing(summary),
  };
  const line: Paragraph = { type: 'paragraph', children: [summaryElement] };
  return [jsxElement('details', {}, [line, ...children])];
}
