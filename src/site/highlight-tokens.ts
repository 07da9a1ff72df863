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

/**
 * The token colours the listings' grammars produce with the two themes, as short class names
 * (nfwalk.css colours `.nfw-line .<class>` in light and dark): a class per token instead of an
 * inline style of both colours makes a listing's HTML several times smaller. Keyed by
 * `<light>|<dark>`. A pair not in this table keeps an inline style (same colours, more bytes);
 * test/site/listing-classes.test.ts checks that every scenario's rulesets need none.
 */
export const TOKEN_CLASSES: Readonly<Record<string, string>> = {
  '#D73A49|#F97583': 'k',
  '#005CC5|#79B8FF': 'c',
  '#6F42C1|#B392F0': 'f',
  '#032F62|#9ECBFF': 's',
  '#E36209|#FFAB70': 'v',
  '#6A737D|#6A737D': 'm',
};

/** The themes' plain text colour: tokens in it are not wrapped at all (the code's colour). */
export const DEFAULT_COLOURS = { light: '#24292E', dark: '#E1E4E8' } as const;

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
