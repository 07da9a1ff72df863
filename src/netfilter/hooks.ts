/**
 * The hook entries of each family and hook, in the order the kernel runs them.
 *
 * nf_hook_entries_grow inserts a new hook before the first existing entry whose priority is
 * greater than or EQUAL to its own ("if (inserted || reg->priority > orig_ops[i]->priority)
 * keep the old one"), so among equal priorities the LAST registered runs FIRST. nft registers
 * a base chain's hook when the chain is added, in ruleset order; measured on 6.18 with two
 * tables' prerouting chains at priority 0: the second table's chain ran first.
 *
 * Besides base chains, the entries hold the kernel's own hooks that shape the walk:
 * - conntrack (nf_conntrack_in at -200 in prerouting and output, confirm at INT_MAX in
 *   postrouting and input), registered per L3 family only when the ruleset needs conntrack
 *   (a ct expression or a NAT statement; measured: a nat chain without them gets no
 *   conntrack, and is then never consulted);
 * - bridge conntrack (nf_conntrack_bridge: -200 in bridge prerouting, confirm at INT_MAX in
 *   bridge postrouting), when a bridge table's rule needs conntrack. Its entry is the one
 *   br_netfilter's ip prerouting then finds attached (nf_conntrack_in keeps an skb's entry);
 *   a kernel without the module refuses such a rule (nf_ct_netns_get: -EPROTO, "Could not
 *   process rule: Protocol error", measured on 6.18 built without it). Since 6.8 the module
 *   also has nf_ct_bridge_in in bridge input, which confirms only broadcast and multicast
 *   frames (pkt_type other than PACKET_HOST); nfwalk models no multicast, so it is left out;
 * - NAT (nf_nat_ipv4_fn at -100 in prerouting and output, 100 in postrouting and input). nat
 *   type chains are NOT hook entries of their own: nf_nat_register_fn puts them in a private
 *   list, sorted by their priority, that the NAT hook walks (measured: nat chains at -60 and
 *   -50 ran before a filter chain at -80);
 * - br_netfilter (ip_sabotage_in first in ip prerouting: chains at exactly INT_MIN, registered
 *   later, run before it and so run twice for a bridged packet, measured;
 *   bridge prerouting 0, bridge forward 0 — br_nf_forward in 6.x; measured: a
 *   bridge forward chain at priority 0 runs before the ip forward hook —, bridge postrouting
 *   INT_MAX).
 *
 * inet chains are registered on both ip and ip6; netdev (and inet) ingress/egress chains per
 * device.
 */
import type { Chain, Family, Flowtable, HookName, Rule, Ruleset, Table } from '../ruleset/model.ts';

export const NF_IP_PRI_CONNTRACK = -200;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_CONNTRACK_CONFIRM = 2147483647;
export const NF_BR_PRI_BRNF = 0;
export const NF_IP_PRI_FIRST = -2147483648;
export const NF_BR_PRI_LAST = 2147483647;

export type L3 = 'ip' | 'ip6';
export type HookFamily = 'ip' | 'ip6' | 'bridge' | 'netdev';

export interface ChainHook {
  kind: 'chain';
  table: Table;
  chain: Chain;
  /** The family the chain was declared in (inet for inet chains run on ip). */
  family: Family;
  hook: HookName;
  priority: number;
}

export type InternalHook =
  | { kind: 'conntrack-in' }
  | { kind: 'conntrack-confirm' }
  | { kind: 'nat' }
  | { kind: 'br-nf-prerouting' }
  | { kind: 'br-nf-forward' }
  | { kind: 'br-nf-postrouting' }
  /** ip_sabotage_in: skips ip prerouting for a packet br_netfilter already ran it for. */
  | { kind: 'br-nf-sabotage' }
  /** A flowtable's ingress hook on one of its devices (nf_flow_offload_ip_hook). */
  | { kind: 'flowtable'; table: Table; flowtable: Flowtable };

export type HookOp = ChainHook | InternalHook;

export interface HookEntry {
  op: HookOp;
  priority: number;
  /** Registration order: later registrations run first among equal priorities. */
  seq: number;
}

export interface HookOptions {
  /** br_netfilter is loaded (net.bridge.bridge-nf-call-ip(6)tables set). */
  brNetfilter: boolean;
}

interface Registered extends HookEntry {
  family: HookFamily;
  hook: HookName;
  device?: string;
}

