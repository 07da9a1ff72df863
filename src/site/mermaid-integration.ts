/**
 * The Astro side of the build-time diagrams: in a build, pages carry slots for their diagrams,
 * drawn while Astro works (mermaid.ts, deferDiagrams); when Astro is done, waits for the last
 * drawings (a diagram that cannot be drawn fails the build there, with its file, line and
 * column) and closes the renderer's browser; the slots are filled after it (offline-integration.ts).
 * And, when some diagram could not be drawn at build time, puts the `mermaid` bundle and
 * the script that draws the diagrams in the reader's browser into the site (under
 * `_nfwalk/`), so the site still asks no other host for anything. `astro dev` serves the same
 * two files. The playground draws its diagrams in the browser with the same bundle, so the
 * bundle is always copied; a page loads it only when it has diagrams left to draw.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { deferDiagrams, FALLBACK_DIR, settleDiagrams } from './mermaid.ts';
import { closeMermaidBrowser } from './mermaid-browser.ts';
import { MERMAID_CONFIG, MERMAID_DIST, MERMAID_THEMES } from './mermaid-config.ts';

/** The fallback's files: name → contents. */
export function fallbackFiles(): Record<string, string | Buffer> {
  const client = readFileSync(new URL('./client/mermaid-client.js', import.meta.url), 'utf8');
  const settings = JSON.stringify({ config: MERMAID_CONFIG, themes: MERMAID_THEMES });
  return {
    'mermaid.min.js': readFileSync(join(MERMAID_DIST, 'mermaid.min.js')),
    'mermaid-client.js': `window.nfwalkMermaid = ${settings};\n${client}`,
  };
}

export function mermaidIntegration(): AstroIntegration {
  let base = '/';
  return {
    name: 'nfwalk-mermaid',
    hooks: {
      'astro:config:setup': ({ command }) => {
        deferDiagrams(command === 'build');
      },
      'astro:config:done': ({ config }) => {
        base = config.base.endsWith('/') ? config.base : `${config.base}/`;
      },
      'astro:server:setup': ({ server }) => {
        server.middlewares.use((req, res, next) => {
          const prefix = `${base}${FALLBACK_DIR}/`;
          const path = (req.url ?? '').split('?')[0] ?? '';
          const file = path.startsWith(prefix)
            ? fallbackFiles()[path.slice(prefix.length)]
            : undefined;
          if (file === undefined) return next();
          res.setHeader('content-type', 'text/javascript; charset=utf-8');
          res.end(file);
        });
      },
      'astro:server:done': async () => {
        await closeMermaidBrowser();
      },
      'astro:build:done': async ({ dir, logger }) => {
        const started = performance.now();
        try {
          const { drawn, unused } = await settleDiagrams();
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          if (drawn > 0) logger.info(`${drawn} diagram(s) drawn; waited ${seconds} s for the last`);
          // Drawn ahead from the explainer's pages (mermaid.ts, drawAhead) but carried by no
          // page: the loader's sources and the pages' fences disagree, and the time was lost.
          if (unused > 0) logger.warn(`${unused} diagram(s) drawn ahead were on no page`);
        } finally {
          await closeMermaidBrowser();
        }
        const out = join(fileURLToPath(dir), FALLBACK_DIR);
        mkdirSync(out, { recursive: true });
        for (const [name, contents] of Object.entries(fallbackFiles())) {
          writeFileSync(join(out, name), contents);
        }
      },
    },
  };
}
