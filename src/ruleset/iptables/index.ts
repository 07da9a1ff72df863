/**
 * The iptables front end: iptables-save / ip6tables-save / iptables-nft-save output (and
 * iptables-restore input) read into the ruleset model, with every rule translated the way
 * iptables-nft stores it in nf_tables, so the simulator runs it like any nft ruleset.
 */
import { RulesetError } from '../diagnostics.ts';
import type { Rule, Ruleset } from '../model.ts';
import { printRule } from '../printer.ts';
import type { IpFamily } from './context.ts';
import { detectFamily } from './family.ts';
import { makeIpset } from './ipsets.ts';
import { parseSaveFile } from './save-file.ts';

export interface IptablesParseOptions {
  /** ip (iptables-save) or ip6 (ip6tables-save); detected from the file when absent. */
  family?: IpFamily;
  /** Members of the ipsets `-m set --match-set` refers to, by set name (from the scenario). */
  ipsets?: Record<string, string[]>;
}

/**
 * Reads an iptables-save file. Throws RulesetError with every positioned error found (bad
 * syntax, undeclared chain, bad address, missing COMMIT). Matches and targets nfwalk does not
 * model become UnsupportedStmt at their rule.
 */
export function parseIptablesSave(
  text: string,
  file: string,
  opts: IptablesParseOptions = {},
): Ruleset {
  const family = opts.family ?? detectFamily(text, file);
  const parseOpts: Parameters<typeof parseSaveFile>[2] = { family, makeSet: makeIpset };
  if (opts.ipsets) parseOpts.ipsets = opts.ipsets;
  const { tables, diagnostics } = parseSaveFile(file, text, parseOpts);
  if (diagnostics.length > 0) throw new RulesetError(diagnostics, new Map([[file, text]]));
  return { format: 'iptables-save', files: [{ path: file, text }], tables };
}

export { detectFamily } from './family.ts';

/**
 * The nft form of a rule read from iptables-save, as `nft list ruleset` would show the rule
 * iptables-nft stores (iptables-translate's output without `add rule ip filter CHAIN`). A rule
 * with a match or target nfwalk cannot express is shown the way iptables-translate shows
 * such rules: the iptables line behind `# `.
 */
export function translateToNft(rule: Rule): string {
  if (rule.statements.some((s) => s.kind === 'unsupported'))
    return `# ${rule.iptables?.line ?? rule.text}`;
  return printRule(rule);
}
