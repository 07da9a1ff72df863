/** Every diagram the explainer writes renders with beautiful-mermaid (the site's renderer). */
import { renderMermaidSVG } from 'beautiful-mermaid';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { mermaidText } from '../../src/explain/mermaid.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

function diagrams(md: string): string[] {
  return [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

describe('Mermaid diagrams', () => {
  const scenario = fixtureScenario();
  const ruleset = fixtureRuleset();
  for (const [name, trace] of Object.entries({
    fixture: seedTrace,
    simulated: simulate(scenario, ruleset),
  })) {
    for (const lang of ['en', 'ja'] as const) {
      it(`all diagrams of the ${name} trace (${lang}) render`, () => {
        const md = explainToText(scenario, ruleset, trace, { lang, format: 'md' }).markdown;
        const ds = diagrams(md);
        // Per conversation: a sequence diagram and a hook map; per packet: a flowchart.
        const packets = trace.conversations.reduce((n, c) => n + c.packets.length, 0);
        expect(ds.length).toBe(trace.conversations.length * 2 + packets);
        for (const d of ds) {
          const svg = renderMermaidSVG(d);
          expect(svg).toMatch(/^<svg/);
        }
      });
    }
  }

  it('labels lose the characters either renderer reads as syntax, and keep the rest', () => {
    const label = mermaidText('a "q" [b] {c} (d) <e> f|g #h; `i` x-->y');
    expect(label).not.toMatch(/["[\]{}()<>|#;`]/);
    expect(label).not.toContain('-->');
    expect(label).toContain('q');
    const svg = renderMermaidSVG(`flowchart TD\n  a["${label}"] -->|"${label}"| b["ok"]`);
    expect(svg).toContain('ok');
    expect(svg).not.toContain('#quot;');
  });
});
