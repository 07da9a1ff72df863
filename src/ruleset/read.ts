/**
 * Reading a ruleset file, without loading any front end: `nfwalk check`
 * on nft text then loads the nft front end alone (src/ruleset/load.ts loads all three).
 */
import { readFileSync } from 'node:fs';
import { RulesetError } from './diagnostics.ts';

export { detectFormat, type RulesetFormat } from './format.ts';

/** Reads the file, or throws a RulesetError naming it. */
export function readRulesetText(path: string, shownAs = path): string {
  try {
    // The bytes first, then one decoding: Node's readFileSync(path, 'utf8') reads a big file in
    // chunks into a growing buffer, which cost a 7 MB listing ~30 ms more CPU (bench/, 50,000
    // services). The decoding is the same (invalid bytes become U+FFFD either way).
    return readFileSync(path).toString('utf8');
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
