/**
 * Loads a ruleset file with the front end its format names: nft text, `nft -j` JSON or
 * iptables-save (src/ruleset/parse.ts on the file's text). Errors are RulesetErrors with
 * positions (a missing file too).
 */
import { dirname } from 'node:path';
import type { Ruleset } from './model.ts';
import { fsIncludeHost } from './nft/include-files.ts';
import { parseNft } from './nft/index.ts';
import type { IncludeHost } from './nft/parser.ts';
import { parseRulesetText } from './parse.ts';
import { type RulesetFormat, readRulesetText } from './read.ts';

export { detectFormat, type RulesetFormat, readRulesetText } from './read.ts';

export interface RulesetFileRef {
  format: RulesetFormat;
  /** The path as the user wrote it (used in messages). */
  path: string;
  /** Where to read it, when different from `path` (a scenario resolves it). */
  resolved?: string;
  /** The folder nft `include`s must stay inside; the file's folder by default. */
  root?: string;
}

/**
 * Parses ruleset text in the given format; nft includes are read from the file system, inside
 * `root` (by default the folder of `file` when it is a file on disk).
 */
export function parseRuleset(
  text: string,
  format: RulesetFormat,
  file: string,
  root?: string,
  /** Where `file` really is, when `file` is only its name for messages (includes start there). */
  realPath?: string,
): Ruleset {
  if (format !== 'nft') return parseRulesetText(text, format, file);
  if (root === undefined) return parseNft(text, file);
  return parseRulesetText(text, format, file, fileIncludeHost(file, root, realPath));
}

/**
 * Includes are read relative to the including file: for the top file, where it really is, not
 * the name messages show (a scenario's `ruleset: main.nft` is relative to the scenario, not to
 * the working directory).
 */
export function fileIncludeHost(file: string, root: string, realPath?: string): IncludeHost {
  const host = fsIncludeHost(root);
  if (realPath === undefined || realPath === file) return host;
  return { read: (path, from) => host.read(path, from === file ? realPath : from) };
}

/** Loads the ruleset a scenario (or the CLI) names. */
export function loadRuleset(ref: RulesetFileRef): Ruleset {
  const where = ref.resolved ?? ref.path;
  const text = readRulesetText(where, ref.path);
  return parseRuleset(text, ref.format, ref.path, ref.root ?? dirname(where), where);
}
