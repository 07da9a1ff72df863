/**
 * Words the page quotes from the reader's ruleset kind of statement, in the reader's syntax:
 * nft's keywords (`drop`, `dnat`, `counter`) under an nft listing, iptables' targets and
 * options (`DROP`, `DNAT`, `-m limit --limit 3/min`) under an iptables-save listing. The
 * statements' own words come from the model (the iptables front end keeps each statement's
 * option text); this module only picks between them.
 */
import type { Ruleset, Statement } from '../ruleset/model.ts';

/** The iptables target of an nft verdict or NAT keyword. */
const TARGETS: Readonly<Record<string, string>> = {
  accept: 'ACCEPT',
  drop: 'DROP',
  return: 'RETURN',
  dnat: 'DNAT',
  snat: 'SNAT',
  masquerade: 'MASQUERADE',
  redirect: 'REDIRECT',
};

const isIptables = (rs: Ruleset): boolean => rs.format === 'iptables-save';

/** A verdict, a policy or a NAT kind as the ruleset writes it: `drop`, or the target `DROP`. */
export function keyword(rs: Ruleset, word: string): string {
  return isIptables(rs) ? (TARGETS[word] ?? word) : word;
}

/**
 * What a rule does besides matching and its verdict, one quote per statement: nft's keyword
 * (`counter`, `log`, `limit`), or the iptables words (`-m limit --limit 3/min`, `-j LOG …`),
 * where a statement iptables-nft adds on its own (every rule's counter) is not the reader's
 * and goes unsaid.
 */
export function sideEffects(rs: Ruleset, statements: readonly Statement[]): string[] {
  const out = statements.flatMap((x) => {
    if (x.kind === 'match' || x.kind === 'verdict') return [];
    if (isIptables(rs)) return x.text === undefined ? [] : [x.text];
    return [x.kind === 'other' ? x.keyword : x.kind === 'mangle' ? (x.text ?? 'set') : x.kind];
  });
  return [...new Set(out)];
}
