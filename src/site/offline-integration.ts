/**
 * After the build:
 * - every page's URLs to the site become relative to the page (offline-urls.ts), so `dist/`
 *   reads the same from a folder (`file://`), from a static server at the root, and under a
 *   sub-path. 404.html keeps its absolute URLs: a server shows it at any depth.
 * - beside every scenario page, its single-file HTML version and its Markdown
 *   (`scenarios/<slug>/<slug>.html` and `.md`, in both languages), which the page links to.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import type { Lang } from '../scenario/model.ts';
import { codeFingerprint, defaultBuildCacheDir } from './build-cache.ts';
import { fallback } from './mermaid.ts';
import { defaultCacheDir } from './mermaid-cache.ts';
import { writePlaygroundFileScript } from './playground-file-bundle.ts';
import type { DownloadsJob, OfflineJob } from './post-build-jobs.ts';
import { poolSize, runPostBuild } from './post-build-pool.ts';
import { scenarioFiles, scenarioSlug } from './scenarios.ts';

const LANGS: { lang: Lang; prefix: string }[] = [
  { lang: 'en', prefix: '' },
  { lang: 'ja', prefix: 'ja/' },
];

/** Every file under `dir`, as paths relative to it with `/`, sorted. */
function siteFilesUnder(dir: string, at = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, at), { withFileTypes: true })) {
    const path = at ? `${at}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...siteFilesUnder(dir, path));
    else out.push(path);
  }
  return out.sort();
}

/**
 * What a page's rewrite reads besides the page: which files exist, and the scripts it inlines
 * (every .js file's contents).
 */
function siteFingerprint(outDir: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const path of files) {
    hash.update(`${path}\0`);
    if (path.endsWith('.js') || path.endsWith('.mjs')) {
      hash.update(readFileSync(join(outDir, path))).update('\0');
    }
  }
  return hash.digest('hex');
}

/** The rewrite of every page under `outDir` but 404.html (it keeps absolute URLs). */
function offlineJobs(root: string, outDir: string, base: string, files: string[]): OfflineJob[] {
  const diagrams = defaultCacheDir(root);
  return files
    .filter((page) => page.endsWith('.html') && page !== '404.html')
    .map((page) => ({ kind: 'offline', outDir, base, page, diagrams }));
}

/** Every scenario's single-file page and Markdown, beside its page, in both languages. */
function downloadJobs(root: string, scenariosDir: string, outDir: string): DownloadsJob[] {
  return scenarioFiles(scenariosDir).flatMap((file) =>
    LANGS.map(({ lang, prefix }) => ({
      kind: 'downloads' as const,
      root,
      outDir,
      file,
      slug: scenarioSlug(file),
      lang,
      prefix,
    })),
  );
}

/**
 * Rewrite every page for reading from a folder, then write the scenarios' single files and
 * Markdown; on a pool of workers, each result remembered by a hash of its inputs.
 */
export async function finishSite(
  root: string,
  scenariosDir: string,
  outDir: string,
  base: string,
  warn: (message: string) => void,
): Promise<{ pages: number; downloads: number; workers: number }> {
  // Before the pages' rewrite, which makes their link to it relative.
  await writePlaygroundFileScript(outDir);
  const files = siteFilesUnder(outDir);
  const offline = offlineJobs(root, outDir, base, files);
  const downloads = downloadJobs(root, scenariosDir, outDir);
  let warned = false;
  const size = poolSize();
  await runPostBuild([...offline, ...downloads], {
    size,
    cacheDir: defaultBuildCacheDir(root),
    code: codeFingerprint(root),
    site: siteFingerprint(outDir, files),
    // Once, and not at all when the build has already said that diagrams are not drawn.
    warn: (message) => {
      if (!warned && !fallback.warned) warn(message);
      warned = true;
    },
  });
  return { pages: offline.length, downloads: downloads.length, workers: size };
}

export function offlineIntegration(options: { scenariosDir: string }): AstroIntegration {
  let base = '/';
  let root = process.cwd();
  return {
    name: 'nfwalk-offline',
    hooks: {
      'astro:config:done': ({ config }) => {
        base = config.base.endsWith('/') ? config.base : `${config.base}/`;
        root = fileURLToPath(config.root);
      },
      'astro:build:done': async ({ dir, logger }) => {
        const outDir = fileURLToPath(dir);
        const started = performance.now();
        const done = await finishSite(root, options.scenariosDir, outDir, base, (m) =>
          logger.warn(m),
        );
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        logger.info(
          `${done.pages} pages use relative URLs (readable from a folder); ${done.downloads} scenario pages also as one HTML file and as Markdown; in ${seconds} s on ${done.workers} worker(s)`,
        );
      },
    },
  };
}
