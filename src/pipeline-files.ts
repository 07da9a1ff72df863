/**
 * The pipeline's file-system edge: a scenario file on disk and its ruleset, read inside the
 * scenario's folder, handed to src/pipeline.ts as texts. The CLI commands, the site's loader and
 * the tests that start from files come through here.
 */
import { dirname } from 'node:path';
import {
  type Explained,
  explainSources,
  type PageOptions,
  type RulesetFile,
  type RulesetResolver,
  rulesetFromText,
  type Sources,
} from './pipeline.ts';
import { fileIncludeHost, readRulesetText } from './ruleset/load.ts';
import type { Ruleset } from './ruleset/model.ts';
import { readScenarioText } from './scenario/load.ts';
import type { Scenario } from './scenario/model.ts';
import { rulesetLocator } from './scenario/ruleset-file.ts';

/**
 * The scenario file at `path` (throws ScenarioError when unreadable) and its folder's files;
 * messages name it `shownAs`.
 */
export function scenarioFileSources(path: string, shownAs = path): Sources {
  const text = readScenarioText(path, shownAs);
  return { scenario: { file: shownAs, text }, ruleset: rulesetResolver(dirname(path)) };
}

/** Ruleset paths relative to `scenarioDir`, read only inside it (symbolic links followed). */
export function rulesetResolver(scenarioDir: string): RulesetResolver {
  const locate = rulesetLocator(scenarioDir);
  return (path) => {
    const where = locate(path);
    return 'error' in where ? where : rulesetFile(path, where.resolved);
  };
}

/**
 * The ruleset file written `path` in a scenario, found at `resolved`: its includes stay in its
 * folder and are read relative to where it is, not to the working directory.
 */
function rulesetFile(path: string, resolved: string): RulesetFile {
  return {
    resolved,
    read: () => readRulesetText(resolved, path),
    include: fileIncludeHost(path, dirname(resolved), resolved),
  };
}

/** The ruleset of a scenario loaded from disk (loadScenario), by the pipeline's ruleset step. */
export function readRuleset(scenario: Scenario): Ruleset {
  const { path, resolved } = scenario.ruleset;
  return rulesetFromText(scenario, () => rulesetFile(path, resolved));
}

/** The page of a scenario file (named `shownAs` in it and in messages). */
export function explainScenarioFile(path: string, opts: PageOptions, shownAs = path): Explained {
  return explainSources(scenarioFileSources(path, shownAs), opts);
}
