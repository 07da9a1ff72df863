/**
 * Reading a ruleset file and telling its format, without loading any front end: `nfwalk check`
 * on nft text then loads the nft front end alone (src/ruleset/load.ts loads all three).
 */
import { readFileSync } from 'node:fs';
import { RulesetError } from './diagnostics.ts';

export type RulesetFormat = 'nft' | 'nft-json' | 'iptables-save';

/** Guesses the format of a ruleset from its content and name: JSON, iptables-save or nft. */
export function detectFormat(text: string, path: string): RulesetFormat {
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[') || /\.json$/i.test(path)) return 'nft-json';
  // iptables-save has a `*table` line; without a `*` anywhere, no need to look line by line
  // through a 7 MB listing.
  if (
    text.includes('*') &&
    /^\s*\*(filter|nat|mangle|raw|security)\s*$/m.test(text) &&
    /^\s*COMMIT\s*$/m.test(text)
  ) {
    return 'iptables-save';
  }
  return 'nft';
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
