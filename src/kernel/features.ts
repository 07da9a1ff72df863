/**
 * Kernel features a ruleset may need that a kernel can be built without, and whether this
 * kernel has them: nft refuses the whole ruleset otherwise, so `nfwalk verify` says which.
 *
 * - `flowtable` (CONFIG_NF_FLOW_TABLE, nf_flow_table_inet, nft_flow_offload): without it nft
 *   says "Could not process rule: No such file or directory" at the flowtable and at
 *   `flow add` (no flowtable type for the family, no flow_offload expression).
 * - `bridge-conntrack` (CONFIG_NF_CONNTRACK_BRIDGE, nf_conntrack_bridge): a `ct` expression in
 *   a bridge table calls nf_ct_netns_get(NFPROTO_BRIDGE), which returns -EPROTO when the
 *   module cannot be loaded: "Could not process rule: Protocol error".
 *
 * Measured on 6.18 built without both. A probe loads the smallest ruleset needing the feature
 * into a namespace of its own.
 */
import { randomBytes } from 'node:crypto';
import type { Ruleset } from '../ruleset/model.ts';
import { CommandError, inNetns, run } from './exec.ts';

export type KernelFeature = 'flowtable' | 'bridge-conntrack';

/** What each feature is, for messages. */
export const FEATURE_NAMES: Record<KernelFeature, string> = {
  flowtable: 'flowtables (nf_flow_table, CONFIG_NF_FLOW_TABLE)',
  'bridge-conntrack':
    'conntrack in the bridge family (nf_conntrack_bridge, CONFIG_NF_CONNTRACK_BRIDGE)',
};

/** The error nft prints when the kernel lacks the feature. */
export const FEATURE_REFUSALS: Record<KernelFeature, string> = {
  flowtable: 'No such file or directory',
  'bridge-conntrack': 'Protocol error',
};

const PROBES: Record<KernelFeature, { setup: string[][]; ruleset: string }> = {
  flowtable: {
    setup: [['ip', 'link', 'add', 'pv0', 'type', 'veth', 'peer', 'name', 'pv1']],
    ruleset:
      'table inet p {\n  flowtable f {\n    hook ingress priority 0\n    devices = { pv0, pv1 }\n  }\n  chain fw {\n    type filter hook forward priority 0;\n    flow add @f\n  }\n}\n',
  },
  'bridge-conntrack': {
    setup: [],
    ruleset:
      'table bridge p {\n  chain fw {\n    type filter hook forward priority 0;\n    ct state established accept\n  }\n}\n',
  },
};

/** The features the ruleset needs beyond what every kernel nfwalk verifies on has. */
export function featuresOf(ruleset: Ruleset): KernelFeature[] {
  const out = new Set<KernelFeature>();
  for (const table of ruleset.tables) {
    if (table.flowtables.length > 0) out.add('flowtable');
    for (const chain of table.chains) {
      const text = JSON.stringify(chain.rules);
      if (/"keyword":"flow (add|offload)"/.test(text)) out.add('flowtable');
      if (table.family === 'bridge' && /"kind":"ct"/.test(text)) out.add('bridge-conntrack');
    }
  }
  return [...out].sort();
}

const probed = new Map<KernelFeature, Promise<string | undefined>>();

/** Undefined when this kernel has the feature, else what nft said when refusing it (root). */
export function probeFeature(feature: KernelFeature): Promise<string | undefined> {
  let p = probed.get(feature);
  if (!p) {
    p = probe(feature);
    probed.set(feature, p);
  }
  return p;
}

async function probe(feature: KernelFeature): Promise<string | undefined> {
  const ns = `nfwprobe${randomBytes(3).toString('hex')}`;
  const { setup, ruleset } = PROBES[feature];
  await run(['ip', 'netns', 'add', ns]);
  try {
    for (const argv of setup) await run(inNetns(ns, argv));
    await run(inNetns(ns, ['nft', '-f', '-']), { input: ruleset });
    return undefined;
  } catch (e) {
    return e instanceof CommandError ? e.stderr.trim() || e.message : (e as Error).message;
  } finally {
    await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
  }
}
