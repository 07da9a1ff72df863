/**
 * After the build:
 * - every page's URLs to the site become relative to the page (offline-urls.ts), so `dist/`
 *   reads the same from a folder (`file://`), from a static server at the root, and under a
 *   sub-path. 404.html keeps its absolute URLs: a server shows it at any depth.
 * - beside every scenario page, its single-file HTML version and its Markdown
 *   (`scenarios/<slug>/<slug>.html` and `.md`, in both languages), which the page links to.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { explainScenarioFile } from '../pipeline-files.ts';
import type { Lang } from '../scenario/model.ts';
import { closeMermaidBrowser } from './mermaid-browser.ts';
import { DiagramCache, defaultCacheDir } from './mermaid-cache.ts';
import { offlinePage, type SiteFiles } from './offline-urls.ts';
import { explainScenario, scenarioFiles, scenarioSlug } from './scenarios.ts';
import { singlePageHtml } from './single-page.ts';

const LANGS: { lang: Lang; prefix: string }[] = [
  { lang: 'en', prefix: '' },
  { lang: 'ja', prefix: 'ja/' },
];

/** Write every scenario's single-file page and Markdown beside its page; returns how many. */
export async function writeDownloads(
  root: string,
  scenariosDir: string,
  outDir: string,
  warn: (message: string) => void,
): Promise<number> {
  const cache = new DiagramCache(defaultCacheDir(root));
  let warned = false;
  const once = (message: string) => {
    if (!warned) warn(message);
    warned = true;
  };
  let written = 0;
  try {
    for (const file of scenarioFiles(scenariosDir)) {
      const slug = scenarioSlug(file);
      const rel = relative(root, file);
      for (const { lang, prefix } of LANGS) {
        const dir = join(outDir, `${prefix}scenarios`, slug);
        mkdirSync(dir, { recursive: true });
        const page = explainScenario(root, file, lang);
        const input = { title: page.title, mdx: page.markdown, lang, source: rel };
        writeFileSync(
          join(dir, `${slug}.html`),
          await singlePageHtml(input, { cache, warn: once }),
        );
        const md = explainScenarioFile(file, { lang, format: 'md' }, rel);
        writeFileSync(join(dir, `${slug}.md`), md.markdown);
        written += 1;
      }
    }
  } finally {
    await closeMermaidBrowser();
  }
  return written;
}

function htmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(path));
    else if (entry.name.endsWith('.html')) out.push(path);
  }
  return out;
}

/** Rewrite every page under `outDir` for reading from a folder; returns how many. */
export function makeOffline(outDir: string, base: string): number {
  const site: SiteFiles = {
    base,
    exists: (path) => {
      const file = join(outDir, path);
      return existsSync(file) && statSync(file).isFile();
    },
    read: (path) => readFileSync(join(outDir, path), 'utf8'),
  };
  let pages = 0;
  for (const file of htmlFiles(outDir)) {
    const page = relative(outDir, file).split(sep).join('/');
    if (page === '404.html') continue;
    writeFileSync(file, offlinePage(readFileSync(file, 'utf8'), page, site));
    pages += 1;
  }
  return pages;
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
        let started = performance.now();
        const pages = makeOffline(outDir, base);
        const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
        logger.info(`${pages} pages use relative URLs (readable from a folder) in ${seconds()} s`);
        started = performance.now();
        const files = await writeDownloads(root, options.scenariosDir, outDir, (m) =>
          logger.warn(m),
        );
        logger.info(
          `${files} scenario pages also as one HTML file and as Markdown in ${seconds()} s`,
        );
      },
    },
  };
}
