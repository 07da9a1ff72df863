/**
 * The explainer: from a scenario, its ruleset and the simulator's trace, the page a patient
 * expert would write (docs: the seed article's style), in English or Japanese, as Markdown
 * (GFM) or MDX.
 */
import type { Root } from 'mdast';
import type { Trace } from '../netfilter/trace.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Lang, Scenario } from '../scenario/model.ts';
import { scenarioIn } from '../scenario/text.ts';
import { buildDocument, type ConversationSummary } from './document.ts';
import { messages } from './i18n/index.ts';
import { toMarkdown, toMdx } from './render.ts';

export interface ExplainOptions {
  lang: Lang;
  format: 'md' | 'mdx';
}

export interface Explained {
  title: string;
  summary?: string;
  markdown: string;
  conversations: ConversationSummary[];
}

/** The page as an mdast tree. */
export function explain(
  scenario: Scenario,
  ruleset: Ruleset,
  trace: Trace,
  opts: ExplainOptions,
): Root {
  // Title and summary in the page's language (`translations:` in the scenario).
  const page = scenarioIn(scenario, opts.lang);
  return buildDocument(page, ruleset, trace, { format: opts.format, msg: messages(opts.lang) })
    .root;
}

/** The page as a tree, with what the site lists about it: what the playground renders. */
export interface ExplainedTree extends Omit<Explained, 'markdown'> {
  root: Root;
}

export function explainPage(
  scenario: Scenario,
  ruleset: Ruleset,
  trace: Trace,
  opts: ExplainOptions,
): ExplainedTree {
  const page = scenarioIn(scenario, opts.lang);
  const { root, conversations } = buildDocument(page, ruleset, trace, {
    format: opts.format,
    msg: messages(opts.lang),
  });
  return {
    title: page.title,
    ...(page.summary ? { summary: page.summary } : {}),
    root,
    conversations,
  };
}

/** The page serialised, with what the site lists about it. */
export function explainToText(
  scenario: Scenario,
  ruleset: Ruleset,
  trace: Trace,
  opts: ExplainOptions,
): Explained {
  const { root, ...page } = explainPage(scenario, ruleset, trace, opts);
  return { ...page, markdown: opts.format === 'mdx' ? toMdx(root) : toMarkdown(root) };
}
