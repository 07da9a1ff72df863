/**
 * What the site's ruleset listings are coloured with, without a highlighter of its own: the
 * project's nftables and iptables-save grammars, the light and dark themes Expressive Code
 * uses, and the colouring of a listing by whichever Shiki highlighter the caller has (the full
 * one at build time, highlight.ts; a small core one in the playground's worker).
 */
import type { HighlighterGeneric, LanguageRegistration } from 'shiki/core';
import iptablesGrammar from './grammars/iptables.tmLanguage.json' with { type: 'json' };
import nftablesGrammar from './grammars/nftables.tmLanguage.json' with { type: 'json' };

export const LIGHT_THEME = 'github-light';
export const DARK_THEME = 'github-dark';

/** The grammars, as Shiki (and Expressive Code) want them. */
export const siteLanguages: LanguageRegistration[] = [
  nftablesGrammar as unknown as LanguageRegistration,
  iptablesGrammar as unknown as LanguageRegistration,
];

/** Every name a fence or a listing may use for a ruleset language, and the grammar it means. */
export const LISTING_LANGS = {
  nft: 'nftables',
  nftables: 'nftables',
  iptables: 'iptables',
  'iptables-save': 'iptables',
} as const;
export type ListingLang = keyof typeof LISTING_LANGS;

/** One coloured piece of a line: its text and its colour in each theme. */
export interface ColouredToken {
  text: string;
  light?: string;
  dark?: string;
}

/** Colours a listing (one string, lines separated by \n) into lines of tokens. */
export type Colourer = (code: string, lang: ListingLang) => Promise<ColouredToken[][]>;

// biome-ignore lint/suspicious/noExplicitAny: any highlighter that has the site's grammars and themes
type AnyHighlighter = HighlighterGeneric<any, any>;

/** Tokenise a listing with `hl`, which must have loaded the site's grammars and both themes. */
export function colourWith(hl: AnyHighlighter, code: string, lang: ListingLang): ColouredToken[][] {
  const lines = hl.codeToTokensWithThemes(code, {
    lang: LISTING_LANGS[lang],
    themes: { light: LIGHT_THEME, dark: DARK_THEME },
  });
  return lines.map((line) =>
    line.map((token) => ({
      text: token.content,
      light: token.variants.light?.color,
      dark: token.variants.dark?.color,
    })),
  );
}
