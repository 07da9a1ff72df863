/** Shared inputs for the explainer tests: the hand-built seed fixture (scenario, ruleset, trace). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Ruleset } from '../../src/ruleset/model.ts';
import { parseNft } from '../../src/ruleset/nft/index.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import type { Scenario } from '../../src/scenario/model.ts';

export const fixtureDir = fileURLToPath(new URL('./fixtures/seed/', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export function fixtureScenario(): Scenario {
  return loadScenario(`${fixtureDir}scenario.yaml`);
}

export function fixtureRuleset(text?: string): Ruleset {
  const file = `${fixtureDir}ruleset.nft`;
  return parseNft(text ?? readFileSync(file, 'utf8'), file);
}
