/**
 * Drawn diagrams on disk, so a rebuild draws only what changed: one file per diagram, named by
 * a hash of everything the SVG depends on (the source, the renderer's settings and themes, the
 * mermaid version, and the code that runs in the renderer's page), and one per diagram as the
 * pages carry it, lightened by mermaid-svgo.ts (named by that hash and POST_VERSION).
 *
 * The folder is node_modules/.cache/nfwalk-mermaid/ unless NFWALK_MERMAID_CACHE names another
 * (ignored by git; deleting it only costs time).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { MERMAID_CONFIG, MERMAID_THEMES, MERMAID_VERSION } from './mermaid-config.ts';
import { POST_VERSION } from './mermaid-svgo.ts';

/** Diagrams are cached with this id on their SVG; a page gives each its own (see mermaid.ts). */
export const CACHED_ID = 'nfwmmd0placeholder';

export function defaultCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.NFWALK_MERMAID_CACHE || join(root, 'node_modules', '.cache', 'nfwalk-mermaid');
}

/**
 * The code that runs in the renderer's page, as written: not the functions' own text, which
 * differs between the two copies of the modules a build loads (Node strips the types, Vite's
 * runner transforms the file), so both must name a drawing alike.
 */
const PAGE_CODE = ['./mermaid-page.ts', './mermaid-quick-config.ts', './mermaid-stadium.ts']
  .map((file) => readFileSync(fileURLToPath(new URL(file, import.meta.url)), 'utf8'))
  .join('\0');

export function diagramKey(source: string): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        source,
        config: MERMAID_CONFIG,
        themes: MERMAID_THEMES,
        mermaid: MERMAID_VERSION,
        page: PAGE_CODE,
        id: CACHED_ID,
      }),
    )
    .digest('hex');
}

/**
 * The key of a diagram as the pages carry it, lightened (mermaid-svgo.ts): the drawing's key
 * and the post-processing's version. The drawing stays cached under its own key, so a new
 * post-processing re-runs svgo on it without drawing it again.
 */
export function lightKey(drawingKey: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ drawing: drawingKey, post: POST_VERSION }))
    .digest('hex');
}

export class DiagramCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  has(key: string): boolean {
    return existsSync(join(this.dir, `${key}.svg`));
  }

  get(key: string): string | undefined {
    try {
      return readFileSync(join(this.dir, `${key}.svg`), 'utf8');
    } catch {
      return undefined;
    }
  }

  set(key: string, svg: string): void {
    mkdirSync(this.dir, { recursive: true });
    // Written beside, then renamed: a build that stops halfway leaves no half-written diagram.
    // Named apart per writer: two worker threads (one process) may write the same diagram.
    const tmp = join(
      this.dir,
      `${key}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`,
    );
    writeFileSync(tmp, svg);
    renameSync(tmp, join(this.dir, `${key}.svg`));
  }
}
