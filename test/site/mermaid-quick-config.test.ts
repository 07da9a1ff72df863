/**
 * The build's renderer page loads mermaid with getConfig's copy made by a direct walk
 * (src/site/mermaid-quick-config.ts). It must find mermaid's getConfig in the installed bundle
 * (else it does nothing and drawing is a third slower), copy the configuration as mermaid's own
 * does, and so draw every diagram byte for byte as the unmodified bundle does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM, MermaidBrowser } from '../../src/site/mermaid-browser.ts';
import { MERMAID_CONFIG, MERMAID_DIST } from '../../src/site/mermaid-config.ts';
import { quickGetConfig } from '../../src/site/mermaid-quick-config.ts';
import { explainBoth, scenarioFiles } from '../../src/site/scenarios.ts';

const root = join(import.meta.dirname, '../..');

interface MermaidLike {
  initialize(config: unknown): void;
  mermaidAPI: { getConfig(): Record<string, unknown> };
}
const noChromium = existsSync(DEFAULT_CHROMIUM) ? undefined : `${DEFAULT_CHROMIUM} is missing`;
if (noChromium) console.warn(`quick getConfig drawing comparison skipped: ${noChromium}`);

describe('quick getConfig', () => {
  it("rewrites exactly one getConfig in the installed bundle's chunks, nothing else", () => {
    const dir = join(MERMAID_DIST, 'chunks', 'mermaid.esm.min');
    const changed = readdirSync(dir).filter((f) => {
      const code = readFileSync(join(dir, f), 'utf8');
      return quickGetConfig(code) !== code;
    });
    expect(changed).toHaveLength(1);
    const code = readFileSync(join(dir, changed[0] as string), 'utf8');
    const quick = quickGetConfig(code);
    expect(quick).toContain('(()=>__nfwConfigCopy(');
    // The copy's function first, then the chunk as it was but for getConfig's body (compared
    // as booleans: a failure would print megabytes).
    const expected = code.replace(
      /\(\(\)=>[\w$]+\(\{\},([\w$]+)\),"getConfig"\)/,
      '(()=>__nfwConfigCopy($1),"getConfig")',
    );
    expect(expected).not.toBe(code);
    expect(quick.startsWith('var __nfwConfigCopy = (function configCopy(')).toBe(true);
    expect(quick.endsWith(`);\n${expected}`)).toBe(true);
    expect(quickGetConfig('let a=1;')).toBe('let a=1;');
  });

  describe.skipIf(noChromium !== undefined)('in the renderer page', () => {
    let quick: MermaidBrowser;
    let plain: MermaidBrowser;
    beforeAll(async () => {
      [quick, plain] = await Promise.all([
        MermaidBrowser.launch(DEFAULT_CHROMIUM, 1),
        MermaidBrowser.launch(DEFAULT_CHROMIUM, 1, { quickConfig: false }),
      ]);
    }, 180_000);
    afterAll(async () => {
      await Promise.all([quick?.close(), plain?.close()]);
    });

    it("answers getConfig with mermaid's own copy: same keys, order, values, fresh each call", async () => {
      const ask = (b: MermaidBrowser) =>
        (b as unknown as { lanes: { page: Page }[] }).lanes[0]?.page.evaluate((config) => {
          const m = (window as unknown as { mermaid: MermaidLike }).mermaid;
          m.initialize(config);
          const a = m.mermaidAPI.getConfig();
          const b = m.mermaidAPI.getConfig();
          const fresh =
            a !== b && a.flowchart !== b.flowchart && a.themeVariables !== b.themeVariables;
          return { json: JSON.stringify(a), fresh, code: String(m.mermaidAPI.getConfig) };
        }, MERMAID_CONFIG);
      const [q, p] = await Promise.all([ask(quick), ask(plain)]);
      expect(q?.json.length).toBeGreaterThan(1000);
      expect(q?.json).toBe(p?.json);
      expect(q?.code).toContain('__nfwConfigCopy');
      expect(p?.code).not.toContain('__nfwConfigCopy');
      expect(q?.fresh).toBe(true);
      expect(p?.fresh).toBe(true);
    });

    it('draws the same bytes as mermaid unmodified, on every diagram of three gallery pages', async () => {
      const files = scenarioFiles(join(root, 'scenarios')).filter((f) =>
        /seed-docker|gallery-tcp-conntrack|gallery-bridge-brnf/.test(f),
      );
      expect(files.length).toBeGreaterThanOrEqual(2);
      const sources = [
        ...new Set(
          files.flatMap((f) => [
            ...explainBoth(root, f, 'en').diagrams,
            ...explainBoth(root, f, 'ja').diagrams,
          ]),
        ),
      ];
      expect(sources.length).toBeGreaterThan(40);
      const [a, b] = await Promise.all([
        Promise.all(sources.map((s, i) => quick.render(s, `q${i}`))),
        Promise.all(sources.map((s, i) => plain.render(s, `q${i}`))),
      ]);
      for (const [i, svg] of a.entries()) expect(svg, sources[i]).toBe(b[i]);
    }, 600_000);
  });
});
