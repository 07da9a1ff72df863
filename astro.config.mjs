// @ts-check
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unified } from '@astrojs/markdown-remark';
import mdx from '@astrojs/mdx';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { DARK_THEME, LIGHT_THEME, siteLanguages } from './src/site/highlight.ts';
import { mdxCompileCache } from './src/site/mdx-cache.ts';
import { remarkMermaid } from './src/site/mermaid.ts';
import { mermaidIntegration } from './src/site/mermaid-integration.ts';
import { offlineIntegration } from './src/site/offline-integration.ts';
import { scenarioFiles } from './src/site/scenarios.ts';
import { rehypeSearchWeight } from './src/site/search-weight.ts';
import { siteSidebar } from './src/site/sidebar.ts';
import remarkSmartypantsQuick from './src/site/smartypants.ts';

// The folders the sidebar lists, as the docs loader reads them (src/site/loader.ts).
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const CONTENT_DIR = resolve(ROOT, 'content/docs');
const SCENARIOS_DIR = resolve(ROOT, process.env.NFWALK_SCENARIOS ?? 'scenarios');

/**
 * The sitemap needs the site's absolute address, which only whoever publishes the site knows:
 * NFWALK_SITE=https://example.org/ npm run build. Without it there is no sitemap, and this
 * stand-in under the sitemap integration's name keeps Starlight from adding one that would
 * only say it is skipping.
 */
const site = process.env.NFWALK_SITE;
const noSitemap = { name: '@astrojs/sitemap', hooks: {} };

/** The sidebar lists each scenario file's page: a dev server restarts when one changes. */
const watchScenarios = {
  name: 'nfwalk-watch-scenarios',
  hooks: {
    /** @param {{ addWatchFile: (path: string) => void }} options */
    'astro:config:setup': ({ addWatchFile }) => {
      for (const file of scenarioFiles(SCENARIOS_DIR)) addWatchFile(file);
    },
  },
};

/**
 * The playground's Web Worker runs the explainer's remark chain, whose
 * decode-named-character-reference has a `browser` build that decodes through `document`, which
 * a worker has not: the worker gets the package's plain build (its `worker` export), the one
 * Node runs.
 */
const workerBuildOf = {
  name: 'nfwalk-worker-plain-decoder',
  enforce: /** @type {const} */ ('pre'),
  /** @param {string} id */
  resolveId(id) {
    return id === 'decode-named-character-reference'
      ? fileURLToPath(import.meta.resolve('decode-named-character-reference'))
      : null;
  },
};

// Served from any static file server, also under a sub-path: set NFWALK_BASE=/sub/.
const base = process.env.NFWALK_BASE ?? '/';

// Astro's and Vite's caches (content layer store, optimised assets, pre-bundled dependencies):
// NFWALK_ASTRO_CACHE=DIR for another folder than node_modules/.astro and node_modules/.vite, so
// builds side by side (the bench's cold and warm, two checkouts) keep apart.
const cacheDir = process.env.NFWALK_ASTRO_CACHE;

export default defineConfig({
  ...(site ? { site } : {}),
  base,
  ...(cacheDir ? { cacheDir } : {}),
  trailingSlash: 'always',
  // No telemetry, no prefetching from other hosts: the site makes no request but to itself.
  vite: {
    // A rebuild compiles only the MDX pages that changed (src/site/mdx-cache.ts).
    plugins: [mdxCompileCache(ROOT)],
    ...(cacheDir ? { cacheDir: resolve(cacheDir, 'vite') } : {}),
    worker: { format: 'es', plugins: () => [workerBuildOf] },
    build: {
      rolldownOptions: {
        // Every MDX page's `?astroPropagatedAssets` module starts with Astro's own
        // "use astro:head-inject" marker, which Astro reads before bundling; rolldown warns
        // that bundling drops it (once per page). Only that warning is silenced.
        onwarn(warning, warn) {
          if (
            warning.code === 'MODULE_LEVEL_DIRECTIVE' &&
            warning.message.includes('"use astro:head-inject"')
          )
            return;
          warn(warning);
        },
      },
    },
  },
  markdown: {
    // Remark plugins run in the unified processor (Astro 7's default, Satteri, runs none).
    // Diagrams are drawn by the official mermaid in headless Chromium (NFWALK_CHROMIUM=/path).
    // Typographic quotes by src/site/smartypants.ts: remark-smartypants' result (a test holds
    // them equal on every page) without its retext parse of every text node, the largest part
    // of compiling a scenario page's MDX. It runs first, where Astro would run its own.
    processor: unified({
      smartypants: false,
      remarkPlugins: [remarkSmartypantsQuick, [remarkMermaid, { base }]],
      rehypePlugins: [rehypeSearchWeight],
    }),
  },
  integrations: [
    starlight({
      title: 'nfwalk',
      description: 'Packets walked through Linux netfilter, hook by hook, and back again.',
      defaultLocale: 'root',
      locales: {
        root: { label: 'English', lang: 'en' },
        ja: { label: '日本語', lang: 'ja' },
      },
      customCss: ['./src/site/styles/nfwalk.css', './src/site/styles/print.css'],
      expressiveCode: {
        themes: [DARK_THEME, LIGHT_THEME],
        shiki: { langs: siteLanguages },
      },
      sidebar: siteSidebar(CONTENT_DIR, SCENARIOS_DIR),
      // 404.html is src/pages/404.astro (Starlight's route warns without a `404` docs entry).
      disable404Route: true,
      // A scenario page's title weighs in search as its body does (the component says why).
      components: { PageTitle: './src/site/components/PageTitle.astro' },
    }),
    // Static parts of a page compile to HTML strings rather than one JSX call per element:
    // smaller modules for Vite to bundle and Astro to render, the same page.
    mdx({ optimize: true }),
    watchScenarios,
    ...(site ? [] : [noSitemap]),
    mermaidIntegration(),
    // Last: rewrites the finished pages' URLs relative to each page (readable from a folder).
    offlineIntegration({ scenariosDir: SCENARIOS_DIR }),
  ],
});
