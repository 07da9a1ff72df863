/** ICMP types and codes by name in both languages: no page's prose says "code 3". */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icmpCodeText, icmpTypeText } from '../../src/explain/icmp-names.ts';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

const scenarioDir = join(repoRoot, 'scenarios');
const files = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

/** The page without its code blocks (listings quote the reader's ruleset as written). */
const prose = (page: string) => page.replace(/```[\s\S]*?```/g, '');

describe('ICMP by name', () => {
  it('names destination-unreachable codes as nft does, per family', () => {
    expect(icmpTypeText(4, 3)).toBe('destination-unreachable');
    expect(icmpCodeText(4, 3, 3)).toBe('port-unreachable');
    expect(icmpCodeText(4, 3, 13)).toBe('admin-prohibited');
    expect(icmpTypeText(6, 1)).toBe('destination-unreachable');
    expect(icmpCodeText(6, 1, 4)).toBe('port-unreachable');
    expect(icmpCodeText(6, 1, 1)).toBe('admin-prohibited');
    // A code nfwalk has no name for stays a number, said as such.
    expect(icmpCodeText(4, 11, 0)).toBe('code 0');
  });

  for (const file of files) {
    for (const lang of ['en', 'ja'] as const) {
      it(`${file} (${lang}): no ICMP code by number in the prose`, () => {
        const sc = loadScenario(join(scenarioDir, file));
        const rs = readRuleset(sc);
        const page = explainToText(sc, rs, simulate(sc, rs), { lang, format: 'md' }).markdown;
        expect(prose(page)).not.toMatch(/\bcode \d+\b/);
      });
    }
  }
});
