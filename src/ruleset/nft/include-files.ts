/**
 * nft `include`s read from the file system: relative to the including file, and only inside a
 * root folder (a scenario's ruleset may not read the files of the machine that builds the site).
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { IncludeHost } from './parser.ts';

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Reads includes relative to the including file, refusing anything outside `root`. */
export function fsIncludeHost(root: string): IncludeHost {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    realRoot = resolve(root);
  }
  return {
    read(path, fromFile) {
      if (isAbsolute(path))
        return {
          error: `include "${path}": absolute paths are not allowed (includes must stay inside ${root})`,
        };
      if (path.split(/[\\/]/).includes('..'))
        return {
          error: `include "${path}": '..' is not allowed (includes must stay inside ${root})`,
        };
      const base = dirname(resolve(fromFile));
      const full = resolve(base, path);
      if (!isInside(resolve(root), full))
        return { error: `include "${path}": outside the root folder ${root}` };
      let candidates: string[];
      const name = full.slice(full.lastIndexOf(sep) + 1);
      if (/[*?[]/.test(name)) {
        const dir = dirname(full);
        const re = new RegExp(
          `^${name
            .replace(/[.+^${}()|\\]/g, '\\$&')
            .replace(/\*/g, '.*')
            .replace(/\?/g, '.')}$`,
        );
        try {
          candidates = readdirSync(dir)
            .filter((f) => re.test(f) && !f.startsWith('.'))
            .sort()
            .map((f) => join(dir, f));
        } catch {
          return { error: `include "${path}": no such folder` };
        }
      } else candidates = [full];
      const files: { path: string; text: string }[] = [];
      for (const c of candidates) {
        let real: string;
        try {
          real = realpathSync(c);
        } catch {
          return { error: `include "${path}": No such file or directory` };
        }
        if (!isInside(realRoot, real))
          return {
            error: `include "${path}": resolves outside the root folder ${root} (symbolic link)`,
          };
        try {
          if (!lstatSync(real).isFile()) return { error: `include "${path}": not a file` };
          files.push({ path: relative(process.cwd(), c) || c, text: readFileSync(real, 'utf8') });
        } catch (e) {
          return { error: `include "${path}": ${(e as Error).message}` };
        }
      }
      return { files };
    },
  };
}
