/**
 * Telling a ruleset's format from its text and name, with no front end and no file system:
 * the browser's pipeline needs it as much as `nfwalk check`.
 */

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
