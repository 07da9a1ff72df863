/**
 * One Shiki highlighter for the site's own components (ruleset listings), with the project's
 * nftables and iptables-save grammars and the same light/dark themes Expressive Code uses for
 * ordinary code blocks, so a listing looks like every other code block on the page.
 */
import { createHighlighter, type Highlighter, type LanguageRegistration } from 'shiki';
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

let highlighter: Promise<Highlighter> | undefined;

export function siteHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: [LIGHT_THEME, DARK_THEME], langs: siteLanguages });
  return highlighter;
}

/** One coloured piece of a line: its text and its colour in each theme. */
export interface ColouredToken {
  text: string;
  light?: string;
  dark?: string;
}

/** Tokenise a listing (one string, lines separated by \n) into coloured lines. */
export async function colourLines(code: string, lang: ListingLang): Promise<ColouredToken[][]> {
  const hl = await siteHighlighter();
  const lines = hl.codeToTokensWithThemes(code, {
    // Our own grammars: Shiki's bundled-language type does not know their names.
    lang: LISTING_LANGS[lang] as Parameters<Highlighter['codeToTokensWithThemes']>[1]['lang'],
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
