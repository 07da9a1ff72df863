/**
 * Japanese as a Japanese engineer writes it: no space after 。, and no line break inside a
 * paragraph between Japanese characters (a renderer shows it as a space), on every page.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

const scenarioDir = join(repoRoot, 'scenarios');
const files = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

const CJK =
  '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\u3000-\\u303f\\uff01-\\uff60]';

/** The page's prose: code blocks (listings, diagrams) left out. */
const prose = (page: string) => page.replace(/```[\s\S]*?```/g, '');

function spacingFaults(page: string): string[] {
  const text = prose(page);
  const faults = [...text.matchAll(/。[ \t]+\S.{0,20}/gu)].map((m) => `space after 。: ${m[0]}`);
  const breaks = new RegExp(`.{0,20}${CJK}\\n${CJK}.{0,20}`, 'gu');
  faults.push(...[...text.matchAll(breaks)].map((m) => `line break inside: ${m[0]}`));
  return faults;
}

describe('Japanese spacing', () => {
  it('finds a space after 。 and a break between Japanese characters', () => {
    expect(spacingFaults('送ります。 リクエストは')).toHaveLength(1);
    expect(spacingFaults('追いきれなかった\n応答は')).toHaveLength(1);
    expect(spacingFaults('送ります。リクエストは\n\n## 見出し')).toEqual([]);
  });

  for (const file of files) {
    it(`${file}: none on the Japanese page`, () => {
      const sc = loadScenario(join(scenarioDir, file));
      const rs = readRuleset(sc);
      const page = explainToText(sc, rs, simulate(sc, rs), { lang: 'ja', format: 'md' }).markdown;
      expect(spacingFaults(page)).toEqual([]);
    });
  }
});
