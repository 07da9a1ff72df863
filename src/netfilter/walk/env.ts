/**
 * The EvalEnv a rule sees at a base chain: the packet, the hook's devices and meta data,
 * the conntrack entry, and fib lookups into the host's routing (nft_fib4_eval semantics).
 */
import { ctView } from '../../conntrack/table.ts';
import { isMulticast } from '../../routing/address.ts';
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

/** get_saddr (nft_fib_ipv4.c): no source for a lookup from a multicast or broadcast address. */
function flowSource(addr: string): string | undefined {
  if (addr === '0.0.0.0' || addr === '255.255.255.255' || isMulticast(addr)) return undefined;
  return addr;
}

function fib(
  routing: RoutingTable,
  skb: Skb,
  state: HookState,
  flags: readonly string[],
  result: 'oif' | 'oifname' | 'type',
): FibResult {
  const bySaddr = flags.includes('saddr');
  const addr = bySaddr ? skb.pkt.saddr : skb.pkt.daddr;
  const dev = flags.includes('iif') ? state.iif : flags.includes('oif') ? state.oif : undefined;
  const local = result === 'type' ? routing.addressType(addr, dev ?? undefined) : undefined;
  if (result === 'type' && (local || skb.pkt.family === 'ip')) {
    // nft_fib4_eval_type → inet_dev_addr_type: the local table only (a local or broadcast
    // entry, on `dev` when one is given); any other address, routed or not, is unicast.
    // (nft_fib6_eval_type routes the address: unreachable without a route, below.)
    return { type: local ?? 'unicast', oif: null };
  }
  // nft_fib4_eval: a packet looped back through lo is answered with lo before any lookup.
  if (state.hook === 'prerouting' && state.iif === 'lo') return { type: 'unicast', oif: 'lo' };
  // The lookup's key: flowi4_iif lo (in forward, a reverse lookup's iif is the output
  // device), the mark only with fib's `mark` flag, and the packet's other address as the
  // source (fl4.saddr = get_saddr(…)), which `from` rules select on.
  const other = flowSource(bySaddr ? skb.pkt.daddr : skb.pkt.saddr);
  const iif = bySaddr && state.hook === 'forward' && state.oif ? state.oif : 'lo';
  const key = {
    iif,
    mark: flags.includes('mark') ? skb.mark >>> 0 : 0,
    ...(other ? { saddr: other } : {}),
  };
  const r = routing.lookup(addr, key);
  if (result === 'type')
    return { type: r.type === 'unicast' ? 'unicast' : 'unreachable', oif: null };
  if (dev) {
    // `fib saddr . iif oif`: the route must leave by that device (fib_info_nh_uses_dev).
    const ok = r.type === 'unicast' && r.dev === dev;
    return { type: ok ? 'unicast' : 'unreachable', oif: ok ? dev : null };
  }
  // nft_fib4_eval stores no device for RTN_LOCAL and other non-unicast results.
  if (r.type === 'unicast') return { type: 'unicast', oif: r.dev };
  return { type: r.type, oif: null };
}
