/** Who put a packet on the wire, as the trace's first `send` says. */
import type { Scenario } from '../scenario/model.ts';
import { ownerOf } from './facts.ts';
import type { PacketWalk } from './walk.ts';

/**
 * The machine that sent the packet, or the host: a reset or ICMP error the host sends in
 * another machine's name carries that machine's address, but comes from the host.
 */
export function senderOf(scenario: Scenario, w: PacketWalk): string {
  if (w.send?.way === 'in') return w.send.machine;
  if (w.send?.way === 'local') return scenario.host.name;
  return w.first ? (ownerOf(scenario, w.first.saddr) ?? w.first.saddr) : '?';
}
