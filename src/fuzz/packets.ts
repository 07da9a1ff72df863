/**
 * The conversations of a case: requests between the machines and the host, in both
 * directions, TCP, UDP and ICMP echo, to the ports the rules and sockets also use. Two
 * machines on the same plain link talk without the host, so they are never paired.
 */
import type { FuzzCase, FuzzPacket } from './case.ts';
import type { Random } from './random.ts';
import { PORTS } from './topology.ts';

export interface Endpoint {
  name: string;
  /** The host interface it is behind (undefined for the host). */
  via?: string;
  bridged: boolean;
  addresses: string[];
}

const v6 = (a: string) => a.includes(':');

export function endpoints(c: Omit<FuzzCase, 'packets' | 'tables' | 'seed'>): Endpoint[] {
  const bridges = new Set(c.host.interfaces.filter((i) => i.kind === 'bridge').map((i) => i.name));
  const host: Endpoint = {
    name: 'host',
    bridged: false,
    addresses: c.host.interfaces
      .filter((i) => i.name !== 'lo')
      .flatMap((i) => i.addresses.map((a) => a.split('/')[0]!)),
  };
  return [
    host,
    ...c.machines.map((m) => ({
      name: m.name,
      via: m.interface,
      bridged: bridges.has(m.interface),
      addresses: m.addresses,
    })),
  ];
}

/** Whether a request from `a` to `b` crosses the host at all. */
export function crossesHost(a: Endpoint, b: Endpoint): boolean {
  if (a === b) return false;
  if (a.name === 'host' || b.name === 'host') return true;
  return a.via !== b.via || a.bridged;
}

export function packets(r: Random, c: Omit<FuzzCase, 'packets' | 'tables' | 'seed'>): FuzzPacket[] {
  const all = endpoints(c);
  const out: FuzzPacket[] = [];
  const usedPorts = new Set<number>();
  const n = r.int(2, 6);
  for (let i = 0; out.length < n && i < n * 4; i++) {
    const previous = out.filter((p) => p.protocol !== 'icmp' && p.protocol !== 'icmpv6');
    if (previous.length > 0 && r.chance(0.08)) {
      // The same conversation again: conntrack already knows it.
      out.push({ ...r.pick(previous) });
      continue;
    }
    const from = r.weighted(all.map((e) => [e, e.name === 'host' ? 1 : 3] as const));
    const peers = all.filter((e) => crossesHost(from, e));
    if (peers.length === 0) continue;
    const to = r.pick(peers);
    const families = [false, true].filter(
      (six) => from.addresses.some((a) => v6(a) === six) && to.addresses.some((a) => v6(a) === six),
    );
    if (families.length === 0) continue;
    const six = r.pick(families);
    const daddr = r.pick(to.addresses.filter((a) => v6(a) === six));
    const protocol = r.weighted([
      ['tcp', 45],
      ['udp', 35],
      [six ? 'icmpv6' : 'icmp', 20],
    ] as const);
    if (protocol === 'icmp' || protocol === 'icmpv6') {
      out.push({ from: from.name, to: daddr, protocol });
      continue;
    }
    let sport = r.int(30000, 59999);
    while (usedPorts.has(sport)) sport = r.int(30000, 59999);
    usedPorts.add(sport);
    out.push({ from: from.name, to: daddr, protocol, sport, dport: r.pick(PORTS) });
  }
  return out;
}
