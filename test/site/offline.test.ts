/// <reference lib="dom" />
/**
 * The built site read from a folder (issue #16): pages opened with `file://`, no server. Every
 * page must be styled, show its diagrams and highlighted listings, and its links, language
 * switch and table of contents must work; the only thing allowed to fail is the search, which
 * says in one line that it needs a server. The build is the one the other browser tests use
 * (under a sub-path base, so a URL that ignores the rewrite breaks here).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BUILD_TIMEOUT, buildSite, OUT } from './support/build.ts';

const SEED = 'seed-docker-firewalld-radius';
const PAGES = [
  { path: `scenarios/${SEED}/index.html`, lang: 'en', other: `ja/scenarios/${SEED}/index.html` },
  { path: `ja/scenarios/${SEED}/index.html`, lang: 'ja', other: `scenarios/${SEED}/index.html` },
  {
    path: 'guide/reading-a-page/index.html',
    lang: 'en',
    other: 'ja/guide/reading-a-page/index.html',
  },
] as const;

const fileUrl = (path: string) => pathToFileURL(join(OUT, path)).href;

describe.skipIf(chromiumMissing !== undefined)('the built site from a folder (file://)', () => {
  let browser: LaunchedBrowser;
  const failed: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    buildSite();
    browser = await launchChromium();
    browser.context.on('requestfailed', (r) =>
      failed.push(`${r.failure()?.errorText} ${r.resourceType()} ${r.url().slice(0, 200)}`),
    );
    browser.context.on('request', (r) => {
      // blob: is the playground's worker (src/site/playground/file-entry.ts).
      if (!/^(file|data|blob):/.test(r.url())) failed.push(`not a file: ${r.url()}`);
    });
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${path}: console: ${m.text()}`);
    });
    await page.goto(fileUrl(path), { waitUntil: 'load' });
    return page;
  }

  for (const { path, lang, other } of PAGES) {
    describe(path, () => {
      it('is styled, with its diagrams and highlighted listings', async () => {
        const page = await open(path);
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        const look = await page.evaluate(() => {
          const header = document.querySelector('header.header');
          const listing = document.querySelector('.nfw-listing');
          const token = document.querySelector('.nfw-listing .nfw-line span.k');
          return {
            sheets: [...document.styleSheets].filter((s) => s.href).length,
            header: header ? getComputedStyle(header).position : '',
            sidebarWidth: document.querySelector('.sidebar-pane')?.getBoundingClientRect().width,
            listingBorder: listing ? getComputedStyle(listing).borderTopStyle : 'none',
            tokenColour: token ? getComputedStyle(token).color : '',
            plainColour: token?.parentElement ? getComputedStyle(token.parentElement).color : '',
            figures: document.querySelectorAll('.nfw-mermaid').length,
            svgs: document.querySelectorAll('.nfw-mermaid > svg').length,
          };
        });
        expect(look.sheets).toBeGreaterThan(0);
        // Starlight's stylesheet: a fixed header and a sidebar beside the content.
        expect(look.header).toBe('fixed');
        expect(look.sidebarWidth).toBeGreaterThan(100);
        expect(look.svgs).toBe(look.figures);
        if (path.startsWith('guide/')) expect(look.figures).toBeGreaterThan(0);
        else {
          expect(look.listingBorder).toBe('solid'); // nfwalk.css
          expect(look.tokenColour).not.toBe(look.plainColour); // highlighted
          expect(look.figures).toBeGreaterThan(2);
        }
        await page.close();
      });

      it('follows a link, the language switch and the table of contents', async () => {
        const page = await open(path);
        const toc = page.locator('starlight-toc a[href^="#"]').nth(1);
        const hash = await toc.getAttribute('href');
        await toc.click();
        expect(decodeURIComponent(new URL(page.url()).hash)).toBe(hash);
        expect(await page.locator(`[id="${hash?.slice(1)}"]`).count()).toBe(1);

        await page.selectOption('starlight-lang-select select', {
          label: lang === 'en' ? '日本語' : 'English',
        });
        await page.waitForURL(fileUrl(other));
        expect(await page.getAttribute('html', 'lang')).toBe(lang === 'en' ? 'ja' : 'en');

        const next = page.locator('.sidebar-content a[href$="/index.html"]').first();
        const target = new URL((await next.getAttribute('href')) ?? '', page.url()).href;
        expect(target.startsWith(pathToFileURL(OUT).href)).toBe(true);
        await next.click();
        await page.waitForURL(target);
        expect((await page.textContent('h1'))?.trim().length).toBeGreaterThan(2);
        await page.close();
      });
    });
  }

  it('says in one line that search needs a server', async () => {
    const page = await open(PAGES[0].path);
    const note = page.locator('site-search .nfw-offline-search');
    await expect.poll(() => note.count()).toBe(1);
    expect(await note.textContent()).toMatch(/Search needs the site served over HTTP/);
    const lines = await note.evaluate((el) => el.getClientRects().length);
    expect(lines).toBe(1);
    await page.close();
  });

  it('runs the playground: the seed explained, another scenario picked, a diagram drawn', async () => {
    const page = await open('playground/index.html');
    const region = page.locator('[data-pg="explanation"]');
    const status = page.locator('[data-pg="status"]');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Explained in/);
    expect(await region.getAttribute('aria-busy')).toBe('false');
    expect(await region.textContent()).toContain('udp dport 1812');
    const figure = region.locator('figure.nfw-mermaid').first();
    await figure.scrollIntoViewIfNeeded();
    await region.locator('figure.nfw-mermaid-drawn svg').first().waitFor({ timeout: 60_000 });

    const picker = page.locator('[data-pg="picker"]');
    const other = await picker.locator('option[value="router-forward.yaml"]').count();
    expect(other).toBe(1);
    await picker.selectOption('router-forward.yaml');
    await expect
      .poll(() => region.textContent(), { timeout: 60_000 })
      .toContain('oifname "wan0" masquerade');
    expect(await region.textContent()).not.toContain('udp dport 1812');
    await page.close();
  }, 120_000);

  it('made no failed request and no script error', () => {
    expect(failed.filter((f) => !/\/pagefind\//.test(f))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