export class HookTable {
  private readonly registered: Registered[] = [];
  private readonly natChains: { family: L3; hook: HookName; entry: ChainHook; seq: number }[] = [];
  readonly conntrack: Record<L3, boolean> = { ip: false, ip6: false };
  /**
   * nf_conntrack_bridge's hooks are registered: a bridge table's rule needs conntrack
   * (nf_ct_netns_get(net, NFPROTO_BRIDGE) → nf_ct_netns_do_get registers
   * nf_ct_bridge_info->ops): nf_ct_bridge_pre at NF_IP_PRI_CONNTRACK (-200) in bridge
   * prerouting, nf_ct_bridge_post (confirm) at NF_IP_PRI_CONNTRACK_CONFIRM in bridge
   * postrouting (net/bridge/netfilter/nf_conntrack_bridge.c). Only those: no ip hook.
   */
  bridgeConntrack = false;

  constructor(ruleset: Ruleset, opts: HookOptions) {
    let seq = 0;
    if (opts.brNetfilter) {
      // br_netfilter is loaded before any ruleset (Docker loads it at start).
      this.add('bridge', 'prerouting', { kind: 'br-nf-prerouting' }, NF_BR_PRI_BRNF, seq);
      this.add('bridge', 'forward', { kind: 'br-nf-forward' }, NF_BR_PRI_BRNF, seq);
      this.add('bridge', 'postrouting', { kind: 'br-nf-postrouting' }, NF_BR_PRI_LAST, seq);
      for (const l3 of ['ip', 'ip6'] as const) {
        this.add(l3, 'prerouting', { kind: 'br-nf-sabotage' }, NF_IP_PRI_FIRST, seq);
      }
    }
    const natCore: Record<L3, boolean> = { ip: false, ip6: false };
    for (const table of ruleset.tables) {
      if (table.flags.includes('dormant')) continue;
      seq = this.addFlowtables(table, seq);
      for (const chain of table.chains) {
        seq++;
        const base = chain.base;
        if (base) {
          const entry: ChainHook = {
            kind: 'chain',
            table,
            chain,
            family: table.family,
            hook: base.hook,
            priority: base.priority.value,
          };
          const l3s = l3sOf(table.family);
          if (base.type === 'nat' && l3s.length > 0) {
            for (const l3 of l3s) {
              if (!natCore[l3]) {
                natCore[l3] = true;
                this.add(l3, 'prerouting', { kind: 'nat' }, NF_IP_PRI_NAT_DST, seq);
                this.add(l3, 'output', { kind: 'nat' }, NF_IP_PRI_NAT_DST, seq);
                this.add(l3, 'input', { kind: 'nat' }, NF_IP_PRI_NAT_SRC, seq);
                this.add(l3, 'postrouting', { kind: 'nat' }, NF_IP_PRI_NAT_SRC, seq);
              }
              this.natChains.push({ family: l3, hook: base.hook, entry, seq });
            }
          } else if (base.hook === 'ingress' || base.hook === 'egress') {
            for (const device of base.devices) {
              this.add('netdev', base.hook, entry, entry.priority, seq, device);
            }
          } else if (table.family === 'bridge') {
            this.add('bridge', base.hook, entry, entry.priority, seq);
          } else {
            for (const l3 of l3s) this.add(l3, base.hook, entry, entry.priority, seq);
          }
        }
        // A rule that needs conntrack registers its hooks after its chain (once per family:
        // when the table's families have them already, the chain need not be looked at).
        const l3s = l3sOf(table.family);
        if (table.family === 'bridge' && !this.bridgeConntrack) {
          if (chainConntrackFamilies(chain).size > 0) this.addBridgeConntrack(seq + 0.5);
          continue;
        }
        const uses = l3s.some((l3) => !this.conntrack[l3]) ? chainConntrackFamilies(chain) : NONE;
        if (uses.size > 0) {
          for (const l3 of l3s) {
            if (this.conntrack[l3] || !uses.has(l3)) continue;
            this.conntrack[l3] = true;
            const s = seq + 0.5;
            this.add(l3, 'prerouting', { kind: 'conntrack-in' }, NF_IP_PRI_CONNTRACK, s);
            this.add(l3, 'output', { kind: 'conntrack-in' }, NF_IP_PRI_CONNTRACK, s);
            this.add(
              l3,
              'postrouting',
              { kind: 'conntrack-confirm' },
              NF_IP_PRI_CONNTRACK_CONFIRM,
              s,
            );
            this.add(l3, 'input', { kind: 'conntrack-confirm' }, NF_IP_PRI_CONNTRACK_CONFIRM, s);
          }
        }
      }
    }
  }

  /**
   * A flowtable registers a netdev ingress hook on each of its devices at its priority
   * (nf_tables_flowtable_parse_hook, nft_register_flowtable_net_hooks); the table's
   * flowtables are created before its chains (the order `nft list ruleset` prints them in).
   */
  private addFlowtables(table: Table, seq: number): number {
    let s = seq;
    for (const flowtable of table.flowtables) {
      s++;
      if (flowtable.hook !== 'ingress') continue;
      for (const device of flowtable.devices) {
        const op: InternalHook = { kind: 'flowtable', table, flowtable };
        this.add('netdev', 'ingress', op, flowtable.priority.value, s, device);
      }
    }
    return s;
  }

