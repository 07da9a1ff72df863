/**
 * The explainer learns every fact from an event's typed `detail`, never from its English
 * `message` (the line `nfwalk trace` prints): scrambling every message leaves the page as it
 * was, and no source file of the explainer reads a `message` property.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import type { Ruleset } from '../../src/ruleset/model.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import type { Scenario } from '../../src/scenario/model.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario, repoRoot } from './helpers.ts';

const SENTINEL = 'SCRAMBLED-MESSAGE';

/** The trace with every explanatory event's message replaced. */
function scrambled(trace: Trace): { trace: Trace; count: number } {
  const t = structuredClone(trace);
  let count = 0;
  for (const c of t.conversations)
    for (const p of c.packets)
      for (const e of p.events)
        if ('message' in e) e.message = `${SENTINEL} ${count++} reject RST "over" dnat`;
  return { trace: t, count };
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sourcesUnder(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

describe('the explainer does not read event messages', () => {
  it('no source file under src/explain reads a `message` property', () => {
    const files = sourcesUnder(join(repoRoot, 'src/explain'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      // Comments aside, `.message`, `['message']` or `{ message }` would read the English line.
      const code = readFileSync(f, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code, f).not.toMatch(
        /\.message\b|\[\s*['"`]message['"`]\s*\]|\{[^}]*\bmessage\b[^}]*\}\s*=/,
      );
    }
  });

  const cases: [string, () => Promise<{ trace: Trace; args: [Scenario, Ruleset] }>][] = [
    [
      'the hand-written seed trace',
      async () => ({ trace: seedTrace, args: [fixtureScenario(), fixtureRuleset()] }),
    ],
    [
      'the simulated router-forward scenario',
      async () => {
        const sc = loadScenario(join(repoRoot, 'scenarios/router-forward.yaml'));
        const rs = await readRuleset(sc);
        return { trace: simulate(sc, rs), args: [sc, rs] };
      },
    ],
  ];
  for (const [name, load] of cases) {
    it(`${name}: scrambling every message changes nothing on the page`, async () => {
      const { trace, args } = await load();
      const { trace: other, count } = scrambled(trace);
      expect(count).toBeGreaterThan(5);
      for (const lang of ['en', 'ja'] as const) {
        const a = explainToText(args[0], args[1], trace, { lang, format: 'md' }).markdown;
        const b = explainToText(args[0], args[1], other, { lang, format: 'md' }).markdown;
        expect(b).not.toContain(SENTINEL);
        expect(b).toBe(a);
      }
    });
  }
});
