/**
 * Loads a ruleset file with the front end its format names: nft text, `nft -j` JSON or
 * iptables-save. Errors are RulesetErrors with positions (a missing file too).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { RulesetError } from './diagnostics.ts';
import { parseIptablesSave } from './iptables/index.ts';
import { parseNftJson } from './json/index.ts';
import { checkLiterals } from './literal-check.ts';
import type { Ruleset } from './model.ts';
import { fsIncludeHost, type ParseNftOptions, parseNft } from './nft/index.ts';
import { validateJumps } from './validate.ts';

export type RulesetFormat = 'nft' | 'nft-json' | 'iptables-save';

export interface RulesetFileRef {
  format: RulesetFormat;
  /** The path as the user wrote it (used in messages). */
  path: string;
  /** Where to read it, when different from `path` (a scenario resolves it). */
  resolved?: string;
  /** The folder nft `include`s must stay inside; the file's folder by default. */
  root?: string;
}

/** Reads the file, or throws a RulesetError naming it. */
export function readRulesetText(path: string, shownAs = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (e as Error).message;
    throw new RulesetError([
      {
        file: shownAs,
        line: 1,
        col: 1,
        message: `cannot read the ruleset: ${why}`,
        severity: 'error',
      },
    ]);
  }
}

/** Guesses the format of a ruleset from its content and name: JSON, iptables-save or nft. */
export function detectFormat(text: string, path: string): RulesetFormat {
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[') || /\.json$/i.test(path)) return 'nft-json';
  if (/^\s*\*(filter|nat|mangle|raw|security)\s*$/m.test(text) && /^\s*COMMIT\s*$/m.test(text)) {
    return 'iptables-save';
  }
  return 'nft';
}

/** Parses ruleset text in the given format. */
export function parseRuleset(
  text: string,
  format: RulesetFormat,
  file: string,
  root?: string,
  /** Where `file` really is, when `file` is only its name for messages (includes start there). */
  realPath?: string,
): Ruleset {
  const ruleset =
    format === 'nft'
      ? parseNft(text, file, nftOptions(file, root, realPath))
      : format === 'nft-json'
        ? parseNftJson(text, file)
        : parseIptablesSave(text, file);
  // Addresses, ports and prefixes nft refuses, then what the kernel refuses at commit (jumps
  // nesting too deep, loops): nf_tables only; the nft front end checks both itself (parseNft).
  if (format === 'nft-json') {
    const literals = checkLiterals(ruleset);
    const refused = literals.length > 0 ? literals : validateJumps(ruleset);
    if (refused.length > 0) {
      throw new RulesetError(refused, new Map(ruleset.files.map((f) => [f.path, f.text])));
    }
  }
  return ruleset;
}

/**
 * Includes are read relative to the including file: for the top file, where it really is, not
 * the name messages show (a scenario's `ruleset: main.nft` is relative to the scenario, not to
 * the working directory).
 */
function nftOptions(file: string, root?: string, realPath?: string): ParseNftOptions {
  if (root === undefined) return {};
  if (realPath === undefined || realPath === file) return { root };
  const host = fsIncludeHost(root);
  return {
    root,
    include: { read: (path, from) => host.read(path, from === file ? realPath : from) },
  };
}

/** Loads the ruleset a scenario (or the CLI) names. */
export function loadRuleset(ref: RulesetFileRef): Ruleset {
  const where = ref.resolved ?? ref.path;
  const text = readRulesetText(where, ref.path);
  return parseRuleset(text, ref.format, ref.path, ref.root ?? dirname(where), where);
}
