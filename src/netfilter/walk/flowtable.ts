/**
 * Flowtables, the software fast path (net/netfilter/nf_flow_table_core.c,
 * nf_flow_table_ip.c, nft_flow_offload.c).
 *
 * `flow add @ft` in a forward chain (nft_flow_offload_eval) puts a confirmed UDP connection,
 * or an ESTABLISHED TCP one, into the flowtable, with each direction's input device and route
 * (nft_flow_route: this packet's route, and a lookup towards its source for the other
 * direction). The flowtable registers a netdev ingress hook on each of its devices, at its
 * priority (nf_flow_offload_ip_hook). A packet coming in on such a device whose tuple and
 * input device match an entry (flow_offload_lookup, iifidx part of the key) is forwarded from
 * there: NAT from the connection's tuples (nf_flow_nat_ip), ttl decremented
 * (ip_decrease_ttl), and neigh_xmit out of the cached route's device (NF_STOLEN). It meets no
 * prerouting, forward or postrouting hook and no conntrack lookup; the transmit still crosses
 * the output device's egress. A FIN or RST of a TCP flow tears the entry down and goes the
 * ordinary way (nf_flow_state_check). Not looked up: packets with ttl ≤ 1, IP options or
 * fragments (nf_flow_tuple_ip), which no scenario packet has but the ttl.
 */
import type { Connection, Direction, FlowOffloadTuple } from '../../conntrack/table.ts';
import { invert, type Tuple, tupleOf } from '../../conntrack/tuple.ts';
import type { RouteResult } from '../../routing/table.ts';
import type { Chain, Flowtable, Rule, Table } from '../../ruleset/model.ts';
import type { Effect } from '../env.ts';
import type { Endpoints } from '../trace.ts';
import type { HookState } from './env.ts';
import type { Arrival, Verdict, WalkServices } from './services.ts';
import type { Skb } from './skb.ts';

type OffloadEffect = Extract<Effect, { kind: 'flow-offload' }>;
type Unicast = Extract<RouteResult, { type: 'unicast' }>;

export interface FlowtableServices extends WalkServices {
  /** ip_finish_output2 → neighbour → device: the packet leaves by `route`. */
  transmit(skb: Skb, route: Unicast): Arrival;
}

export class FlowtablePath {
  private readonly w: FlowtableServices;
  /** Where the packet the fast path took went (the hook itself only says NF_STOLEN). */
  private taken: Arrival | undefined;
  /** Each offloaded connection's cached routes (flow_offload_route_init: the dst entries). */
  private readonly dsts = new WeakMap<Connection, Record<Direction, Unicast>>();

  constructor(walk: FlowtableServices) {
    this.w = walk;
  }

  /** The arrival of the packet the fast path just forwarded, once. */
  takeArrival(): Arrival | undefined {
    const a = this.taken;
    this.taken = undefined;
    return a;
  }

  /** A `flow add` statement's effect: the entry is added, or the refusal is told. */
  offload(skb: Skb, e: OffloadEffect, table: Table, rule: Rule, chain: Chain, s: HookState): void {
    const ct = skb.ct;
    const base = {
      family: table.family,
      table: table.name,
      flowtable: e.flowtable,
      devices: e.devices,
      chain: chain.name,
      index: rule.index,
      direction: ct?.direction ?? null,
    };
    const where = `flowtable ${e.flowtable}`;
    const routes = ct && !e.refused ? this.routes(skb, ct.conn, ct.direction, s) : undefined;
    if (!ct || e.refused || !routes) {
      const reason = e.refused ?? 'no-route';
      this.w.info('flowtable', `flow add @${e.flowtable}: not offloaded (${reason})`, {
        step: 'refused',
        ...base,
        reason,
      });
      return;
    }
    ct.conn.status.add('offload');
    ct.conn.offload = {
      family: table.family,
      table: table.name,
      flowtable: e.flowtable,
      original: tupleOfRoute(routes.original),
      reply: tupleOfRoute(routes.reply),
    };
    this.dsts.set(ct.conn, { original: routes.original.dst, reply: routes.reply.dst });
    this.w.info(
      'flowtable',
      `flow add @${e.flowtable}: the connection is offloaded to the ${where}; its next packets on ${e.devices.join(', ')} take the fast path from the ingress hook`,
      { step: 'offload', ...base },
    );
  }

