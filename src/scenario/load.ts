/**
 * Loading a scenario file: its text read from disk and checked by src/scenario/parse.ts, its
 * ruleset path located in the file's folder (src/scenario/ruleset-file.ts). All problems are
 * thrown together as one ScenarioError, each with file, line and column.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScenarioError } from './diagnostics.ts';
import type { Scenario } from './model.ts';
import { parseScenarioText } from './parse.ts';
import { rulesetLocator } from './ruleset-file.ts';

/** Reads and checks a scenario file. Throws ScenarioError listing every problem found. */
export function loadScenario(path: string): Scenario {
  return parseScenario(readScenarioText(path), path, dirname(path));
}

/** A scenario file's text, or a ScenarioError (naming it `shownAs`) saying why it cannot be read. */
export function readScenarioText(path: string, shownAs = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const reason =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new ScenarioError([
      {
        file: shownAs,
        line: 1,
        col: 1,
        message: `cannot read the scenario: ${reason}`,
        severity: 'error',
      },
    ]);
  }
}

/** Checks scenario text; `file` names it in messages, `dir` is where its ruleset path starts. */
export function parseScenario(text: string, file: string, dir: string): Scenario {
  return parseScenarioText(text, file, rulesetLocator(dir));
}
