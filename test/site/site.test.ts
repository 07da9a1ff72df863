/// <reference lib="dom" />
/**
 * The built site in a real browser (Debian chromium through playwright-core): the seed
 * scenario's page in both languages, diagrams, search, numbered arrows, light and dark themes,
 * and not a single request to any host but the local static server.
 *
 * The site is built once (or reused when newer than every input) under a base path, into
 * test-results/site-dist/, and served by a tiny node server on 127.0.0.1.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BASE, BUILD_TIMEOUT, buildSite, OUT, REPO } from './support/build.ts';
import { type StaticServer, serveStatic } from './support/static-server.ts';

const SEED = 'seed-docker-firewalld-radius';
const SHOTS = join(REPO, 'test-results', 'site');
const LANGS = [
  { lang: 'en', prefix: '' },
  { lang: 'ja', prefix: 'ja/' },
] as const;
const GUIDE = [
  'reading-a-page',
  'hooks-and-priorities',
  'conntrack-and-nat',
  'bridges',
  'writing-a-scenario',
  'cli',
];

if (chromiumMissing) console.warn(`site browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('the built site in chromium', () => {
  let server: StaticServer;
  let browser: LaunchedBrowser;
  /** Every URL the browser asked for, from every page of this file. */
  const requested: string[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    const seconds = buildSite();
    if (seconds > 0) console.info(`site built in ${seconds.toFixed(1)} s`);
    server = await serveStatic(OUT, BASE);
    browser = await launchChromium();
    browser.context.on('request', (r) => requested.push(r.url()));
    browser.context.on('response', (r) => {
      if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
    });
    mkdirSync(SHOTS, { recursive: true });
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string, scheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.emulateMedia({ colorScheme: scheme });
    const response = await page.goto(server.url + path, { waitUntil: 'load' });
    expect(response?.status(), path).toBe(200);
    expect(errors, `script errors on ${path}`).toEqual([]);
    return page;
  }

  for (const { lang, prefix } of LANGS) {
    describe(`seed scenario page (${lang})`, () => {
      const path = `${prefix}scenarios/${SEED}/`;

      it('has its title, a language switch, and ruleset listings with linked arrows', async () => {
        const page = await open(path);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        expect((await page.textContent('h1'))?.trim().length).toBeGreaterThan(5);
        // The choices are relative to the page (readable from a folder too): resolved here.
        const options = await page.$$eval('starlight-lang-select select option', (os) =>
          os.map((o) => new URL((o as HTMLOptionElement).value, location.href).pathname),
        );
        expect(options).toContain(`${BASE}ja/scenarios/${SEED}/index.html`);
        expect(options).toContain(`${BASE}scenarios/${SEED}/index.html`);
        expect(await page.locator('.nfw-listing').count()).toBeGreaterThan(2);
        expect(await page.locator('.nfw-listing').first().textContent()).toMatch(
          /table (ip|inet|bridge)/,
        );
        await page.close();
      });

      it('renders every diagram as an SVG with its labels, scrolling rather than overflowing the column', async () => {
        const page = await open(path);
        const diagrams = await page.$$eval('.nfw-mermaid', (figs) =>
          figs.map((f) => {
            const svg = f.querySelector('svg');
            const labels = [...(svg?.querySelectorAll('text') ?? [])].map(
              (t) => t.textContent?.trim() ?? '',
            );
            const box = svg?.getBoundingClientRect();
            const content = f.closest('.sl-markdown-content')?.getBoundingClientRect();
            return {
              svg: !!svg,
              labels,
              width: box?.width ?? 0,
              figure: f.getBoundingClientRect().width,
              scrolls: getComputedStyle(f).overflowX === 'auto',
              max: content?.width ?? 0,
            };
          }),
        );
        expect(diagrams.length).toBeGreaterThan(0);
        for (const d of diagrams) {
          expect(d.svg).toBe(true);
          expect(d.labels.filter((l) => l.length > 0).length).toBeGreaterThan(1);
          expect(d.width).toBeGreaterThan(50);
          expect(d.figure).toBeLessThanOrEqual(d.max + 1);
          if (d.width > d.figure + 1) expect(d.scrolls).toBe(true);
        }
        await page.close();
      });

      it('jumps from a numbered arrow to its explanation', async () => {
        const page = await open(path);
        const link = page.locator('.nfw-listing .nfw-gutter a').nth(1);
        const href = await link.getAttribute('href');
        expect(href).toMatch(/^#[A-Za-z][\w-]*-\d+$/);
        await link.click();
        expect(new URL(page.url()).hash).toBe(href);
        const target = page.locator(`[id="${href?.slice(1)}"]`);
        await expect.poll(() => target.count()).toBe(1);
        expect(await target.evaluate((el) => el.matches(':target'))).toBe(true);
        expect(await target.isVisible()).toBe(true);
        const inView = await target.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return r.top >= 0 && r.top < window.innerHeight;
        });
        expect(inView).toBe(true);
        expect((await target.textContent())?.trim().length).toBeGreaterThan(3);
        await page.close();
      });

      for (const scheme of ['light', 'dark'] as const) {
        it(`is readable in the ${scheme} theme (screenshot saved)`, async () => {
          const page = await open(path, scheme);
          expect(await page.getAttribute('html', 'data-theme')).toBe(scheme);
          // Diagram text and listing text must stand out from the page background.
          const contrast = await page.evaluate(() => {
            const rgb = (c: string) => {
              const probe = document.createElement('canvas').getContext('2d');
              if (!probe) return [0, 0, 0];
              probe.fillStyle = c;
              probe.fillRect(0, 0, 1, 1);
              return [...probe.getImageData(0, 0, 1, 1).data].slice(0, 3);
            };
            const lum = (c: number[]) => {
              const [r, g, b] = c.map((v) => {
                const s = v / 255;
                return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
              });
              return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
            };
            const ratio = (a: string, b: string) => {
              const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
              return ((x ?? 0) + 0.05) / ((y ?? 0) + 0.05);
            };
            const bg = getComputedStyle(document.body).backgroundColor;
            // A node label's innermost tspan: the colour its text is painted in.
            const text = document.querySelector('.nfw-mermaid svg g.node text tspan tspan');
            const code = document.querySelector('.nfw-listing .nfw-line span.k');
            return {
              diagram: text ? ratio(getComputedStyle(text).fill, bg) : 0,
              listing: code
                ? ratio(
                    getComputedStyle(code).color,
                    getComputedStyle(code.closest('.nfw-listing') as Element).backgroundColor,
                  )
                : 0,
            };
          });
          expect(contrast.diagram).toBeGreaterThan(4.5);
          expect(contrast.listing).toBeGreaterThan(3);
          await page.screenshot({
            path: join(SHOTS, `${SEED}-${lang}-${scheme}.png`),
            fullPage: true,
          });
          await page.close();
        });
      }
    });
  }

  it('finds a chain name with the offline search', async () => {
    const page = await open(`scenarios/${SEED}/`);
    await page.click('site-search button[data-open-modal]');
    const input = page.locator('#starlight__search input.pagefind-ui__search-input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('DOCKER-ISOLATION-STAGE-1');
    const result = page.locator('#starlight__search .pagefind-ui__result-link').first();
    await result.waitFor({ timeout: 15_000 });
    const hrefs = await page.$$eval('#starlight__search .pagefind-ui__result-link', (as) =>
      as.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? ''),
    );
    expect(hrefs.some((h) => h.includes(`${BASE}scenarios/${SEED}/`))).toBe(true);
    await page.close();
  });

  it('lists the seed scenario in the index with the verdict of each conversation', async () => {
    for (const { prefix } of LANGS) {
      const page = await open(`${prefix}scenarios/`);
      const link = `a[href$="${SEED}/index.html"]`;
      const row = page.locator('table tr', { has: page.locator(link) });
      expect(await row.count()).toBe(1);
      const cells = await row.locator('td').allTextContents();
      expect(cells[2]).toMatch(/^#1(–\d+)? \S/);
      await page.locator(link).first().click();
      await page.waitForURL(`${server.url}${prefix}scenarios/${SEED}/index.html`);
      await page.close();
    }
  });

  for (const { lang, prefix } of LANGS) {
    it(`serves every guide page in ${lang}, with its diagrams`, async () => {
      for (const name of GUIDE) {
        const page = await open(`${prefix}guide/${name}/`);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        const figures = await page.locator('.nfw-mermaid').count();
        const svgs = await page.locator('.nfw-mermaid > svg').count();
        expect(svgs).toBe(figures);
        await page.close();
      }
    });
  }

  it('made no request to any host but the local server, and none failed', () => {
    expect(requested.length).toBeGreaterThan(20);
    const elsewhere = requested.filter(
      (u) => !u.startsWith(`${server.origin}/`) && !u.startsWith('data:'),
    );
    expect(elsewhere).toEqual([]);
    const outsideBase = requested.filter(
      (u) => u.startsWith(server.origin) && !u.startsWith(server.url),
    );
    expect(outsideBase).toEqual([]);
    expect(failures).toEqual([]);
  });
});