  /**
   * nft_flow_route: this direction leaves by the packet's route; the other comes in on the
   * device this packet leaves by and goes back towards this packet's source, on the device it
   * came in on (flowi4_oif = nft_in(pkt)); no route back, no offload.
   */
  private routes(
    skb: Skb,
    conn: Connection,
    dir: Direction,
    s: HookState,
  ): Record<Direction, { iif: string; dst: Unicast }> | undefined {
    const out = skb.dst;
    if (out?.type !== 'unicast' || !s.iif) return undefined;
    const back = this.w.d.routing.lookup(conn[dir].saddr);
    if (back.type !== 'unicast' || back.dev !== s.iif) return undefined;
    const here = { iif: s.iif, dst: out };
    const there = { iif: out.dev, dst: back };
    return dir === 'original' ? { original: here, reply: there } : { original: there, reply: here };
  }

  /** nf_flow_offload_ip_hook on `state.iif`, for flowtable `ft` of `table`. */
  fastPath(skb: Skb, table: Table, ft: Flowtable, state: HookState): Verdict {
    const p = skb.pkt;
    const dev = state.iif ?? '';
    if ((p.l4proto !== 'tcp' && p.l4proto !== 'udp') || p.ttl <= 1) return 'accept';
    const found = this.w.d.conntrack.find(tupleOf(p));
    const off = found?.conn.offload;
    if (!found || !off || off.family !== table.family || off.table !== table.name) return 'accept';
    if (off.flowtable !== ft.name || off[found.direction].iif !== dev) return 'accept';
    const where = { family: table.family, table: table.name, flowtable: ft.name, dev };
    if (p.tcp && (p.tcp.flags.includes('fin') || p.tcp.flags.includes('rst'))) {
      delete found.conn.offload;
      found.conn.status.delete('offload');
      this.w.info(
        'flowtable',
        `flowtable ${ft.name}: a TCP ${p.tcp.flags.includes('rst') ? 'RST' : 'FIN'} ends the offloaded flow; the packet goes the ordinary way`,
        { step: 'teardown', ...where },
      );
      return 'accept';
    }
    const route = this.dsts.get(found.conn)?.[found.direction];
    if (!route) return 'accept';
    const before = endpoints(p);
    // nf_flow_nat_ip: the packet leaves as the inverse of the other direction's tuple.
    const other = found.direction === 'original' ? found.conn.reply : found.conn.original;
    const after = invert(other);
    rewrite(skb, after);
    p.ttl -= 1;
    if (p.ether) delete p.ether;
    this.w.info(
      'flowtable',
      `flowtable ${ft.name}: the ${found.direction} direction of an offloaded connection: forwarded from the ingress hook of ${dev} out of ${route.dev}, without prerouting, forward or postrouting`,
      {
        step: 'fast-path',
        ...where,
        out: route.dev,
        nexthop: route.nexthop,
        direction: found.direction,
        before,
        after: endpoints(p),
      },
    );
    skb.dst = route;
    this.taken = this.w.transmit(skb, route);
    return 'stolen';
  }
}

function tupleOfRoute(r: { iif: string; dst: Unicast }): FlowOffloadTuple {
  return { iif: r.iif, dev: r.dst.dev, nexthop: r.dst.nexthop };
}

function endpoints(p: Skb['pkt']): Endpoints {
  return {
    saddr: p.saddr,
    daddr: p.daddr,
    ...(p.sport !== undefined ? { sport: p.sport } : {}),
    ...(p.dport !== undefined ? { dport: p.dport } : {}),
  };
}

function rewrite(skb: Skb, t: Tuple): void {
  const p = skb.pkt;
  p.saddr = t.saddr;
  p.daddr = t.daddr;
  if (t.sport !== undefined) p.sport = t.sport;
  if (t.dport !== undefined) p.dport = t.dport;
}
