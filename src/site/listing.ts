/**
 * The site's ruleset listings at build time: listing-tree.ts coloured by the site's Shiki
 * highlighter (highlight.ts), as HTML for the `<ChainListing>` component.
 */
import type { Element, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { colourLines } from './highlight.ts';
import { type ListingProps, listingTreeWith } from './listing-tree.ts';

export {
  type ListingFold,
  type ListingLine,
  type ListingMark,
  type ListingProps,
  type MarkKind,
  marksText,
  parseMarks,
} from './listing-tree.ts';

/** Build the listing's hast tree. */
export function listingTree(input: ListingProps): Promise<Element> {
  return listingTreeWith(input, colourLines);
}

export async function listingHtml(props: ListingProps): Promise<string> {
  const root: Root = { type: 'root', children: [await listingTree(props)] };
  return toHtml(root);
}
