/**
 * The nft text front end: `nft list ruleset` listings and `nft -f` scripts into the ruleset
 * model. `parseNft` throws a RulesetError carrying every positioned error it found.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RulesetError } from '../diagnostics.ts';
import { checkLiterals } from '../literal-check.ts';
import type { Ruleset } from '../model.ts';
import { validateJumps } from '../validate.ts';
import { type IncludeHost, NftParser, numberRules, type ParseState } from './parser.ts';
import { validateRuleset } from './validate.ts';

export interface ParseNftOptions {
  /**
   * The folder includes must stay inside. Without it, includes are resolved inside the
   * folder of `file` when that file exists on disk, and refused otherwise.
   */
  root?: string;
  /** Reads includes instead of the file system (tests, or a mapped /etc/nftables.d). */
  include?: IncludeHost;
}

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

/** Parses nft text into the model. Throws RulesetError with every error found. */
export function parseNft(text: string, file: string, opts: ParseNftOptions = {}): Ruleset {
  const ruleset: Ruleset = { format: 'nft', files: [{ path: file, text }], tables: [] };
  let root = opts.root;
  if (root === undefined) {
    try {
      if (lstatSync(file).isFile()) root = dirname(file);
    } catch {
      root = undefined;
    }
  }
  const state: ParseState = {
    ruleset,
    defines: new Map(),
    diagnostics: [],
    includeStack: [file],
  };
  if (opts.include) state.include = opts.include;
  else if (root !== undefined) state.include = fsIncludeHost(root);
  try {
    new NftParser(text, file, state).parseScript();
  } catch (e) {
    // A bug in the parser must still surface as a positioned error, never a stack trace.
    state.diagnostics.push({
      file,
      line: 1,
      col: 1,
      message: `internal parser error: ${(e as Error).message}`,
      severity: 'error',
    });
  }
  if (state.diagnostics.length === 0) {
    const { diagnostics, graphs } = validateRuleset(ruleset);
    state.diagnostics.push(...diagnostics, ...checkLiterals(ruleset));
    // What the kernel refuses at commit (jumps nesting too deep, loops), on the jump graphs
    // the checks built on their way through the rules.
    if (state.diagnostics.length === 0) state.diagnostics.push(...validateJumps(ruleset, graphs));
  }
  if (state.diagnostics.length > 0) {
    // In source order: files as read, then line and column.
    const order = new Map(ruleset.files.map((f, i) => [f.path, i]));
    state.diagnostics.sort(
      (a, b) =>
        (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.col - b.col,
    );
    const sources = new Map(ruleset.files.map((f) => [f.path, f.text]));
    throw new RulesetError(state.diagnostics, sources);
  }
  numberRules(ruleset);
  return ruleset;
}
export type { IncludeHost } from './parser.ts';
