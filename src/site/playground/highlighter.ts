/**
 * The playground's colouring of ruleset listings: Shiki's core with only the project's two
 * grammars and the site's two themes, on Shiki's JavaScript regular-expression engine (no
 * WebAssembly), so the worker carries none of Shiki's bundled languages.
 */

import { createHighlighterCore, type HighlighterCore } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import githubDark from 'shiki/themes/github-dark.mjs';
import githubLight from 'shiki/themes/github-light.mjs';
import {
  type ColouredToken,
  colourWith,
  type ListingLang,
  siteLanguages,
} from '../highlight-tokens.ts';

let highlighter: Promise<HighlighterCore> | undefined;

/**
 * Listings coloured before, by language and text: a page shows the same chains for a request
 * and its reply, and an edit leaves most listings as they were.
 */
const coloured = new Map<string, ColouredToken[][]>();
const KEEP = 500;

export async function colourInBrowser(code: string, lang: ListingLang): Promise<ColouredToken[][]> {
  const key = `${lang}\n${code}`;
  const known = coloured.get(key);
  if (known) return known;
  const tokens = await colourFresh(code, lang);
  if (coloured.size >= KEEP) coloured.delete(coloured.keys().next().value as string);
  coloured.set(key, tokens);
  return tokens;
}

async function colourFresh(code: string, lang: ListingLang): Promise<ColouredToken[][]> {
  highlighter ??= createHighlighterCore({
    themes: [githubLight, githubDark],
    langs: siteLanguages,
    engine: createJavaScriptRegexEngine({ forgiving: true }),
  });
  return colourWith(await highlighter, code, lang);
}
