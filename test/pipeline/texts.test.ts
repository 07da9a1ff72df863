/**
 * The pipeline on texts: the seed scenario given as strings (its ruleset from an in-memory
 * resolver, no file system) makes the very page `nfwalk explain` writes from the files, and the
 * input's errors come out positioned where the scenario wrote the ruleset path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import {
  explainSources,
  type RulesetResolver,
  readSources,
  type Sources,
  walk,
} from '../../src/pipeline.ts';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { capture } from '../support/io.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const file = join(dir, 'seed-docker-firewalld-radius.yaml');
const scenarioText = readFileSync(file, 'utf8');
const rulesetName = 'seed-docker-firewalld-radius.nft';
const rulesetText = readFileSync(join(dir, rulesetName), 'utf8');

/** A resolver over named texts, recording what it was asked for. */
function inMemory(files: Record<string, string>): RulesetResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = (path: string) => {
    asked.push(path);
    const text = files[path];
    if (text === undefined) return { error: `the ruleset file "${path}" is not in memory` };
    return { resolved: `memory:${path}`, read: () => text };
  };
  return Object.assign(resolve, { asked });
}

function sources(
  text = scenarioText,
  files: Record<string, string> = { [rulesetName]: rulesetText },
): Sources {
  return { scenario: { file, text }, ruleset: inMemory(files) };
}

function refusal(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('the pipeline on texts', () => {
  for (const lang of ['en', 'ja'] as const) {
    for (const format of ['md', 'mdx'] as const) {
      it(`makes the page nfwalk explain writes from the files (${lang}, ${format})`, async () => {
        const io = capture();
        expect(await run(['explain', file, '--lang', lang, '--format', format], io)).toBe(0);
        const page = explainSources(sources(), { lang, format });
        expect(page.markdown.length).toBeGreaterThan(1000);
        expect(page.markdown).toBe(io.stdout);
      });
    }
  }

  it('walks the same trace as nfwalk trace --json', async () => {
    const io = capture();
    expect(await run(['trace', '--json', file], io)).toBe(0);
    const { trace, scenario } = walk(readSources(sources()));
    expect(scenario.ruleset.resolved).toBe(`memory:${rulesetName}`);
    expect(`${JSON.stringify(trace, null, 2)}\n`).toBe(io.stdout);
  });

  it("says the resolver's refusal at the scenario's ruleset key", () => {
    const e = refusal(() => readSources(sources(scenarioText, {})));
    const line = scenarioText.split('\n').findIndex((l) => l.startsWith('ruleset:')) + 1;
    expect(e.diagnostics).toEqual([
      {
        file,
        line,
        col: 10,
        message: `the ruleset file "${rulesetName}" is not in memory`,
        severity: 'error',
      },
    ]);
  });

  it('refuses a path out of the scenario folder before asking the resolver', () => {
    const text = scenarioText.replace(`ruleset: ${rulesetName}`, 'ruleset: ../etc/passwd');
    const src = sources(text);
    const e = refusal(() => readSources(src));
    expect(e.diagnostics[0]?.message).toMatch(/uses "\.\."/);
    expect((src.ruleset as ReturnType<typeof inMemory>).asked).toEqual([]);
  });
});
