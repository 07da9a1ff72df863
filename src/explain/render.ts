/**
 * Serialises the page's mdast tree: GFM Markdown (```mermaid fences, tables) for GitHub, Qiita
 * and Zenn, or an MDX body for the site (mdast-util-mdx escapes `{`, `}` and `<` in text).
 */
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';

const options = { bullet: '-', fences: true, rule: '-', listItemIndent: 'one' } as const;

/** Display width, so table columns line up with Japanese text (wide characters count 2). */
function stringLength(s: string): number {
  let n = 0;
  for (const ch of s)
    n +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
        ch,
      )
        ? 2
        : 1;
  return n;
}
const gfm = { stringLength };

export function toMarkdown(root: Root): string {
  return unified().use(remarkGfm, gfm).use(remarkStringify, options).stringify(root);
}

/**
 * MDX reads a line starting with `import` or `export` as JavaScript (ESM) that runs when the
 * page is built; mdast-util-mdx does not escape it. A scenario summary or any text that
 * begins a line so is written with its first letter as a character reference.
 */
const mdxUnsafe = [
  { character: 'e', atBreak: true, after: 'xport\\b' },
  { character: 'i', atBreak: true, after: 'mport\\b' },
];

export function toMdx(root: Root): string {
  return (
    unified()
      .use(remarkGfm, gfm)
      // A listing's lines are JSON in an attribute (mdx.ts): quoted with ' so its many " stay
      // as they are (each ' in it then becomes a character reference).
      .use(remarkMdx, { quoteSmart: true })
      .use(remarkStringify, { ...options, unsafe: mdxUnsafe })
      .stringify(root)
  );
}
