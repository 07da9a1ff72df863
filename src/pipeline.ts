/**
 * The one way from a scenario to its page, for every front end (`nfwalk explain`, `trace`,
 * `verify`, the site): scenario text → checked scenario → its ruleset → the simulator's trace →
 * the explainer's page. Texts come in and files stay at the edges: whoever calls passes the
 * scenario's text and a resolver for the ruleset path it names (src/pipeline-files.ts reads
 * them from disk). Nothing here or below imports a Node module, so it can run in a browser
 * (test/pipeline/imports.test.ts keeps it so).
 *
 * Errors are the front ends' own: ScenarioError and RulesetError, every problem positioned at
 * its file, line and column.
 */
import {
  type Explained,
  type ExplainedTree,
  type ExplainOptions,
  explainPage,
  explainToText,
} from './explain/index.ts';
import { simulate } from './netfilter/simulate.ts';
import type { Trace } from './netfilter/trace.ts';
import type { Ruleset } from './ruleset/model.ts';
import type { IncludeHost } from './ruleset/nft/parser.ts';
import { parseRulesetText } from './ruleset/parse.ts';
import { ScenarioError } from './scenario/diagnostics.ts';
import type { Lang, Scenario } from './scenario/model.ts';
import { parseScenarioText } from './scenario/parse.ts';

export type { Explained, ExplainedTree } from './explain/index.ts';

/** A scenario file's text and the name messages give it. */
export interface ScenarioSource {
  file: string;
  text: string;
}

/** The ruleset file a scenario names, as whoever holds the files found it. */
export interface RulesetFile {
  /** Where it is (on disk, its path; elsewhere any name): the scenario's `ruleset.resolved`. */
  resolved: string;
  /** Its text; throws a RulesetError naming the file when it cannot be read. */
  read(): string;
  /** Reads the files nft text includes; without it an include is an error. */
  include?: IncludeHost;
}

/**
 * Finds the ruleset path a scenario writes (relative to the scenario, already refused when
 * absolute or with `..`), or says why it may not be read: the answer is an error at the
 * scenario's `ruleset:` key.
 */
export type RulesetResolver = (path: string) => RulesetFile | { error: string };

/** Everything the pipeline reads: the scenario's text and the way to its ruleset. */
export interface Sources {
  scenario: ScenarioSource;
  ruleset: RulesetResolver;
}

export interface PageOptions {
  /** The page's language; the scenario's `lang` when not given. */
  lang?: Lang | undefined;
  format: 'md' | 'mdx';
}

/** A scenario and its ruleset, both read and checked. */
export interface Loaded {
  scenario: Scenario;
  ruleset: Ruleset;
}

/** A scenario with its ruleset, walked. */
export interface Walked extends Loaded {
  trace: Trace;
}

/** The scenario checked, its ruleset path located by `resolve` (throws ScenarioError). */
export function scenarioFromText(source: ScenarioSource, resolve: RulesetResolver): Scenario {
  return parseScenarioText(source.text, source.file, (path) => {
    const found = resolve(path);
    return 'error' in found ? found : { resolved: found.resolved };
  });
}

/**
 * The scenario's ruleset, read through `resolve` and parsed: throws RulesetError, or
 * ScenarioError at the `ruleset:` key should the resolver refuse the path now.
 */
export function rulesetFromText(scenario: Scenario, resolve: RulesetResolver): Ruleset {
  const ref = scenario.ruleset;
  const found = resolve(ref.path);
  if ('error' in found) {
    const at = ref.span ?? { file: scenario.file, line: 1, col: 1 };
    throw new ScenarioError([
      { file: at.file, line: at.line, col: at.col, message: found.error, severity: 'error' },
    ]);
  }
  return parseRulesetText(found.read(), ref.format, ref.path, found.include);
}

/** The explainer's page of a walk, with what the site lists about it. */
export function pageOf(walked: Walked, opts: PageOptions): Explained {
  const { scenario, ruleset, trace } = walked;
  return explainToText(scenario, ruleset, trace, explainOptions(scenario, opts));
}

function explainOptions(scenario: Scenario, opts: PageOptions): ExplainOptions {
  return { lang: opts.lang ?? scenario.lang, format: opts.format };
}

/**
 * The same page as its syntax tree, not serialised: the playground renders it as it is rather
 * than printing MDX only to parse it again.
 */
export function pageTreeOf(walked: Walked, opts: PageOptions): ExplainedTree {
  const { scenario, ruleset, trace } = walked;
  return explainPage(scenario, ruleset, trace, explainOptions(scenario, opts));
}

/** Scenario and ruleset from the texts: every error in the input is thrown from here. */
export function readSources(sources: Sources): Loaded {
  const scenario = scenarioFromText(sources.scenario, sources.ruleset);
  return { scenario, ruleset: rulesetFromText(scenario, sources.ruleset) };
}

/** The simulator's walk of every conversation: what `nfwalk trace` prints, `verify` compares. */
export function walk(loaded: Loaded): Walked {
  return { ...loaded, trace: simulate(loaded.scenario, loaded.ruleset) };
}

/** The page from the texts: what `nfwalk explain` prints and the site renders. */
export function explainSources(sources: Sources, opts: PageOptions): Explained {
  return pageOf(walk(readSources(sources)), opts);
}
