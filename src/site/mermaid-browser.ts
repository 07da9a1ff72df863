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
 *   draws); two pages draw side by side. A page is handed the diagrams waiting for it in
 *   batches, so it does not sit idle between two diagrams while Node.js, busy with other work
 *   (the explainer, Vite), gets round to sending the next.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MERMAID_CONFIG, MERMAID_DIST, MERMAID_THEMES } from './mermaid-config.ts';
import { type PageRequest, renderInPage } from './mermaid-page.ts';
import { quickGetConfig } from './mermaid-quick-config.ts';
import { PRECISION, stadiumsAsRects } from './mermaid-stadium.ts';
import { processWide } from './process-wide.ts';

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

/** A diagram waiting for a renderer page. */
interface Job {
  source: string;
  id: string;
  resolve(svg: string): void;
  reject(error: Error): void;
}

/** At most this many diagrams go to a page at once: enough to keep it busy, few enough to share. */
const MAX_BATCH = 8;

export class MermaidBrowser {
  private readonly browser: Browser;
  private readonly lanes: { page: Page; busy: boolean }[];
  private readonly waiting: Job[] = [];

  private constructor(browser: Browser, pages: Page[]) {
    this.browser = browser;
    this.lanes = pages.map((page) => ({ page, busy: false }));
  }

  /**
   * `pages` renderer pages draw in parallel (each in its own renderer process); a diagram's
   * SVG does not depend on which page drew it, nor with which others.
   */
  static async launch(
    executablePath: string,
    pages = 2,
    options: { quickConfig?: boolean } = {},
  ): Promise<MermaidBrowser> {
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
        Array.from({ length: Math.max(1, pages) }, () =>
          rendererPage(browser, options.quickConfig ?? true),
        ),
      );
      return new MermaidBrowser(browser, opened);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Draw one diagram (both themes in one SVG whose ids all start with `id`). */
  render(source: string, id: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ source, id, resolve, reject });
      this.dispatch();
    });
  }

  /** Hands the waiting diagrams to the idle pages, shared out evenly. */
  private dispatch(): void {
    for (const lane of this.lanes) {
      if (lane.busy || this.waiting.length === 0) continue;
      const idle = this.lanes.filter((l) => !l.busy).length;
      const batch = this.waiting.splice(
        0,
        Math.min(MAX_BATCH, Math.ceil(this.waiting.length / idle)),
      );
      lane.busy = true;
      lane.page
        .evaluate(renderBatch, {
          items: batch.map(({ source, id }) => ({ source, id })),
          config: MERMAID_CONFIG,
          themes: MERMAID_THEMES,
          precision: PRECISION,
        })
        .then(
          (drawn) => {
            for (const [i, job] of batch.entries()) {
              const one = drawn[i];
              if (one && 'svg' in one) job.resolve(one.svg);
              else job.reject(new Error(one?.error ?? 'the renderer page answered nothing'));
            }
          },
          (error: unknown) => {
            for (const job of batch) job.reject(error as Error);
          },
        )
        .finally(() => {
          lane.busy = false;
          this.dispatch();
        });
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/**
 * Runs in the renderer page: the batch's diagrams one after the other with the page's
 * `nfwRender` (mermaid-page.ts's renderInPage), their stadium outlines made rects there
 * (`nfwStadiums`, mermaid-stadium.ts; both installed when the page was opened), each answered
 * with its SVG or why it was not drawn.
 */
async function renderBatch(req: {
  items: { source: string; id: string }[];
  config: PageRequest['config'];
  themes: PageRequest['themes'];
  precision: number;
}): Promise<({ svg: string } | { error: string })[]> {
  const page = window as unknown as {
    nfwRender: (r: PageRequest) => Promise<string>;
    nfwStadiums: (svg: string, precision: number) => string;
  };
  const out: ({ svg: string } | { error: string })[] = [];
  for (const item of req.items) {
    try {
      const svg = await page.nfwRender({ ...item, config: req.config, themes: req.themes });
      out.push({ svg: page.nfwStadiums(svg, req.precision) });
    } catch (error) {
      out.push({ error: String((error as Error)?.message ?? error) });
    }
  }
  return out;
}

/**
 * A page with the mermaid bundle loaded, asking no host but the bundle's made-up one; with
 * `quickConfig`, getConfig's copy made quicker (mermaid-quick-config.ts).
 */
async function rendererPage(browser: Browser, quickConfig: boolean): Promise<Page> {
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
    const body = quickConfig ? quickGetConfig(readFileSync(file, 'utf8')) : readFileSync(file);
    return route.fulfill({ contentType: 'text/javascript', body });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => 'mermaid' in window, undefined, { timeout: 120_000 });
  // Their own sources (they use nothing from their modules), called by renderBatch.
  await page.evaluate(
    `window.nfwRender = ${renderInPage.toString()}; window.nfwStadiums = ${stadiumsAsRects.toString()};`,
  );
  return page;
}

/**
 * The build's browser, one per process: the content loader (in Vite's module runner) and the
 * remark plugin (in Node's own module graph) each have a copy of this module.
 */
const running = processWide<{ browser?: Promise<MermaidBrowser> }>('mermaid.browser', () => ({}));

/** The build's browser, started on first use. Rejects when it cannot be started. */
export function mermaidBrowser(executablePath: string): Promise<MermaidBrowser> {
  if (!running.browser) {
    running.browser = MermaidBrowser.launch(executablePath);
    process.once('beforeExit', () => void closeMermaidBrowser());
  }
  return running.browser;
}

/** Close the build's browser if one was started (the next diagram starts another). */
export async function closeMermaidBrowser(): Promise<void> {
  const started = running.browser;
  running.browser = undefined;
  if (!started) return;
  const browser = await started.catch(() => undefined);
  await browser?.close();
}
