/// <reference lib="dom" />
/**
 * The seed page on paper (issue #16), through Chromium's print-to-PDF, A4 and Letter: no
 * navigation chrome, every listing line whole within the page's width (wrapped, not cut),
 * every diagram within the width, folded details printed open, and the PDF's page count
 * (printed, for the record). The layout checks run in print emulation at the printable
 * width of the paper, which is the width the PDF is laid out at.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BUILD_TIMEOUT, buildSite, OUT, REPO } from './support/build.ts';

const SEED = 'seed-docker-firewalld-radius';
const MARGIN_MM = 15;
const PAPERS = [
  { format: 'A4', widthMm: 210 },
  { format: 'Letter', widthMm: 215.9 },
] as const;
const PAGES = [
  { name: 'site page', path: `scenarios/${SEED}/index.html` },
  { name: 'single-file page', path: `scenarios/${SEED}/${SEED}.html` },
] as const;

/** What overflows the printable width, and what should not be printed but is. */
async function printProblems(
  page: Page,
): Promise<{ cut: string[]; chrome: string[]; wide: number }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cut: string[] = [];
    for (const line of document.querySelectorAll('.nfw-listing .nfw-line')) {
      // The line is its gutter (in the left padding) and its code.
      const code = line;
      const range = document.createRange();
      range.selectNodeContents(code);
      const right = Math.max(...[...range.getClientRects()].map((r) => r.right), 0);
      if (right > width + 0.5 || code.scrollWidth > code.clientWidth + 1) {
        cut.push(code.textContent ?? '');
      }
    }
    const chrome = [
      'header.header',
      '#starlight__sidebar',
      '.right-sidebar-container',
      'site-search',
      '.pagination-links',
      '.nfw-downloads',
    ].filter((sel) => {
      const el = document.querySelector(sel);
      return el !== null && el.getBoundingClientRect().height > 0;
    });
    const wide = [...document.querySelectorAll('.nfw-mermaid > svg')].filter(
      (svg) => svg.getBoundingClientRect().right > width + 0.5,
    ).length;
    return { cut, chrome, wide };
  });
}

describe.skipIf(chromiumMissing !== undefined)('the seed page printed', () => {
  let browser: LaunchedBrowser;
  const counts: string[] = [];

  beforeAll(async () => {
    buildSite();
    browser = await launchChromium();
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    if (counts.length) {
      writeFileSync(join(REPO, 'test-results', 'print-pages.txt'), `${counts.join('\n')}\n`);
      console.info(`print-to-PDF page counts:\n${counts.join('\n')}`);
    }
  });

  for (const { name, path } of PAGES) {
    for (const { format, widthMm } of PAPERS) {
      it(`${name} on ${format}: lines whole, diagrams within the width, no chrome`, async () => {
        const page = await browser.context.newPage();
        const printable = Math.floor(((widthMm - 2 * MARGIN_MM) / 25.4) * 96);
        await page.setViewportSize({ width: printable, height: 1000 });
        await page.goto(pathToFileURL(join(OUT, path)).href, { waitUntil: 'load' });
        await page.emulateMedia({ media: 'print', colorScheme: 'light' });

        const problems = await printProblems(page);
        expect(await page.locator('.nfw-listing .nfw-line').count()).toBeGreaterThan(100);
        expect(problems.cut).toEqual([]);
        expect(problems.chrome).toEqual([]);
        expect(problems.wide).toBe(0);

        // A folded details element prints open.
        const folded = await page.evaluate(() => {
          const details = document.createElement('details');
          details.innerHTML = '<summary>more</summary><p id="nfw-folded">folded text</p>';
          document.querySelector('main')?.append(details);
          return document.getElementById('nfw-folded')?.getBoundingClientRect().height ?? 0;
        });
        expect(folded).toBeGreaterThan(0);

        const pdf = await page.pdf({
          format,
          margin: {
            top: `${MARGIN_MM}mm`,
            bottom: `${MARGIN_MM}mm`,
            left: `${MARGIN_MM}mm`,
            right: `${MARGIN_MM}mm`,
          },
          printBackground: true,
        });
        const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
        expect(pages).toBeGreaterThan(1);
        counts.push(`${name}, ${format}: ${pages} pages`);
        writeFileSync(
          join(REPO, 'test-results', `${SEED}-${format}-${name.split(' ')[0]}.pdf`),
          pdf,
        );
        await page.close();
      }, 180_000);
    }
  }
});
