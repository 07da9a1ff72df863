import { parseIptablesSave, translateToNft } from '../../../src/ruleset/iptables/index.ts';
import type { Rule, Ruleset } from '../../../src/ruleset/model.ts';

const BUILTIN = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/**
 * Loads one rule line in a table of its own (declaring its chain and the extra chains
 * given) and returns the model rule.
 */
export function loadRule(
  line: string,
  opts: {
    table?: string;
    family?: 'ip' | 'ip6';
    chains?: string[];
    ipsets?: Record<string, string[]>;
  } = {},
): Rule {
  const rs = loadFile(ruleFile(line, opts.table ?? 'filter', opts.chains ?? []), opts);
  const rules = rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
  if (rules.length !== 1) throw new Error(`expected one rule, got ${rules.length}`);
  return rules[0]!;
}

export function ruleFile(line: string, table: string, chains: string[]): string {
  const chain = /^-[AI] (\S+)/.exec(line)?.[1] ?? 'INPUT';
  const decl = [chain, ...chains]
    .filter((c, i, a) => a.indexOf(c) === i)
    .map((c) => (BUILTIN.includes(c) ? `:${c} ACCEPT [0:0]` : `:${c} - [0:0]`));
  return [`*${table}`, ...decl, line, 'COMMIT', ''].join('\n');
}

export function loadFile(
  text: string,
  opts: { family?: 'ip' | 'ip6'; ipsets?: Record<string, string[]> } = {},
  file = 'test.rules',
): Ruleset {
  return parseIptablesSave(text, file, opts);
}

/** The nft form of one rule line. */
export function nft(line: string, opts: Parameters<typeof loadRule>[1] = {}): string {
  return translateToNft(loadRule(line, opts));
}
