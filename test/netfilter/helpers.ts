/**
 * Builders for simulator tests: rulesets from nft text (nfwalk's own parser), scenarios as
 * objects (a router between two links, optionally with a bridge), and compact views of traces.
 */
import type { InfoEvent, InfoType, Trace, TraceEvent } from '../../src/netfilter/trace.ts';
import type { Ruleset } from '../../src/ruleset/model.ts';
import { parseNft } from '../../src/ruleset/nft/index.ts';
import type {
  Cidr,
  HostInterface,
  Machine,
  PacketSpec,
  Scenario,
} from '../../src/scenario/model.ts';

export function nft(text: string): Ruleset {
  return parseNft(text, 'test.nft');
}

function cidr(text: string): Cidr {
  const [address, prefix] = text.split('/') as [string, string];
  return { address, prefix: Number(prefix), family: address.includes(':') ? 6 : 4 };
}

export function iface(
  name: string,
  addresses: string[],
  kind: 'link' | 'bridge' = 'link',
): HostInterface {
  return { name, kind, addresses: addresses.map(cidr) };
}

export function machine(
  name: string,
  dev: string,
  addresses: string[],
  listens: string[] = [],
  port?: string,
): Machine {
  return {
    name,
    interface: dev,
    addresses,
    listens: listens.map((l) => {
      const [protocol, p] = l.split('/') as ['tcp' | 'udp', string];
      return { protocol, port: Number(p) };
    }),
    ...(port ? { port } : {}),
  };
}

export interface ScenarioOptions {
  packets: PacketSpec[];
  sysctl?: Record<string, number>;
  listens?: string[];
  bridge?: boolean;
  routes?: Scenario['host']['routes'];
}

/**
 * A router: ens1 10.1.0.1/24 (client 10.1.0.5), ens2 10.2.0.1/24 (server 10.2.0.5 with udp/53
 * and tcp/80 open); with `bridge`, br0 172.30.0.1/24 with c1 172.30.0.2 and c2 172.30.0.3
 * (udp/5000 open on both).
 */
export function router(o: ScenarioOptions): Scenario {
  const interfaces = [
    iface('lo', ['127.0.0.1/8']),
    iface('ens1', ['10.1.0.1/24']),
    iface('ens2', ['10.2.0.1/24']),
  ];
  const hosts = [
    machine('client', 'ens1', ['10.1.0.5']),
    machine('server', 'ens2', ['10.2.0.5'], ['udp/53', 'tcp/80']),
  ];
  if (o.bridge) {
    interfaces.push(iface('br0', ['172.30.0.1/24'], 'bridge'));
    hosts.push(machine('c1', 'br0', ['172.30.0.2'], ['udp/5000'], 'vethc1'));
    hosts.push(machine('c2', 'br0', ['172.30.0.3'], ['udp/5000'], 'vethc2'));
  }
  return {
    file: 'test.yaml',
    title: 'test',
    lang: 'en',
    ruleset: { format: 'nft', path: 'test.nft', resolved: '/dev/null' },
    host: {
      name: 'host',
      interfaces,
      routes: o.routes ?? [],
      sysctl: {
        'net.ipv4.ip_forward': 1,
        'net.ipv6.conf.all.forwarding': 0,
        'net.bridge.bridge-nf-call-iptables': 1,
        'net.bridge.bridge-nf-call-ip6tables': 1,
        ...o.sysctl,
      },
      listens: (o.listens ?? []).map((l) => {
        const [protocol, p] = l.split('/') as ['tcp' | 'udp', string];
        return { protocol, port: Number(p) };
      }),
    },
    hosts,
    packets: o.packets,
  };
}

export function udp(from: string, to: string, sport: number, dport: number): PacketSpec {
  return { from, to, protocol: 'udp', sport, dport };
}

export function tcp(from: string, to: string, sport: number, dport: number): PacketSpec {
  return { from, to, protocol: 'tcp', sport, dport };
}

/** One line per compared event: `enter ip t c iif>oif saddr>daddr`, `rule t c #i verdict`, `policy t c v`. */
export function compact(events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'enter') {
      const p = e.packet;
      const ep = (a: string, port: number | null) => (port === null ? a : `${a}:${port}`);
      out.push(
        `enter ${e.family} ${e.table} ${e.chain} ${p.iif ?? '-'}>${p.oif ?? '-'} ${ep(p.saddr, p.sport)}>${ep(p.daddr, p.dport)}`,
      );
    } else if (e.type === 'rule') out.push(`rule ${e.table} ${e.chain} #${e.index} ${e.verdict}`);
    else if (e.type === 'policy') out.push(`policy ${e.table} ${e.chain} ${e.verdict}`);
  }
  return out;
}

export function packetEvents(t: Trace, conversation: number, packet: number): TraceEvent[] {
  const p = t.conversations[conversation]?.packets[packet];
  if (!p) throw new Error(`no packet ${packet} in conversation ${conversation}`);
  return p.events;
}

export function roles(t: Trace, conversation: number): string[] {
  return (t.conversations[conversation]?.packets ?? []).map((p) => p.role);
}

/** The chains a packet entered, as `family table chain`. */
export function entered(events: readonly TraceEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'enter' ? [`${e.family} ${e.table} ${e.chain}`] : []));
}

/** The explanatory events of one type, typed by it. */
export function infoEvents<T extends InfoType>(
  events: readonly TraceEvent[],
  type: T,
): Extract<InfoEvent, { type: T }>[] {
  return events.filter((e): e is Extract<InfoEvent, { type: T }> => e.type === type);
}
