/**
 * The nft text front end on files: `nft list ruleset` listings and `nft -f` scripts into the
 * ruleset model, includes read from the file system. `parseNft` throws a RulesetError carrying
 * every positioned error it found.
 */
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Ruleset } from '../model.ts';
import { fsIncludeHost } from './include-files.ts';
import { parseNftText } from './parse.ts';
import type { IncludeHost } from './parser.ts';

export interface ParseNftOptions {
  /**
   * The folder includes must stay inside. Without it, includes are resolved inside the
   * folder of `file` when that file exists on disk, and refused otherwise.
   */
  root?: string;
  /** Reads includes instead of the file system (tests, or a mapped /etc/nftables.d). */
  include?: IncludeHost;
}

/** Parses nft text into the model. Throws RulesetError with every error found. */
export function parseNft(text: string, file: string, opts: ParseNftOptions = {}): Ruleset {
  let root = opts.root;
  if (root === undefined) {
    try {
      if (lstatSync(file).isFile()) root = dirname(file);
    } catch {
      root = undefined;
    }
  }
  const include = opts.include ?? (root === undefined ? undefined : fsIncludeHost(root));
  return parseNftText(text, file, include);
}
export { fsIncludeHost } from './include-files.ts';
export type { IncludeHost } from './parser.ts';