  private addBridgeConntrack(seq: number): void {
    this.bridgeConntrack = true;
    this.add('bridge', 'prerouting', { kind: 'conntrack-in' }, NF_IP_PRI_CONNTRACK, seq);
    this.add(
      'bridge',
      'postrouting',
      { kind: 'conntrack-confirm' },
      NF_IP_PRI_CONNTRACK_CONFIRM,
      seq,
    );
  }

  private add(
    family: HookFamily,
    hook: HookName,
    op: HookOp,
    priority: number,
    seq: number,
    device?: string,
  ): void {
    this.registered.push({ family, hook, op, priority, seq, ...(device ? { device } : {}) });
  }

  /** The entries of one hook, in run order (priority, then the latest registration first). */
  entries(family: HookFamily, hook: HookName, device?: string): HookEntry[] {
    return this.registered
      .filter((r) => r.family === family && r.hook === hook && r.device === device)
      .sort(byRunOrder);
  }

  /** The nat-type chains the NAT hook of (family, hook) walks, in priority order. */
  natChainsOf(family: L3, hook: HookName): ChainHook[] {
    return this.natChains
      .filter((n) => n.family === family && n.hook === hook)
      .map((n) => ({ ...n, priority: n.entry.priority }))
      .sort(byRunOrder)
      .map((n) => n.entry);
  }
}

function byRunOrder(a: { priority: number; seq: number }, b: { priority: number; seq: number }) {
  return a.priority - b.priority || b.seq - a.seq;
}

export function l3sOf(family: Family): L3[] {
  if (family === 'ip') return ['ip'];
  if (family === 'ip6') return ['ip6'];
  if (family === 'inet') return ['ip', 'ip6'];
  return [];
}

/**
 * Which families' conntrack the chain's rules need, remembered per chain (while its rule list is
 * the same): every walk builds a HookTable, and scanning 100,000 rules' trees each time cost
 * about 90 ms per walk on a kube-proxy-sized ruleset.
 */
const chainConntrack = new WeakMap<
  Chain,
  { rules: readonly Rule[]; length: number; uses: ReadonlySet<L3> }
>();

const NONE: ReadonlySet<L3> = new Set();
const BOTH: ReadonlySet<L3> = new Set(['ip', 'ip6']);

/** The L3 families whose conntrack some rule of the chain needs (none, one, or both). */
function chainConntrackFamilies(chain: Chain): ReadonlySet<L3> {
  const known = chainConntrack.get(chain);
  if (known && known.rules === chain.rules && known.length === chain.rules.length)
    return known.uses;
  const found = new Set<L3>();
  for (const rule of chain.rules) {
    for (const l3 of conntrackFamilies(rule)) found.add(l3);
    if (found.size === 2) break;
  }
  const uses: ReadonlySet<L3> = found.size === 0 ? NONE : found.size === 2 ? BOTH : found;
  chainConntrack.set(chain, { rules: chain.rules, length: chain.rules.length, uses });
  return uses;
}

/**
 * The L3 families whose conntrack a rule needs (nf_ct_netns_get from the expression's init):
 * a ct expression or statement, masquerade and redirect ask for the table's families; snat
 * and dnat ask for the NAT family only (nft_nat_init: nf_ct_netns_get(net, NFTA_NAT_FAMILY)),
 * so `snat ip6 to …` in an inet table tracks no IPv4 packet. Measured: fuzz seed 39, an inet
 * nat input chain whose only NAT is `snat ip6 to`: IPv4 packets never reach it.
 */
export function conntrackFamilies(rule: unknown): ReadonlySet<L3> {
  const found = new Set<L3>();
  // The model is a tree (no cycles): a plain walk, no visited set (this runs over every rule).
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || found.size === 2) return;
    const o = x as Record<string, unknown>;
    // nft_ct_get_init and nft_flow_offload_init both call nf_ct_netns_get for the table.
    if (o.kind === 'ct' || (o.kind === 'other' && /^flow (add|offload)$/.test(String(o.keyword)))) {
      found.add('ip').add('ip6');
      return;
    }
    if (o.kind === 'nat') {
      const fam = o.family;
      if ((o.type === 'snat' || o.type === 'dnat') && (fam === 'ip' || fam === 'ip6'))
        found.add(fam);
      else found.add('ip').add('ip6');
    }
    for (const k in o) {
      const v = o[k];
      if (v !== null && typeof v === 'object' && k !== 'span') walk(v);
    }
  };
  walk(rule);
  return found;
}
