/**
 * The content loader of Starlight's `docs` collection: the hand-written pages in content/docs
 * and, generated at build time, one page per scenario file in scenarios/ and language (the
 * simulator and the explainer run on every scenario) plus an index of scenarios.
 *
 * Generated pages are written as MDX files under .astro/nfwalk-pages/ (ignored by git) and
 * loaded by the same glob as the hand-written ones, so MDX components, Expressive Code and the
 * mermaid renderer treat both alike. Nothing generated is committed. The explained pages are
 * kept in the build cache (explained-cache.ts): a rebuild explains only what changed, and the
 * post-build work (single files, Markdown) reuses them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import { glob } from 'astro/loaders';
import { slug as githubSlug } from 'github-slugger';
import type { Lang } from '../scenario/model.ts';
import { BuildCache, codeFingerprint, defaultBuildCacheDir } from './build-cache.ts';
import { explainedPages } from './explained-cache.ts';
import { drawAhead } from './mermaid.ts';
import { type IndexEntry, indexPage, scenarioPage } from './pages.ts';
import { SiteBuildError, scenarioFiles, scenarioSlug } from './scenarios.ts';

export interface NfwalkLoaderOptions {
  /** Hand-written pages, relative to the project root. */
  contentDir?: string;
  /** Scenario files, relative to the project root. */
  scenariosDir?: string;
  /** Where generated pages are written, relative to the project root. */
  generatedDir?: string;
}

const LANGS: { lang: Lang; prefix: string }[] = [
  { lang: 'en', prefix: '' },
  { lang: 'ja', prefix: 'ja/' },
];

/**
 * Write every generated page; returns how many scenario pages were written. Between two
 * scenarios it lets the event loop turn, so the diagrams handed to the browser (drawAhead) are
 * sent to it while the next one is explained.
 */
export async function generatePages(
  root: string,
  options: Required<NfwalkLoaderOptions>,
): Promise<number> {
  const outDir = resolve(root, options.generatedDir);
  const componentsDir = join(dirname(fileURLToPath(import.meta.url)), 'components');
  const files = scenarioFiles(resolve(root, options.scenariosDir));
  const slugs = new Map<string, string>();
  for (const file of files) {
    const slug = scenarioSlug(file);
    const other = slugs.get(slug);
    if (other) {
      throw new SiteBuildError(
        `${relative(root, file)}: error: its page would have the same address as ${relative(root, other)} (scenarios/${slug}/)`,
      );
    }
    slugs.set(slug, file);
  }
  const pages = new Map<string, string>();
  const explainedCache = {
    cache: new BuildCache(defaultBuildCacheDir(root)),
    code: codeFingerprint(root),
    folders: new Map<string, string>(),
  };
  for (const { lang, prefix } of LANGS) {
    const entries: IndexEntry[] = [];
    for (const [slug, file] of slugs) {
      const pagesOf = explainedPages(root, file, lang, explainedCache);
      const explained = pagesOf.mdx;
      const rel = relative(root, file);
      // Drawn by the browser while the next scenario is explained (in a build only).
      void drawAhead(pagesOf.diagrams, rel, root);
      await new Promise((next) => setImmediate(next));
      pages.set(
        `${prefix}scenarios/${slug}.mdx`,
        scenarioPage(explained, componentsDir, rel, { slug, lang }),
      );
      entries.push({ slug, file: rel, explained });
    }
    pages.set(`${prefix}scenarios/index.mdx`, indexPage(entries, lang));
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const [path, text] of pages) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), text);
  }
  return slugs.size;
}

/** The entry id Astro's glob would give a file, relative to its own folder. */
export function entryId(relPath: string): string {
  const segments = relPath.replace(/\.(md|mdx)$/, '').split('/');
  const id = segments.map((s) => githubSlug(s)).join('/');
  return id === 'index' ? id : id.replace(/\/index$/, '');
}

export function nfwalkDocsLoader(opts: NfwalkLoaderOptions = {}): Loader {
  const options: Required<NfwalkLoaderOptions> = {
    contentDir: opts.contentDir ?? 'content/docs',
    // NFWALK_SCENARIOS: build the site from another folder of scenario files.
    scenariosDir: opts.scenariosDir ?? process.env.NFWALK_SCENARIOS ?? 'scenarios',
    generatedDir: opts.generatedDir ?? '.astro/nfwalk-pages',
  };
  /** One glob over the hand-written pages and this build's generated ones. */
  const pagesGlob = (generatedDir: string) => {
    const prefixes = [options.contentDir, generatedDir].map((d) => `${d.replace(/\/$/, '')}/`);
    return glob({
      base: '.',
      pattern: prefixes.map((p) => `${p}**/*.{md,mdx}`),
      generateId: ({ entry }) => {
        const prefix = prefixes.find((p) => entry.startsWith(p));
        return entryId(prefix ? entry.slice(prefix.length) : entry);
      },
    });
  };
  return {
    name: 'nfwalk-docs-loader',
    load: async (context: LoaderContext) => {
      const root = fileURLToPath(context.config.root);
      // One folder of generated pages per output folder: two builds at once (a test build and
      // `npm run build`) must not delete each other's pages.
      const out = relative(root, fileURLToPath(context.config.outDir)) || 'dist';
      const perBuild: Required<NfwalkLoaderOptions> = {
        ...options,
        generatedDir: `${options.generatedDir}/${out.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`,
      };
      const started = performance.now();
      const count = await generatePages(root, perBuild);
      context.logger.info(
        `${count} scenario page(s) × ${LANGS.length} languages generated in ${((performance.now() - started) / 1000).toFixed(2)} s`,
      );
      await pagesGlob(perBuild.generatedDir).load(context);
      context.watcher?.add(resolve(root, options.scenariosDir));
      context.watcher?.on('change', (path) => {
        if (!path.startsWith(resolve(root, options.scenariosDir))) return;
        generatePages(root, perBuild).catch((error: unknown) =>
          context.logger.error((error as Error).message),
        );
      });
    },
  };
}
