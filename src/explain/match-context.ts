/** What a rule sees of the packet, for telling why it matched or not. */
import type { PacketView } from '../netfilter/trace.ts';
import { ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES } from '../ruleset/icmp-types.ts';
import type { Family } from '../ruleset/model.ts';
import type { DocContext } from './context.ts';
import type { MatchContext } from './matches.ts';
import type { PacketWalk } from './walk.ts';

function icmpTypeName(family: 4 | 6, type: number): string | undefined {
  return (family === 4 ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES)[type];
}

/** The ICMP type a rule sees: the simulator's, else what the packet's role implies. */
function icmpTypeOf(
  w: PacketWalk,
  packet: PacketView,
  seen?: { icmpType?: number },
): string | undefined {
  const icmp = packet.protocol === 'icmp' || packet.protocol === 'icmpv6';
  if (!icmp) return undefined;
  const named =
    seen?.icmpType !== undefined
      ? icmpTypeName(packet.protocol === 'icmp' ? 4 : 6, seen.icmpType)
      : undefined;
  if (named) return named;
  if (w.role === 'request') return 'echo-request';
  if (w.role === 'reply') return 'echo-reply';
  if (w.role === 'icmp-error') return 'destination-unreachable';
  return undefined;
}

function tcpFlagsOf(w: PacketWalk, packet: PacketView): string[] | undefined {
  if (packet.protocol !== 'tcp') return undefined;
  if (w.role === 'request') return ['syn'];
  if (w.role === 'reply') return ['syn', 'ack'];
  if (w.role === 'reset') return ['rst', 'ack'];
  return undefined;
}

/**
 * What a rule sees of the packet. Beyond the trace's addresses and ports: nfwalk's packets are
 * the first of their kind, so a ping's request is an echo request and its reply an echo reply,
 * a TCP request is a SYN and its answer a SYN-ACK, and a reject sends a destination-unreachable
 * or a RST.
 */
export function matchContext(
  ctx: DocContext,
  w: PacketWalk,
  family: Family,
  table: string,
  packet: PacketView,
  /** What the simulator says of the packet as the chain saw it (skb mark, ICMP type). */
  seen?: { mark: number; icmpType?: number; icmpCode?: number },
): MatchContext {
  const icmpType = icmpTypeOf(w, packet, seen);
  const tcpFlags = tcpFlagsOf(w, packet);
  return {
    scenario: ctx.scenario,
    packet,
    ct: { state: w.ct.state, status: w.ct.status },
    ...(icmpType ? { icmpType } : {}),
    ...(tcpFlags ? { tcpFlags } : {}),
    ...(typeof seen?.mark === 'number' ? { mark: seen.mark } : {}),
    sets: ctx.ruleset.tables.find((t) => t.family === family && t.name === table)?.sets ?? [],
  };
}
