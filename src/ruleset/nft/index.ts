/**
 * The nft text front end on files: `nft list ruleset` listings and `nft -f` scripts into the
 * ruleset model, includes read from the file system. `parseNft` throws a RulesetError carrying
 * every positioned error it found.
 */
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Ruleset } from '../model.ts';
import { fsIncludeHost } from './include-files.ts';
import { type CheckCounts, checkNftText, parseNftText } from './parse.ts';
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
  return parseNftText(text, file, includeHost(file, opts));
}

/**
 * Checks nft text as parseNft does (the same errors, thrown the same way) without keeping the
 * rules: what `nfwalk check` needs. Returns what the ruleset holds.
 */
export function checkNft(text: string, file: string, opts: ParseNftOptions = {}): CheckCounts {
  return checkNftText(text, file, includeHost(file, opts));
}

function includeHost(file: string, opts: ParseNftOptions): IncludeHost | undefined {
  let root = opts.root;
  if (root === undefined) {
    try {
      if (lstatSync(file).isFile()) root = dirname(file);
    } catch {
      root = undefined;
    }
  }
  return opts.include ?? (root === undefined ? undefined : fsIncludeHost(root));
}

export { fsIncludeHost } from './include-files.ts';
export type { CheckCounts } from './parse.ts';
export type { IncludeHost } from './parser.ts';
