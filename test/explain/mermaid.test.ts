/**
 * Every diagram the explainer writes renders with the official `mermaid` (the site's renderer,
 * in Debian's chromium), and the hook map draws br_netfilter's calls when the host has it.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { mermaidText } from '../../src/explain/mermaid.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import type { Scenario } from '../../src/scenario/model.ts';
import { DEFAULT_CHROMIUM, MermaidBrowser } from '../../src/site/mermaid-browser.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

/** The ```mermaid fences, also those indented inside a folded `<details>` element of the MDX. */
function diagrams(md: string): string[] {
  return [...md.matchAll(/^( *)```mermaid\n([\s\S]*?)\n\1```/gm)].map((m) =>
    m[2]!
      .split('\n')
      .map((l) => l.slice(m[1]!.length))
      .join('\n'),
  );
}

function hookMaps(md: string): string[] {
  return diagrams(md).filter((d) => d.includes('netdev_ingress'));
}

const noChromium = existsSync(DEFAULT_CHROMIUM) ? undefined : `${DEFAULT_CHROMIUM} is missing`;
if (noChromium) console.warn(`mermaid rendering tests skipped: ${noChromium}`);

describe.skipIf(noChromium !== undefined)('Mermaid diagrams in the official renderer', () => {
  let browser: MermaidBrowser;
  beforeAll(async () => {
    browser = await MermaidBrowser.launch(DEFAULT_CHROMIUM);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  const scenario = fixtureScenario();
  const ruleset = fixtureRuleset();
  for (const [name, trace] of Object.entries({
    fixture: seedTrace,
    simulated: simulate(scenario, ruleset),
  })) {
    for (const lang of ['en', 'ja'] as const) {
      it(`all diagrams of the ${name} trace (${lang}) render`, async () => {
        for (const format of ['md', 'mdx'] as const) {
          const md = explainToText(scenario, ruleset, trace, { lang, format }).markdown;
          const ds = diagrams(md);
          // Per conversation: a sequence diagram and a hook map; per packet: a flowchart.
          const packets = trace.conversations.reduce((n, c) => n + c.packets.length, 0);
          expect(ds.length).toBe(trace.conversations.length * 2 + packets);
          for (const [i, d] of ds.entries()) {
            const svg = await browser.render(d, `t${i}`);
            expect(svg).toMatch(/^<svg[^>]* aria-roledescription="(flowchart-v2|sequence)"/);
          }
        }
      }, 300_000);
    }
  }

  it('labels lose the characters a Mermaid parser reads as syntax, and keep the rest', async () => {
    const label = mermaidText('a "q" [b] {c} (d) <e> f|g #h; `i` x-->y');
    expect(label).not.toMatch(/["[\]{}()<>|#;`]/);
    expect(label).not.toContain('-->');
    expect(label).toContain('q');
    const svg = await browser.render(
      `flowchart TD\n  a["${label}"] -->|"${label}"| b["ok"]`,
      'label',
    );
    expect(svg).toContain('>ok<');
    expect(svg).toContain('″q″');
    expect(svg).not.toContain('#quot;');
  });
});

describe('the hook map and br_netfilter', () => {
  const ruleset = fixtureRuleset();
  const withSysctl = (value: number): Scenario => {
    const s = fixtureScenario();
    return {
      ...s,
      host: {
        ...s.host,
        sysctl: { ...s.host.sysctl, 'net.bridge.bridge-nf-call-iptables': value },
      },
    };
  };

  it('draws bridge prerouting, forward and postrouting calling the ip hooks when it is on', () => {
    const scenario = withSysctl(1);
    const md = explainToText(scenario, ruleset, simulate(scenario, ruleset), {
      lang: 'en',
      format: 'md',
    }).markdown;
    const bridged = hookMaps(md).filter((m) => m.includes('subgraph L2'));
    expect(bridged.length).toBeGreaterThan(0);
    for (const map of bridged) {
      expect(map).toContain('bridge_prerouting <-.->|"br_netfilter"| ip_prerouting');
      expect(map).toContain('bridge_forward <-.->|"br_netfilter"| ip_forward');
      expect(map).toContain('bridge_postrouting <-.->|"br_netfilter"| ip_postrouting');
    }
  });

  it('draws no such call when bridge-nf-call-iptables is 0', () => {
    const scenario = withSysctl(0);
    const md = explainToText(scenario, ruleset, simulate(scenario, ruleset), {
      lang: 'en',
      format: 'md',
    }).markdown;
    const maps = hookMaps(md);
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) expect(map).not.toContain('br_netfilter');
  });
});
