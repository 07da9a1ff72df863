/**
 * The facts the walk's explanatory events carry (docs/spec/trace-json.md): the packet as it
 * is on the wire or at a hook, and a routing decision.
 */

import type { Packet } from '../../packet/packet.ts';
import type { RouteResult } from '../../routing/table.ts';
import type { RouteDetail, WirePacket } from '../trace.ts';
import { view } from './skb.ts';

/** The packet with the devices of the point it is seen at, its family and ICMP type/code. */
export function wirePacket(p: Packet, iif: string | null, oif: string | null): WirePacket {
  return {
    ...view(p, iif, oif),
    family: p.family,
    ...(p.icmp ? { icmpType: p.icmp.type, icmpCode: p.icmp.code } : {}),
    ...(p.tcp?.payload !== undefined
      ? {
          tcp: {
            flags: [...p.tcp.flags],
            seq: p.tcp.seq,
            ack: p.tcp.ackSeq,
            payload: p.tcp.payload,
          },
        }
      : {}),
  };
}

/** A routing decision for `daddr` as the trace's `route` event states it. */
export function routeDetail(
  r: RouteResult,
  decision: RouteDetail['decision'],
  daddr: string,
  inBrNetfilter = false,
  step?: RouteDetail['step'],
): RouteDetail {
  return {
    decision,
    daddr,
    ...(r.type === 'unicast'
      ? { dev: r.dev, nexthop: r.nexthop, ...(r.via ? { via: r.via } : {}) }
      : {}),
    ...(r.type === 'local' ? { dev: r.dev } : {}),
    inBrNetfilter,
    ...(step ? { step } : {}),
    ...(r.policy
      ? {
          rule: {
            priority: r.policy.priority,
            text: r.policy.text,
            table: r.policy.table,
            ...(r.policy.tableName ? { tableName: r.policy.tableName } : {}),
            suppressed: r.policy.suppressed,
          },
        }
      : {}),
  };
}

/** How a routing message names the ip rule that decided, when the host has policy routing. */
export function ruleSuffix(r: RouteResult): string {
  return r.policy ? ` (ip rule ${r.policy.text})` : '';
}
