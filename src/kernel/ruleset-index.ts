/**
 * What the kernel's listing says about the loaded ruleset (`nft -j list ruleset` in the host
 * namespace): each base chain's hook and priority, and each rule's handle → its 0-based
 * position in its chain (the trace's rule index).
 */
import type { Family, HookName } from '../ruleset/model.ts';

export interface BaseChainInfo {
  hook: HookName;
  priority: number;
}

export interface RulesetIndex {
  baseChain(family: Family, table: string, chain: string): BaseChainInfo | undefined;
  ruleIndex(family: Family, table: string, chain: string, handle: number): number | undefined;
}

const key = (family: string, table: string, chain: string) =>
  `${family}\u0000${table}\u0000${chain}`;

export function buildRulesetIndex(listing: unknown): RulesetIndex {
  const chains = new Map<string, BaseChainInfo>();
  const rules = new Map<string, Map<number, number>>();
  const items = (listing as { nftables?: unknown[] })?.nftables;
  if (!Array.isArray(items))
    throw new Error('nft -j list ruleset: no "nftables" array in its output');
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const chain = (item as { chain?: Record<string, unknown> }).chain;
    if (chain && typeof chain.hook === 'string' && typeof chain.prio === 'number') {
      chains.set(key(String(chain.family), String(chain.table), String(chain.name)), {
        hook: chain.hook as HookName,
        priority: chain.prio,
      });
    }
    const rule = (item as { rule?: Record<string, unknown> }).rule;
    if (rule && typeof rule.handle === 'number') {
      const k = key(String(rule.family), String(rule.table), String(rule.chain));
      let byHandle = rules.get(k);
      if (!byHandle) {
        byHandle = new Map();
        rules.set(k, byHandle);
      }
      byHandle.set(rule.handle, byHandle.size);
    }
  }
  return {
    baseChain: (family, table, chain) => chains.get(key(family, table, chain)),
    ruleIndex: (family, table, chain, handle) => rules.get(key(family, table, chain))?.get(handle),
  };
}
