/**
 * The one headless Chromium that draws the site's diagrams with the official `mermaid` package.
 *
 * - Started on the first diagram that is not in the cache, shared by every page of the build,
 *   closed by `closeMermaidBrowser()` (the Astro integration calls it when the build is done)
 *   or when the process exits.
 * - The browser is the system's: `NFWALK_CHROMIUM=/path/to/chromium`, by default Debian's
 *   /usr/bin/chromium. `NFWALK_CHROMIUM=none` draws no diagram at build time (see mermaid.ts).
 * - The page and the mermaid bundle are served by request interception from node_modules under
 *   a made-up origin; every other request is refused, so the browser asks no host for anything.
 * - Each renderer page draws one diagram at a time (mermaid keeps global state while it
 *   draws); two pages draw side by side.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MERMAID_CONFIG, MERMAID_DIST, MERMAID_THEMES } from './mermaid-config.ts';
import { renderInPage } from './mermaid-page.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const ORIGIN = 'http://nfwalk-mermaid.invalid';
const HOST_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><script type="module">' +
  'import mermaid from "/mermaid.esm.min.mjs"; window.mermaid = mermaid;' +
  '</script></head><body></body></html>';

/** The browser to use, or why there is none. */
export function chromiumPath(
  env: NodeJS.ProcessEnv = process.env,
): { path: string } | { missing: string } {
  const wanted = env.NFWALK_CHROMIUM;
  if (wanted === 'none') return { missing: 'NFWALK_CHROMIUM=none' };
  const path = wanted || DEFAULT_CHROMIUM;
  return existsSync(path)
    ? { path }
    : { missing: `${path} not found${wanted ? ' (NFWALK_CHROMIUM)' : ''}` };
}

export class MermaidBrowser {
  private readonly browser: Browser;
  /** Renderer pages, each with the diagrams waiting for it. */
  private readonly lanes: { page: Page; queue: Promise<unknown>; waiting: number }[];

  private constructor(browser: Browser, pages: Page[]) {
    this.browser = browser;
    this.lanes = pages.map((page) => ({ page, queue: Promise.resolve(), waiting: 0 }));
  }

  /**
   * `pages` renderer pages draw in parallel (each in its own renderer process); a diagram's
   * SVG does not depend on which page drew it.
   */
  static async launch(executablePath: string, pages = 2): Promise<MermaidBrowser> {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const opened = await Promise.all(
        Array.from({ length: Math.max(1, pages) }, () => rendererPage(browser)),
      );
      return new MermaidBrowser(browser, opened);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Draw one diagram (both themes in one SVG whose ids all start with `id`). */
  render(source: string, id: string): Promise<string> {
    const lane = this.lanes.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    lane.waiting += 1;
    const run = lane.queue
      .then(() =>
        lane.page.evaluate(renderInPage, {
          source,
          id,
          config: MERMAID_CONFIG,
          themes: MERMAID_THEMES,
        }),
      )
      .finally(() => {
        lane.waiting -= 1;
      });
    lane.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** A page with the mermaid bundle loaded, asking no host but the bundle's made-up one. */
async function rendererPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
    if (url.pathname === '/') {
      return route.fulfill({ contentType: 'text/html; charset=utf-8', body: HOST_PAGE });
    }
    const file = normalize(join(MERMAID_DIST, decodeURIComponent(url.pathname)));
    if (!file.startsWith(MERMAID_DIST + sep) || !existsSync(file)) {
      return route.fulfill({ status: 404, body: '' });
    }
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => 'mermaid' in window, undefined, { timeout: 120_000 });
  return page;
}

let shared: Promise<MermaidBrowser> | undefined;

/** The build's browser, started on first use. Rejects when it cannot be started. */
export function mermaidBrowser(executablePath: string): Promise<MermaidBrowser> {
  if (!shared) {
    shared = MermaidBrowser.launch(executablePath);
    process.once('beforeExit', () => void closeMermaidBrowser());
  }
  return shared;
}

/** Close the build's browser if one was started (the next diagram starts another). */
export async function closeMermaidBrowser(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (!running) return;
  const browser = await running.catch(() => undefined);
  await browser?.close();
}
