/// <reference lib="dom" />
/**
 * A machine without a browser still builds the site: the build warns once, pages carry the
 * Mermaid source, and the `mermaid` bundle served by the site itself draws it in the reader's
 * browser. Built from the hand-written pages and one scenario (whose diagrams the content loader
 * also offers for drawing ahead: still one warning), with an empty diagram cache and
 * NFWALK_CHROMIUM=none.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BASE, buildEnv, REPO } from './support/build.ts';
import { type StaticServer, serveStatic } from './support/static-server.ts';

const PAGE = 'guide/bridges/';

describe('the site built without a browser', () => {
  const scenarios = mkdtempSync(join(tmpdir(), 'nfw-fallback-scenarios-'));
  const cache = mkdtempSync(join(tmpdir(), 'nfw-fallback-cache-'));
  const out = mkdtempSync(join(tmpdir(), 'nfw-fallback-out-'));
  let output = '';

  beforeAll(() => {
    for (const file of ['gallery-ufw-host.yaml', 'gallery-ufw-host.rules']) {
      copyFileSync(join(REPO, 'scenarios', file), join(scenarios, file));
    }
    const built = spawnSync(
      process.execPath,
      [join(REPO, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', out],
      {
        cwd: REPO,
        env: {
          ...buildEnv(),
          NFWALK_SCENARIOS: scenarios,
          NFWALK_MERMAID_CACHE: cache,
          NFWALK_CHROMIUM: 'none',
        },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    output = `${built.stdout}\n${built.stderr}`;
    if (built.status !== 0) throw new Error(`the build failed:\n${output.slice(-6000)}`);
  }, 600_000);
  afterAll(() => {
    for (const dir of [scenarios, cache, out]) rmSync(dir, { recursive: true, force: true });
  });

  it('succeeds, warns once, and ships the bundle with the site', () => {
    expect(existsSync(join(out, PAGE, 'index.html'))).toBe(true);
    const html = readFileSync(join(out, PAGE, 'index.html'), 'utf8');
    expect(html).toContain('<pre class="mermaid">');
    expect(html).not.toContain('<svg id="nfw-d');
    // Relative to the page (guide/bridges/), so it loads from a folder too.
    expect(html).toContain('<script src="../../_nfwalk/mermaid.min.js" defer');
    expect(existsSync(join(out, '_nfwalk', 'mermaid.min.js'))).toBe(true);
    expect(existsSync(join(out, '_nfwalk', 'mermaid-client.js'))).toBe(true);
    expect(readdirSync(cache)).toEqual([]);
    const scenario = readFileSync(join(out, 'scenarios/gallery-ufw-host/index.html'), 'utf8');
    expect(scenario).toContain('<pre class="mermaid">');
    expect(scenario).not.toContain('<svg id="nfw-d');
  });

  describe.skipIf(chromiumMissing !== undefined)('in the reader’s browser', () => {
    it('draws every diagram from its source, asking no other host', async () => {
      const server: StaticServer = await serveStatic(out, BASE);
      const browser: LaunchedBrowser = await launchChromium();
      try {
        const requested: string[] = [];
        browser.context.on('request', (r) => requested.push(r.url()));
        const page = await browser.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(server.url + PAGE, { waitUntil: 'load' });
        const figures = await page.locator('figure.nfw-mermaid').count();
        expect(figures).toBeGreaterThan(0);
        await expect
          .poll(
            () => page.locator('figure.nfw-mermaid-drawn > svg[aria-roledescription]').count(),
            {
              timeout: 60_000,
            },
          )
          .toBe(figures);
        expect(errors).toEqual([]);
        expect(requested.filter((u) => !u.startsWith(`${server.origin}/`))).toEqual([]);
        await page.close();
      } finally {
        await browser.close();
        await server.close();
      }
    }, 180_000);
  });

  it('said so once, naming what to install', () => {
    const warnings = output
      .split('\n')
      .filter((l) => l.includes('diagrams are not drawn at build time'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/apt-get install chromium.*NFWALK_CHROMIUM/);
    // Nor in other words: from the content loader, a worker, or the single-file pages.
    expect(output.split('\n').filter((l) => /warn/i.test(l) && /diagram/i.test(l))).toEqual(
      warnings,
    );
  });
});
