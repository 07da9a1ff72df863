/**
 * The work after the Astro build (src/site/offline-integration.ts finishSite): pages rewritten
 * on worker threads are the bytes the rewriter gives in-process, a rebuild takes them from the
 * cache, and a changed page is rewritten again.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/site/build-cache.ts';
import { finishSite } from '../../src/site/offline-integration.ts';
import { offlinePage, type SiteFiles } from '../../src/site/offline-urls.ts';

const REPO = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'nfw-post-build-'));
const noScenarios = join(tmp, 'no-scenarios');
mkdirSync(noScenarios);

const page = (body: string) =>
  `<!doctype html><html><head><script type="module" src="/_astro/entry.js"></script></head><body>${body}</body></html>`;

const SITE: Record<string, string> = {
  'index.html': page('<a href="/guide/cli/">cli</a>'),
  'guide/cli/index.html': page('<a href="/">home</a><img src="/_astro/a.svg">'),
  'ja/guide/cli/index.html': page('<a href="/guide/cli/#x">en</a>'),
  '404.html': page('<a href="/">home</a>'),
  '_astro/a.svg': '<svg/>',
  '_astro/toc.js': 'export const t = 1;',
  '_astro/entry.js': 'import{t as e}from"./toc.js";console.log(e);',
};

function writeSite(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** What the rewriter makes of each page, in this process. */
function expected(files: Record<string, string>): Record<string, string> {
  const site: SiteFiles = {
    base: '/',
    exists: (path) => path in files,
    read: (path) => files[path] ?? '',
  };
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) {
    out[path] =
      path.endsWith('.html') && path !== '404.html' ? offlinePage(text, path, site) : text;
  }
  return out;
}

function readSite(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(files).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));
}

describe('the post-build work', () => {
  const saved = { cache: process.env.NFWALK_BUILD_CACHE, jobs: process.env.NFWALK_BUILD_JOBS };
  const cache = join(tmp, 'cache');
  beforeEach(() => {
    process.env.NFWALK_BUILD_CACHE = cache;
    process.env.NFWALK_BUILD_JOBS = '2';
  });
  afterEach(() => {
    for (const [name, value] of [
      ['NFWALK_BUILD_CACHE', saved.cache],
      ['NFWALK_BUILD_JOBS', saved.jobs],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const run = (out: string) => finishSite(REPO, noScenarios, out, '/', () => {});

  it('rewrites on two workers exactly as in-process, 404.html untouched', async () => {
    const out = join(tmp, 'first');
    writeSite(out, SITE);
    const done = await run(out);
    expect(done).toEqual({ pages: 3, downloads: 0, workers: 2 });
    expect(readSite(out, SITE)).toEqual(expected(SITE));
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('href="guide/cli/index.html"');
    expect(readdirSync(cache)).toHaveLength(3);
  }, 60_000);

  it('takes an unchanged page from the cache and rewrites a changed one', async () => {
    const out = join(tmp, 'second');
    const changed = { ...SITE, 'index.html': page('<a href="/ja/guide/cli/">ja</a>') };
    writeSite(out, changed);
    const before = new Set(readdirSync(cache));
    await run(out);
    expect(readSite(out, changed)).toEqual(expected(changed));
    const added = readdirSync(cache).filter((f) => !before.has(f));
    expect(added).toHaveLength(1); // only the changed page was rewritten
    // The same result with the cache emptied: what was kept is what the rewriter gives.
    const again = join(tmp, 'third');
    writeSite(again, changed);
    rmSync(cache, { recursive: true, force: true });
    process.env.NFWALK_BUILD_JOBS = '1';
    await run(again);
    expect(readSite(again, changed)).toEqual(readSite(out, changed));
  }, 60_000);

  it('keys by every part, each kept apart from the next', () => {
    expect(cacheKey('ab', 'c')).not.toBe(cacheKey('a', 'bc'));
    expect(cacheKey('a', 'b')).toBe(cacheKey('a', 'b'));
  });
});
