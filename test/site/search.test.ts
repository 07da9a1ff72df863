/**
 * Search on the built site, served over HTTP as a reader would open it, in chromium: a search
 * for a concept the guide explains finds the guide's page first (scenario pages, long and full
 * of the same words, come after it), and no result's excerpt quotes a ruleset listing.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing } from './support/browser.ts';
import { BASE } from './support/build.ts';
import { useServedSite } from './support/served-site.ts';

/** A concept, and the guide page that explains it, per language. */
const QUERIES = [
  { prefix: '', query: 'conntrack', guide: 'guide/conntrack-and-nat/' },
  { prefix: '', query: 'hook', guide: 'guide/hooks-and-priorities/' },
  { prefix: '', query: 'priority', guide: 'guide/hooks-and-priorities/' },
  { prefix: '', query: 'br_netfilter', guide: 'guide/bridges/' },
  { prefix: 'ja/', query: 'conntrack', guide: 'ja/guide/conntrack-and-nat/' },
  { prefix: 'ja/', query: 'br_netfilter', guide: 'ja/guide/bridges/' },
] as const;

/** What a listing line looks like: a quoted ruleset is no excerpt. */
const LISTING = /counter packets \d|\bchain [\w-]+ \{|type (filter|nat) hook|^-A [A-Z]/;

interface Result {
  path: string;
  excerpt: string;
}

async function search(page: Page, origin: string, query: string): Promise<Result[]> {
  // The button opens the dialog once Starlight's <site-search> element is defined.
  await page.waitForFunction(() => customElements.get('site-search') !== undefined, undefined, {
    timeout: 30_000,
  });
  await page.locator('site-search button[data-open-modal]').first().click();
  await page.locator('dialog input').fill(query);
  const results = page.locator('dialog .pagefind-ui__result');
  await results.first().waitFor({ timeout: 20_000 });
  // Pagefind loads the excerpts of the first results after the list: wait until they settle.
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('dialog .pagefind-ui__result')]
        .slice(0, 5)
        .every(
          (r) =>
            r.querySelector('a[href]') !== null &&
            (r.querySelector('.pagefind-ui__result-excerpt')?.textContent ?? '') !== '',
        ),
    undefined,
    { timeout: 20_000 },
  );
  const found = await results.evaluateAll((els) =>
    els.slice(0, 5).map((e) => ({
      href: (e.querySelector('a') as HTMLAnchorElement | null)?.href ?? '',
      excerpt: e.querySelector('.pagefind-ui__result-excerpt')?.textContent ?? '',
    })),
  );
  return found.map((r) => ({ path: new URL(r.href, origin).pathname, excerpt: r.excerpt }));
}

if (chromiumMissing) console.warn(`search browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('search on the built site', () => {
  const site = useServedSite();

  for (const { prefix, query, guide } of QUERIES) {
    it(`"${query}" on the ${prefix || 'en/'} pages finds ${guide} first, with no listing as an excerpt`, async () => {
      const page = await site.browser.context.newPage();
      await page.goto(`${site.server.url}${prefix}`, { waitUntil: 'load' });
      const results = await search(page, site.server.origin, query);
      console.log(
        `search "${query}" (${prefix || 'en/'}): ${results
          .slice(0, 4)
          .map((r) => r.path.slice(BASE.length))
          .join(', ')}`,
      );
      expect(results.length).toBeGreaterThan(1);
      expect(results[0]?.path).toBe(`${BASE}${guide}`);
      for (const r of results.slice(0, 5)) expect(r.excerpt, r.path).not.toMatch(LISTING);
      await page.close();
    }, 60_000);
  }
});
