/**
 * The EvalEnv a rule sees at a base chain: the packet, the hook's devices and meta data,
 * the conntrack entry, and fib lookups into the host's routing (nft_fib4_eval semantics).
 */
import { ctView } from '../../conntrack/table.ts';
import type { RoutingTable } from '../../routing/table.ts';
import type { Family, HookName, Table } from '../../ruleset/model.ts';
import type { EvalEnv, FibResult } from '../env.ts';
import type { Skb } from './skb.ts';

export interface HookState {
  family: Family;
  hook: HookName;
  iif: string | null;
  oif: string | null;
  /** Bridge chains: the bridge the ports belong to. */
  bridge?: string;
}

export function buildEnv(skb: Skb, state: HookState, table: Table, routing: RoutingTable): EvalEnv {
  const p = skb.pkt;
  const ct = ctView(skb.ct, skb.ctState);
  const pkttype = state.family === 'bridge' && skb.bridge?.physOut ? 'other' : 'host';
  const env: EvalEnv = {
    family: state.family,
    hook: state.hook,
    table,
    packet: p,
    meta: {
      iif: state.iif,
      oif: state.oif,
      ...(state.family === 'bridge'
        ? {
            ibrname: state.iif ? (state.bridge ?? null) : null,
            obrname: state.oif ? (state.bridge ?? null) : null,
          }
        : {}),
      iiftype: state.iif ? (state.iif === 'lo' ? 'loopback' : 'ether') : null,
      oiftype: state.oif ? (state.oif === 'lo' ? 'loopback' : 'ether') : null,
      mark: skb.mark,
      pkttype,
      nfproto: p.family,
      priority: 0,
      local: skb.local,
    },
    fib: (flags, result) => fib(routing, skb, state, flags, result),
    set: (name) => table.sets.find((s) => s.name === name),
    seed: 0,
  };
  if (ct) env.ct = ct;
  if (skb.dst?.type === 'unicast')
    env.route = { nexthop: skb.dst.nexthop, dev: skb.dst.dev, mtu: 1500 };
  return env;
}

function fib(
  routing: RoutingTable,
  skb: Skb,
  state: HookState,
  flags: readonly string[],
  result: 'oif' | 'oifname' | 'type',
): FibResult {
  const addr = flags.includes('saddr') ? skb.pkt.saddr : skb.pkt.daddr;
  const dev = flags.includes('iif') ? state.iif : flags.includes('oif') ? state.oif : undefined;
  // nft_fib4_eval / nft_fib6_eval: flowi_iif is lo, and the mark only with fib's `mark` flag
  // (what ip rules can select on under policy routing).
  const key = { iif: 'lo', mark: flags.includes('mark') ? skb.mark >>> 0 : 0 };
  if (result === 'type') {
    const local = routing.addressType(addr, dev ?? undefined);
    if (local) return { type: local, oif: null };
    const r = routing.lookup(addr, key);
    return { type: r.type === 'unicast' ? 'unicast' : 'unreachable', oif: null };
  }
  if (dev) {
    // `fib saddr . iif oif`: is there a route back to saddr through the input device?
    // nft_fib4_eval: the lookup's nexthop must use that device (fib_info_nh_uses_dev).
    const best = routing.lookup(addr, key);
    const ok = best.type === 'unicast' && best.dev === dev;
    return { type: ok ? 'unicast' : 'unreachable', oif: ok ? dev : null };
  }
  const r = routing.lookup(addr, key);
  // nft_fib4_eval stores no device for RTN_LOCAL and other non-unicast results.
  if (r.type === 'unicast') return { type: 'unicast', oif: r.dev };
  return { type: r.type, oif: null };
}
