/**
 * A scenario's explained pages (MDX for the site's page and its single file, Markdown for the
 * download), remembered in the build cache (build-cache.ts) by the code and every file of the
 * scenario's folder (a ruleset and its includes are read only inside it:
 * src/pipeline-files.ts). The content loader and the post-build work both ask for them, so the
 * explainer runs once per scenario and language, and a rebuild where nothing changed runs it
 * not at all.
 */
import { createHash } from 'node:crypto';
import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Lang } from '../scenario/model.ts';
import { type BuildCache, cacheKey } from './build-cache.ts';
import { explainBoth } from './scenarios.ts';

export type ExplainedPages = ReturnType<typeof explainBoth>;

/** A hash of every file in the scenario's folder: the scenario, its ruleset and includes. */
function folderHash(dir: string): string {
  const hash = createHash('sha256');
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter(
      (e) => e.isFile() || (e.isSymbolicLink() && statSync(join(e.parentPath, e.name)).isFile()),
    )
    .map((e) => join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    hash
      .update(`${relative(dir, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  }
  return hash.digest('hex');
}

/** What one build's lookups share: the cache, the code's fingerprint, folders already hashed. */
export interface ExplainedCache {
  cache: BuildCache;
  /** codeFingerprint() of the project. */
  code: string;
  folders?: Map<string, string>;
}

/** The scenario's pages in one language, from the cache when the code and folder are the same. */
export function explainedPages(
  root: string,
  file: string,
  lang: Lang,
  ctx: ExplainedCache,
): ExplainedPages {
  const dir = dirname(file);
  let folder = ctx.folders?.get(dir);
  if (folder === undefined) {
    folder = folderHash(dir);
    ctx.folders?.set(dir, folder);
  }
  const key = cacheKey('explained', ctx.code, root, file, lang, folder);
  const kept = ctx.cache.get(key);
  if (kept !== undefined) return JSON.parse(kept) as ExplainedPages;
  const pages = explainBoth(root, file, lang);
  ctx.cache.set(key, JSON.stringify(pages));
  return pages;
}
