/** Node builders for the page's mdast tree: sentences (phrases) become phrasing content. */
import type { BlockContent, Code, List, ListItem, Paragraph, RootContent } from 'mdast';
import type { Family } from '../ruleset/model.ts';
import type { ChainRef } from './i18n/messages.ts';
import { type Phrase, toPhrasing } from './phrase.ts';

export const para = (p: Phrase): Paragraph => ({ type: 'paragraph', children: toPhrasing(p) });

export const heading = (depth: 1 | 2 | 3 | 4 | 5, p: Phrase): RootContent => ({
  type: 'heading',
  depth,
  children: toPhrasing(p),
});

export const codeBlock = (lang: string, value: string): Code => ({ type: 'code', lang, value });

export const bullets = (items: BlockContent[][]): List => ({
  type: 'list',
  ordered: false,
  spread: false,
  children: items.map((children): ListItem => ({ type: 'listItem', spread: false, children })),
});

/** A chain as the message catalogue names it. */
export function ref(family: Family, table: string, chain: string): ChainRef {
  return { family, table, chain };
}
