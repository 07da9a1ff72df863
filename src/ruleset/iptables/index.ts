/**
 * The iptables front end: iptables-save / ip6tables-save / iptables-nft-save output (and
 * iptables-restore input) read into the ruleset model, with every rule translated the way
 * iptables-nft stores it in nf_tables, so the simulator runs it like any nft ruleset.
 */
import { RulesetError } from '../diagnostics.ts';
import type { MatchStmt, Rule, Ruleset, Statement } from '../model.ts';
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
  if (rule.statements.some((s) => s.kind === 'unsupported')) {
    return `# ${rule.iptables?.line ?? rule.text}`;
  }
  return printRule({ ...rule, statements: listedStatements(rule.statements) });
}

/**
 * The statements as `nft list ruleset` shows them: nft leaves out a `meta l4proto tcp` the
 * next transport header match implies (`tcp dport 22`), when only network header matches
 * stand between them. Measured against nft 1.0.6 listings of rules iptables-nft-restore
 * loaded: a set lookup (`tcp dport { 80, 443 }`), an ICMP match, or a ct, fib or meta match
 * in between keep it.
 */
function listedStatements(statements: Statement[]): Statement[] {
  const out = [...statements];
  const i = out.findIndex(
    (s) =>
      s.kind === 'match' && s.op === '==' && s.left.kind === 'meta' && s.left.key === 'l4proto',
  );
  const proto = i >= 0 ? (out[i] as MatchStmt).right : undefined;
  if (proto?.kind !== 'value' || !IMPLIED.includes(proto.text)) return out;
  for (let k = i + 1; k < out.length; k++) {
    const s = out[k]!;
    if (s.kind !== 'match' || s.left.kind !== 'payload') return out;
    if (s.left.protocol === 'ip' || s.left.protocol === 'ip6') continue;
    if (s.left.protocol === proto.text && s.right.kind !== 'set') out.splice(i, 1);
    return out;
  }
  return out;
}

/** nft 1.0.6 keeps `meta l4proto sctp` before `sctp dport` in its listing; tcp and udp go. */
const IMPLIED = ['tcp', 'udp'];
