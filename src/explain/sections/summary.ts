/** The scenario's summary, as Markdown made safe to put on the page. */
import type { Root, RootContent } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/** Links and images of a summary may point to http(s), mailto or a relative path, no script. */
function safeUrl(url: string): boolean {
  const u = url.replace(/[\u0000-\u0020\u007f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u);
  return !scheme || /^(https?|mailto)$/i.test(scheme[1] ?? '');
}

/**
 * The summary is Markdown by the scenario format; raw HTML in it becomes plain text, and a link
 * or image to a script (`javascript:`, `data:`…) becomes its text.
 */
/** Japanese (and Chinese) characters and their punctuation: text with no spaces between words. */
const CJK =
  '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u3000-\\u303f\\uff01-\\uff60]';
const CJK_BREAK = new RegExp(`(?<=${CJK})\\n(?=${CJK})`, 'gu');

/**
 * A line break in the YAML summary between two Japanese characters (after 。 or inside a
 * phrase) is no word space: the reader's renderer would show it as one.
 */
function joinCjkLines(n: RootContent): RootContent {
  if (n.type === 'text') return { ...n, value: n.value.replace(CJK_BREAK, '') };
  if ('children' in n && Array.isArray(n.children))
    return { ...n, children: (n.children as RootContent[]).map(joinCjkLines) } as RootContent;
  return n;
}

export function summaryNodes(summary: string): RootContent[] {
  const tree = unified().use(remarkParse).use(remarkGfm).parse(summary) as Root;
  const clean = (n: RootContent): RootContent => {
    if (n.type === 'html')
      return { type: 'paragraph', children: [{ type: 'text', value: n.value }] };
    if ((n.type === 'link' || n.type === 'image' || n.type === 'definition') && !safeUrl(n.url))
      return {
        type: 'text',
        value: summary.slice(n.position?.start.offset, n.position?.end.offset),
      };
    if ('children' in n && Array.isArray(n.children)) {
      return {
        ...n,
        children: (n.children as RootContent[]).map((c) =>
          c.type === 'html' ? { type: 'text', value: c.value } : clean(c),
        ),
      } as RootContent;
    }
    return n;
  };
  return tree.children.map(clean).map(joinCjkLines);
}
