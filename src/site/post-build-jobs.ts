/**
 * The two kinds of work done on the built site, one page at a time (offline-integration.ts runs
 * them over a pool of workers, post-build-pool.ts):
 * - `offline`: a built page rewritten for reading from a folder (offline-urls.ts), and its
 *   diagrams put in their slots (mermaid-slots.ts);
 * - `downloads`: a scenario's single-file HTML page and its Markdown, written beside its page.
 * Each result is remembered by a hash of its inputs (build-cache.ts): a rebuild that changed
 * nothing copies it. A scenario's explained pages come from explained-cache.ts (the content
 * loader has usually put them there).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lang } from '../scenario/model.ts';
import { type BuildCache, cacheKey } from './build-cache.ts';
import { explainedPages } from './explained-cache.ts';
import { DiagramCache, defaultCacheDir } from './mermaid-cache.ts';
import { fillDiagramSlots } from './mermaid-slots.ts';
import { offlinePage, type SiteFiles } from './offline-urls.ts';
import { singlePageHtml } from './single-page.ts';

export interface OfflineJob {
  kind: 'offline';
  outDir: string;
  base: string;
  /** The page's path under outDir (`guide/cli/index.html`). */
  page: string;
  /** The diagram cache, which holds the SVG of the page's diagram slots (mermaid-slots.ts). */
  diagrams: string;
}

export interface DownloadsJob {
  kind: 'downloads';
  root: string;
  outDir: string;
  /** The scenario file. */
  file: string;
  slug: string;
  lang: Lang;
  /** Where the language's pages live under outDir (`` or `ja/`). */
  prefix: string;
}

export type PostBuildJob = OfflineJob | DownloadsJob;

/** What every job of one build shares: the caches and the hashes of the code and the site. */
export interface JobContext {
  cache: BuildCache;
  /** codeFingerprint() of the project. */
  code: string;
  /** siteFingerprint() of the output folder before any job ran. */
  site: string;
  /** Told when a diagram could not be drawn (no browser). */
  warn(message: string): void;
  /** Scenario folders already hashed (explained-cache.ts). */
  folders?: Map<string, string>;
}

const sites = new Map<string, SiteFiles>();

/** The output folder as the rewriter sees it (one per folder, so inlined scripts are shared). */
function siteFiles(outDir: string, base: string): SiteFiles {
  const id = `${outDir}\0${base}`;
  let site = sites.get(id);
  if (!site) {
    site = {
      base,
      exists: (path) => {
        const file = join(outDir, path);
        return existsSync(file) && statSync(file).isFile();
      },
      read: (path) => readFileSync(join(outDir, path), 'utf8'),
    };
    sites.set(id, site);
  }
  return site;
}

const diagramCaches = new Map<string, DiagramCache>();

function diagramCache(dir: string): DiagramCache {
  let cache = diagramCaches.get(dir);
  if (!cache) {
    cache = new DiagramCache(dir);
    diagramCaches.set(dir, cache);
  }
  return cache;
}

/**
 * The page rewritten for reading from a folder, then its diagram slots filled: the rewrite
 * parses the page without its diagrams. A slot names its drawing by a hash of all it depends
 * on, so the page as it was built is key enough for the result.
 */
function runOffline(job: OfflineJob, ctx: JobContext): void {
  const file = join(job.outDir, job.page);
  const html = readFileSync(file, 'utf8');
  const key = cacheKey('offline', ctx.code, ctx.site, job.base, job.page, html);
  let out = ctx.cache.get(key);
  if (out === undefined) {
    const page = offlinePage(html, job.page, siteFiles(job.outDir, job.base));
    out = fillDiagramSlots(page, diagramCache(job.diagrams), job.page);
    ctx.cache.set(key, out);
  }
  writeFileSync(file, out);
}

async function runDownloads(job: DownloadsJob, ctx: JobContext): Promise<void> {
  const dir = join(job.outDir, `${job.prefix}scenarios`, job.slug);
  mkdirSync(dir, { recursive: true });
  const { mdx, md, source } = explainedPages(job.root, job.file, job.lang, ctx);
  const input = { title: mdx.title, mdx: mdx.markdown, lang: job.lang, source };
  const key = cacheKey('single-page', ctx.code, JSON.stringify(input));
  let html = ctx.cache.get(key);
  if (html === undefined) {
    let drawnAll = true;
    html = await singlePageHtml(input, {
      cache: diagramCache(defaultCacheDir(job.root)),
      warn: (message) => {
        drawnAll = false;
        ctx.warn(message);
      },
    });
    // A page whose diagrams could not be drawn is not kept: with a browser they would be.
    if (drawnAll) ctx.cache.set(key, html);
  }
  writeFileSync(join(dir, `${job.slug}.html`), html);
  writeFileSync(join(dir, `${job.slug}.md`), md.markdown);
}

export async function runJob(job: PostBuildJob, ctx: JobContext): Promise<void> {
  if (job.kind === 'offline') runOffline(job, ctx);
  else await runDownloads(job, ctx);
}
