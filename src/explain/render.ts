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

export function toMarkdown(root: Root): string {
  return unified().use(remarkGfm).use(remarkStringify, options).stringify(root);
}

export function toMdx(root: Root): string {
  return unified().use(remarkGfm).use(remarkMdx).use(remarkStringify, options).stringify(root);
}
