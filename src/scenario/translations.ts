/**
 * `translations:` (docs/spec/scenario-format.md, a compatible extension of v1): the title and
 * summary in the languages other than the scenario's own `lang`, so that every language's page
 * shows them translated. Each problem is reported at its node, like the rest of the loader.
 */
import type { Lang, ScenarioText } from './model.ts';
import { keysOf, requiredOf, LANGS as SHAPE_LANGS, TRANSLATION } from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

/** The languages nfwalk writes pages in. */
export const LANGS: readonly Lang[] = SHAPE_LANGS;

function isLang(name: string): name is Lang {
  return (LANGS as readonly string[]).includes(name);
}

/**
 * Reads `translations`. `lang` is the scenario's own language; `hasSummary` says whether it has
 * a (non-blank) summary: a translation then needs one too, and without one it may not have one,
 * so every language's page says the same.
 */
export function readTranslations(
  r: Reader,
  entry: Entry,
  lang: Lang,
  hasSummary: boolean,
): Partial<Record<Lang, ScenarioText>> {
  const out: Partial<Record<Lang, ScenarioText>> = {};
  // Every key is accepted here and checked below, for a message that speaks of languages.
  const langs = r.map(entry.value, entry.path, [], [], entry.key, () => true);
  if (!langs) return out;
  for (const [name, e] of langs) {
    if (!isLang(name)) {
      r.error(
        e.key,
        `${entry.path}: "${name}" is not a language nfwalk writes pages in (write ${LANGS.join(' or ')})`,
      );
      continue;
    }
    if (name === lang) {
      r.error(
        e.key,
        `${e.path}: ${name} is this scenario's own language (lang: ${lang}); its text is the top-level title and summary`,
      );
      continue;
    }
    const keys = r.map(e.value, e.path, keysOf(TRANSLATION), requiredOf(TRANSLATION), e.key);
    if (!keys) continue;
    const titleEntry = keys.get('title');
    const title = titleEntry ? r.string(titleEntry) : undefined;
    const summaryEntry = keys.get('summary');
    const summary = summaryEntry ? r.string(summaryEntry, { nonEmpty: false }) : undefined;
    const given = summary !== undefined && summary.trim() !== '';
    if (hasSummary && !given && (!summaryEntry || summary !== undefined)) {
      r.error(
        summaryEntry?.value ?? e.value,
        `${e.path}: the scenario has a summary, so its ${name} translation needs one too (summary: …)`,
      );
    } else if (!hasSummary && given && summaryEntry) {
      r.error(
        summaryEntry.key,
        `${summaryEntry.path}: the scenario has no summary in its own language (lang: ${lang}); add one there or remove this one`,
      );
    }
    if (title !== undefined) out[name] = { title, ...(given ? { summary } : {}) };
  }
  return out;
}
