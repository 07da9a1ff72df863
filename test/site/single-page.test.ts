/// <reference lib="dom" />
/**
 * A scenario page as one file (issue #16): the seed's single-file HTML, written by the site
 * build beside its page and by `nfwalk explain --format html`, refers to nothing outside
 * itself, opens from file:// with the network blocked, and shows the same text as the site's
 * page.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Element } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Page } from 'playwright-core';
import { visit } from 'unist-util-visit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BUILD_TIMEOUT, buildSite, OUT, REPO } from './support/build.ts';

const SEED = 'seed-docker-firewalld-radius';
const SINGLE = join(OUT, 'scenarios', SEED, `${SEED}.html`);
const tmp = mkdtempSync(join(tmpdir(), 'nfw-single-'));

/** Every URL-bearing attribute and stylesheet reference of a page that leaves the page. */
function outsideReferences(html: string): string[] {
  const found: string[] = [];
  visit(fromHtml(html), 'element', (node: Element) => {
    if (['script', 'link', 'iframe', 'object', 'embed', 'base'].includes(node.tagName)) {
      found.push(`<${node.tagName}>`);
    }
    for (const name of ['href', 'src', 'srcSet', 'xLinkHref', 'action', 'poster', 'data']) {
      const value = node.properties[name];
      if (value === undefined || value === null) continue;
      if (!String(value).startsWith('#')) found.push(`${node.tagName} ${name}=${String(value)}`);
    }
  });
  for (const m of html.matchAll(/url\(\s*['"]?([^'")]*)/g)) {
    if (!/^(#|data:)/.test(m[1] ?? '')) found.push(`url(${m[1]})`);
  }
  if (/@import/.test(html)) found.push('@import');
  return found;
}

/**
 * The text of a page's content, block by block (headings, paragraphs, items, listings, the
 * diagrams' labels). Quotes are compared as plain quotes: the site's Markdown processor makes
 * them typographic (’ “ ”), the single file keeps them as the explainer wrote them.
 */
async function blocks(page: Page, root: string): Promise<string[]> {
  const texts = await page.$$eval(
    `${root} :is(h2, h3, h4, p, li, td, .nfw-listing, .nfw-mermaid)`,
    (els) =>
      els
        .filter((el) => !el.closest('.nfw-downloads'))
        .map((el) => {
          const copy = el.cloneNode(true) as HTMLElement;
          for (const style of copy.querySelectorAll('style')) style.remove();
          return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
        }),
  );
  return texts.map((t) => t.replace(/[‘’]/g, "'").replace(/[“”]/g, '"'));
}

describe('the single-file page', () => {
  let html = '';
  beforeAll(() => {
    buildSite();
    html = readFileSync(SINGLE, 'utf8');
  }, BUILD_TIMEOUT);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refers to nothing outside itself and needs no script', () => {
    expect(html.length).toBeGreaterThan(10_000);
    expect(html).toContain('<svg');
    expect(html).toContain('class="nfw-listing"');
    expect(outsideReferences(html)).toEqual([]);
  });

  it('is what `nfwalk explain --format html` writes', () => {
    const out = join(tmp, 'seed.html');
    execFileSync(
      process.execPath,
      [
        join(REPO, 'bin/nfwalk.mjs'),
        'explain',
        join(REPO, 'scenarios', `${SEED}.yaml`),
        '--format',
        'html',
        '--lang',
        'en',
        '-o',
        out,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(readFileSync(out, 'utf8')).toBe(html);
  }, 120_000);

  it('has the Markdown version beside it', () => {
    const md = readFileSync(join(OUT, 'scenarios', SEED, `${SEED}.md`), 'utf8');
    expect(md).toMatch(/^## /m);
    expect(md).toContain('```mermaid');
  });

  it.skipIf(chromiumMissing !== undefined)(
    'opens from file:// with the network blocked, asking for nothing, and shows the site page’s text',
    async () => {
      const browser: LaunchedBrowser = await launchChromium();
      try {
        const self = pathToFileURL(SINGLE).href;
        const asked: string[] = [];
        browser.context.on('request', (r) => {
          if (r.url() !== self) asked.push(r.url());
        });
        await browser.context.setOffline(true);
        await browser.context.route('**/*', (route) =>
          route.request().url() === self ? route.continue() : route.abort(),
        );
        const page = await browser.context.newPage();
        await page.goto(self, { waitUntil: 'load' });
        const single = await blocks(page, 'main.nfw-page');
        const svgs = await page.locator('.nfw-mermaid > svg').count();
        expect(asked).toEqual([]);
        await browser.context.unroute('**/*');
        await browser.context.setOffline(false);

        const site = await browser.context.newPage();
        await site.goto(pathToFileURL(join(OUT, 'scenarios', SEED, 'index.html')).href);
        const onSite = await blocks(site, '.sl-markdown-content');
        expect(single.length).toBeGreaterThan(100);
        expect(single).toEqual(onSite);
        expect(svgs).toBeGreaterThan(2);
        expect(svgs).toBe(await site.locator('.nfw-mermaid > svg').count());
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('without a browser says so and shows the diagrams’ Mermaid source', () => {
    const out = join(tmp, 'nobrowser.html');
    const run = spawnSync(
      process.execPath,
      [join(REPO, 'bin/nfwalk.mjs'), 'explain', join(REPO, 'scenarios', `${SEED}.yaml`)].concat([
        '--format',
        'html',
        '-o',
        out,
      ]),
      {
        cwd: REPO,
        env: { ...process.env, NFWALK_CHROMIUM: 'none', NFWALK_MERMAID_CACHE: join(tmp, 'cache') },
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('diagrams are not drawn'));
    expect(warnings).toHaveLength(1);
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('<pre class="mermaid">');
    expect(page).not.toContain('<svg id="nfw-d');
    expect(outsideReferences(page)).toEqual([]);
  }, 120_000);
});
