/**
 * One Shiki highlighter for the site's own components (ruleset listings), with the project's
 * nftables and iptables-save grammars and the same light/dark themes Expressive Code uses for
 * ordinary code blocks, so a listing looks like every other code block on the page.
 */
import { createHighlighter, type Highlighter } from 'shiki';
import {
  type ColouredToken,
  colourWith,
  DARK_THEME,
  LIGHT_THEME,
  type ListingLang,
  siteLanguages,
} from './highlight-tokens.ts';

export {
  type ColouredToken,
  DARK_THEME,
  LIGHT_THEME,
  LISTING_LANGS,
  type ListingLang,
  siteLanguages,
} from './highlight-tokens.ts';

let highlighter: Promise<Highlighter> | undefined;

export function siteHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: [LIGHT_THEME, DARK_THEME], langs: siteLanguages });
  return highlighter;
}

/** Tokenise a listing (one string, lines separated by \n) into coloured lines. */
export async function colourLines(code: string, lang: ListingLang): Promise<ColouredToken[][]> {
  return colourWith(await siteHighlighter(), code, lang);
}
