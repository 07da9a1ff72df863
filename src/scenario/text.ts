/**
 * Which title and summary a page shows: the translation for the page's language when the
 * scenario has one (`translations:`), otherwise the scenario's own text.
 */
import type { Lang, Scenario, ScenarioText } from './model.ts';

/** The title and summary for a page in `lang`. */
export function scenarioText(scenario: Scenario, lang: Lang): ScenarioText {
  const t = lang === scenario.lang ? undefined : scenario.translations?.[lang];
  if (t) return t;
  return {
    title: scenario.title,
    ...(scenario.summary !== undefined ? { summary: scenario.summary } : {}),
  };
}

/** The scenario as a page in `lang` shows it: same conversations, title and summary in `lang`. */
export function scenarioIn(scenario: Scenario, lang: Lang): Scenario {
  const { title, summary } = scenarioText(scenario, lang);
  const { summary: _own, ...rest } = scenario;
  return { ...rest, title, ...(summary !== undefined ? { summary } : {}) };
}
