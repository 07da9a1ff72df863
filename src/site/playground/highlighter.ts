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

export async function colourInBrowser(code: string, lang: ListingLang): Promise<ColouredToken[][]> {
  highlighter ??= createHighlighterCore({
    themes: [githubLight, githubDark],
    langs: siteLanguages,
    engine: createJavaScriptRegexEngine({ forgiving: true }),
  });
  return colourWith(await highlighter, code, lang);
}
