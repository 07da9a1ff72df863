/**
 * MDX pages compiled once, not on every build. @astrojs/mdx turns each page into JavaScript
 * (remark, rehype, recma) on every build, most of a rebuild's work when nothing changed. This
 * Vite plugin keeps each page's compiled module in the build cache (build-cache.ts) under a hash
 * of the page's text and path and of everything its compilation depends on: the code under src/
 * (the remark and rehype plugins, the components), astro.config.mjs, package-lock.json (every
 * package's version), and the site's base. A build that changed a page compiles that page.
 *
 * - Only in a build: the dev server compiles as it always does.
 * - A page whose diagrams were left as source (no browser to draw them) is not kept: with a
 *   browser they would be drawn.
 * - A kept page whose diagram slots (mermaid.ts) name drawings no longer in the diagram cache is
 *   compiled again, which draws them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { BuildCache, cacheKey, codeFingerprint, defaultBuildCacheDir } from './build-cache.ts';
import { DiagramCache, defaultCacheDir, lightKey } from './mermaid-cache.ts';

/** What @astrojs/mdx's transform returns for a page. */
interface Compiled {
  code: string;
  map?: unknown;
  meta?: unknown;
}

type Transform = (this: unknown, code: string, id: string) => Promise<Compiled | undefined>;

/** The plugin of @astrojs/mdx that compiles .mdx modules. */
const MDX_PLUGIN = '@mdx-js/rolldown';

/** A slot's drawing key as it appears in compiled code (attribute or static HTML string). */
const SLOT_KEY = /data-nfw-svg[^0-9a-f]{1,8}([0-9a-f]{64})/g;

function drawingsKept(code: string, diagrams: DiagramCache): boolean {
  for (const [, key] of code.matchAll(SLOT_KEY)) {
    if (key === undefined || !(diagrams.has(lightKey(key)) || diagrams.has(key))) return false;
  }
  return true;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What every page's compilation depends on besides its own text. */
function compileFingerprint(root: string, base: string): string {
  return cacheKey(
    codeFingerprint(root),
    readOrEmpty(join(root, 'astro.config.mjs')),
    readOrEmpty(join(root, 'package-lock.json')),
    base,
  );
}

/** Pages compiled and pages taken from the cache since the last report. */
const counts = { compiled: 0, kept: 0 };

function cachedTransform(original: Transform, root: string, base: string): Transform {
  const cache = new BuildCache(defaultBuildCacheDir(root));
  const diagrams = new DiagramCache(defaultCacheDir(root));
  let fingerprint: string | undefined;
  return async function (this: unknown, code: string, id: string) {
    fingerprint ??= compileFingerprint(root, base);
    const key = cacheKey('mdx', fingerprint, id, code);
    const kept = cache.get(key);
    if (kept !== undefined) {
      const compiled = JSON.parse(kept) as Compiled;
      if (drawingsKept(compiled.code, diagrams)) {
        counts.kept += 1;
        return compiled;
      }
    }
    counts.compiled += 1;
    const compiled = await original.call(this, code, id);
    if (compiled && !compiled.code.includes('nfw-mermaid-source')) {
      cache.set(key, JSON.stringify(compiled));
    }
    return compiled;
  };
}

export function mdxCompileCache(root: string): Plugin {
  return {
    name: 'nfwalk-mdx-cache',
    configResolved(resolved) {
      if (resolved.command !== 'build') return;
      for (const plugin of resolved.plugins) {
        if (plugin.name !== MDX_PLUGIN) continue;
        const transform = plugin.transform as { handler?: Transform; nfwalkCached?: true };
        if (typeof transform?.handler !== 'function' || transform.nfwalkCached) continue;
        transform.handler = cachedTransform(transform.handler, root, resolved.base);
        transform.nfwalkCached = true;
      }
    },
    buildEnd() {
      if (counts.compiled + counts.kept === 0) return;
      console.info(
        `[nfwalk-mdx-cache] ${counts.compiled} MDX page(s) compiled, ${counts.kept} taken from the build cache`,
      );
      counts.compiled = 0;
      counts.kept = 0;
    },
  };
}
