/**
 * Work after the Astro build, remembered by a hash of everything it depends on, so a rebuild
 * where nothing changed copies its results instead of redoing them (the file:// rewrite of a
 * page, a scenario's single-file page). One file per result, named by the hash.
 *
 * The hash always includes the code fingerprint: every file under src/ and the versions of the
 * packages that shape the output, so a change of code or of a dependency is a miss.
 *
 * The folder is node_modules/.cache/nfwalk-build/ unless NFWALK_BUILD_CACHE names another
 * (ignored by git; deleting it only costs time; `npm run bench:site` gives each build its own).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

export function defaultBuildCacheDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.NFWALK_BUILD_CACHE || join(root, 'node_modules', '.cache', 'nfwalk-build');
}

/** Packages whose version changes what the post-build work writes. */
const PACKAGES = [
  'hast-util-from-html',
  'hast-util-to-html',
  'hastscript',
  'mdast-util-to-hast',
  'mermaid',
  'remark-gfm',
  'remark-mdx',
  'remark-parse',
  'shiki',
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** A hash of the project's sources (src/) and of the versions of PACKAGES. */
export function codeFingerprint(root: string): string {
  const hash = createHash('sha256');
  const src = join(root, 'src');
  for (const file of filesUnder(src)) {
    hash.update(relative(src, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const require = createRequire(join(root, 'package.json'));
  for (const name of PACKAGES) {
    let version = 'absent';
    try {
      version = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // A package that exports no package.json: its absence is part of the fingerprint too.
    }
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest('hex');
}

/** A key: the hash of the parts, each length-prefixed so parts cannot run into each other. */
export function cacheKey(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

export class BuildCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  get(key: string): string | undefined {
    try {
      return readFileSync(join(this.dir, key), 'utf8');
    } catch {
      return undefined;
    }
  }

  set(key: string, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    // Written beside, then renamed: a build that stops halfway leaves no half-written result.
    const tmp = join(this.dir, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, key));
  }
}
