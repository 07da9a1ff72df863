/**
 * The iptables tables and their built-in chains, as iptables-nft creates them in nf_tables:
 * one base chain per hook, at the priority the legacy tables registered with
 * (include/uapi/linux/netfilter_ipv4.h NF_IP_PRI_*) except security, which iptables-nft puts
 * at 150, of type nat in the nat table and type route for mangle OUTPUT (a changed mark or
 * address reroutes the packet).
 */
import type { BaseChainSpec, ChainType, HookName } from '../model.ts';

export const IPTABLES_TABLES = ['raw', 'mangle', 'nat', 'filter', 'security'] as const;
export type IptablesTable = (typeof IPTABLES_TABLES)[number];

const HOOK: Record<string, HookName> = {
  PREROUTING: 'prerouting',
  INPUT: 'input',
  FORWARD: 'forward',
  OUTPUT: 'output',
  POSTROUTING: 'postrouting',
};

const CHAINS: Record<IptablesTable, string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Priority by table (nat depends on the hook: dstnat before routing, srcnat after). */
function priority(table: IptablesTable, hook: HookName): { value: number; text: string } {
  switch (table) {
    case 'raw':
      return { value: -300, text: 'raw' };
    case 'mangle':
      return { value: -150, text: 'mangle' };
    case 'nat':
      return hook === 'prerouting' || hook === 'output'
        ? { value: -100, text: 'dstnat' }
        : { value: 100, text: 'srcnat' };
    case 'filter':
      return { value: 0, text: 'filter' };
    case 'security':
      // iptables-nft registers the security table at 150 (legacy iptables: NF_IP_PRI_SECURITY,
      // 50); measured with iptables-nft-restore 1.8.9 and `nft list ruleset`.
      return { value: 150, text: '150' };
  }
}

export function isIptablesTable(name: string): name is IptablesTable {
  return (IPTABLES_TABLES as readonly string[]).includes(name);
}

export function builtinChains(table: IptablesTable): readonly string[] {
  return CHAINS[table];
}

/** The base chain spec of a built-in chain, or undefined when `chain` is not built in. */
export function builtinChain(table: IptablesTable, chain: string): BaseChainSpec | undefined {
  if (!CHAINS[table].includes(chain)) return undefined;
  const hook = HOOK[chain]!;
  const type: ChainType =
    table === 'nat' ? 'nat' : table === 'mangle' && chain === 'OUTPUT' ? 'route' : 'filter';
  return { type, hook, priority: priority(table, hook), devices: [] };
}
