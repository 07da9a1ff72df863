/**
 * The sidebar of the built site, in chromium: on an English and on a Japanese page it links to
 * every guide page and every scenario page of that language (the files in content/docs and
 * scenarios/ say which there are), and its links lead to those pages. The 404 page has the same
 * sidebar, so an address with no page still leads somewhere.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { scenarioFiles, scenarioSlug } from '../../src/site/scenarios.ts';
import { chromiumMissing } from './support/browser.ts';
import { BASE, REPO } from './support/build.ts';
import { useServedSite } from './support/served-site.ts';

const LANGS = [
  { lang: 'en', prefix: '', content: join(REPO, 'content/docs'), from: 'guide/cli/' },
  { lang: 'ja', prefix: 'ja/', content: join(REPO, 'content/docs/ja'), from: 'scenarios/' },
] as const;

/**
 * The addresses (under BASE) of a language's guide pages and scenario pages. Pages link to a
 * folder's index.html (they read from a folder too); the 404 page, shown at any depth, to the
 * folder.
 */
function expectedPages(
  prefix: string,
  content: string,
  index = 'index.html',
): { guide: string[]; scenarios: string[] } {
  const guide = readdirSync(join(content, 'guide'))
    .filter((name) => /\.mdx?$/.test(name))
    .map((name) => `${BASE}${prefix}guide/${name.replace(/\.mdx?$/, '')}/${index}`);
  const scenarios = [
    `${BASE}${prefix}scenarios/${index}`,
    ...scenarioFiles(join(REPO, 'scenarios')).map(
      (f) => `${BASE}${prefix}scenarios/${scenarioSlug(f)}/${index}`,
    ),
  ];
  return { guide, scenarios };
}

/** The sidebar's groups: label → the links' paths and texts. */
async function sidebarGroups(page: Page): Promise<Map<string, { href: string; text: string }[]>> {
  const groups = await page.$$eval('#starlight__sidebar ul.top-level > li > details', (ds) =>
    ds.map((d) => ({
      label: d.querySelector('summary')?.textContent?.trim() ?? '',
      links: [...d.querySelectorAll('a[href]')].map((a) => ({
        href: new URL((a as HTMLAnchorElement).href).pathname,
        text: a.textContent?.trim() ?? '',
      })),
    })),
  );
  return new Map(groups.map((g) => [g.label, g.links]));
}

if (chromiumMissing) console.warn(`sidebar browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('the sidebar of the built site', () => {
  const site = useServedSite();

  for (const { lang, prefix, content, from } of LANGS) {
    it(`lists every guide page and every scenario in ${lang}, and its links lead there`, async () => {
      const page = await site.browser.context.newPage();
      const response = await page.goto(`${site.server.url}${prefix}${from}`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);

      const groups = await sidebarGroups(page);
      const guideLabel = lang === 'ja' ? 'ガイド' : 'Guide';
      const scenariosLabel = lang === 'ja' ? 'シナリオ' : 'Scenarios';
      expect([...groups.keys()]).toEqual([guideLabel, scenariosLabel]);
      const expected = expectedPages(prefix, content);
      const guide = groups.get(guideLabel) ?? [];
      const scenarios = groups.get(scenariosLabel) ?? [];
      expect(guide.map((l) => l.href).sort()).toEqual(expected.guide.sort());
      expect(scenarios.map((l) => l.href).sort()).toEqual(expected.scenarios.sort());

      // One link of each group, followed: it opens the page it names.
      for (const link of [guide[1], scenarios[2]]) {
        if (!link) throw new Error('a group has too few links');
        // Hrefs are relative to the page shown: find the link to follow on this one.
        const attr = await page.$$eval(
          '#starlight__sidebar a[href]',
          (as, want) =>
            as
              .find((a) => new URL((a as HTMLAnchorElement).href).pathname === want)
              ?.getAttribute('href'),
          link.href,
        );
        const [navigation] = await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.click(`#starlight__sidebar a[href="${attr}"]`),
        ]);
        expect(navigation?.status(), link.href).toBe(200);
        expect(new URL(page.url()).pathname).toBe(link.href);
        expect((await page.textContent('h1'))?.trim()).toBe(link.text);
        // The page's own link is marked current (its href is relative to this page now).
        const current = await page.$eval(
          '#starlight__sidebar a[aria-current="page"]',
          (a) => new URL((a as HTMLAnchorElement).href).pathname,
        );
        expect(current).toBe(link.href);
      }
      await page.close();
    });
  }

  it('the 404 page has the sidebar too', async () => {
    const page = await site.browser.context.newPage();
    await page.goto(`${site.server.url}404.html`, { waitUntil: 'load' });
    const groups = await sidebarGroups(page);
    const expected = expectedPages('', LANGS[0].content, '');
    expect((groups.get('Guide') ?? []).map((l) => l.href).sort()).toEqual(expected.guide.sort());
    expect((groups.get('Scenarios') ?? []).length).toBe(expected.scenarios.length);
    await page.close();
  });
});
