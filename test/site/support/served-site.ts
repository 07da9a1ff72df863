/**
 * For a describe block of browser tests on the built site: before them, build the site (once
 * between test files, see build.ts), serve it under BASE and open chromium; after them, close
 * both. The returned object's fields are set when the tests run.
 */
import { afterAll, beforeAll } from 'vitest';
import { type LaunchedBrowser, launchChromium } from './browser.ts';
import { BASE, BUILD_TIMEOUT, buildSite, OUT } from './build.ts';
import { type StaticServer, serveStatic } from './static-server.ts';

export interface ServedSite {
  server: StaticServer;
  browser: LaunchedBrowser;
}

export function useServedSite(): ServedSite {
  const site = {} as ServedSite;
  beforeAll(async () => {
    buildSite();
    site.server = await serveStatic(OUT, BASE);
    site.browser = await launchChromium();
  }, BUILD_TIMEOUT);
  afterAll(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}
