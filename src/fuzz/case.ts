/**
 * A fuzz case as data: the host, the machines around it, the conversations and the ruleset's
 * tables, chains, sets and rules. Kept as data (not text) so the shrinker can remove one part
 * at a time; written out as a scenario file (YAML through the `yaml` library) and an nft
 * script only at the end.
 */
import { stringify } from 'yaml';

export interface FuzzInterface {
  name: string;
  kind?: 'bridge';
  /** CIDRs. */
  addresses: string[];
}

export interface FuzzRoute {
  to: string;
  via?: string;
  dev?: string;
}

/** A routing table beyond main (scenario extension `host.tables`). */
export interface FuzzRouteTable {
  id: number;
  routes: FuzzRoute[];
}

/** An ip rule (scenario extension `host.rules`), keys as the scenario writes them. */
export interface FuzzIpRule {
  priority: number;
  not?: boolean;
  from?: string;
  to?: string;
  fwmark?: string;
  iif?: string;
  oif?: string;
  family?: 'ipv4' | 'ipv6';
  table: number | 'main';
  suppress_prefixlength?: number;
}

/** One TCP segment of a conversation that lists them (scenario extension `segments`). */
export interface FuzzSegment {
  dir: 'request' | 'reply';
  flags: string[];
  payload?: number;
  seq?: number;
  ack?: number;
}

export interface FuzzMachine {
  name: string;
  interface: string;
  /** Behind a bridge: the bridge port's name. */
  port?: string;
  addresses: string[];
  listens: string[];
}

export interface FuzzPacket {
  from: string;
  to: string;
  protocol: 'tcp' | 'udp' | 'icmp' | 'icmpv6';
  sport?: number;
  dport?: number;
  /** The sender's address (a segments conversation from the host needs one). */
  saddr?: string;
  segments?: FuzzSegment[];
}

export type ChainType = 'filter' | 'nat' | 'route';
export type FuzzHook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress';
export type FuzzFamily = 'ip' | 'ip6' | 'inet' | 'bridge' | 'netdev';

export interface FuzzBaseChain {
  type: ChainType;
  hook: FuzzHook;
  priority: number;
  policy: 'accept' | 'drop';
  /** netdev ingress: the device. */
  device?: string;
}

export interface FuzzChain {
  name: string;
  base?: FuzzBaseChain;
  /** Each rule as nft text. */
  rules: string[];
}

export interface FuzzSet {
  name: string;
  /** The declaration's lines: `type …`, `flags …`, `elements = { … }`. */
  lines: string[];
}

export interface FuzzTable {
  family: FuzzFamily;
  name: string;
  sets: FuzzSet[];
  chains: FuzzChain[];
}

export interface FuzzCase {
  seed: number;
  /** What kind of network: router, host, bridge. */
  shape: string;
  host: {
    interfaces: FuzzInterface[];
    routes: FuzzRoute[];
    sysctl: Record<string, number>;
    listens: string[];
    /** Policy routing: tables beyond main, and ip rules. */
    tables?: FuzzRouteTable[];
    rules?: FuzzIpRule[];
  };
  machines: FuzzMachine[];
  packets: FuzzPacket[];
  tables: FuzzTable[];
}

/** The ruleset as an `nft -f` script. */
export function rulesetText(c: FuzzCase): string {
  const out: string[] = [];
  for (const t of c.tables) {
    out.push(`table ${t.family} ${t.name} {`);
    for (const s of t.sets) {
      const kind = s.lines.some((l) => /^type \S+ : /.test(l)) ? 'map' : 'set';
      out.push(`\t${kind} ${s.name} {`);
      for (const l of s.lines) out.push(`\t\t${l}`);
      out.push('\t}', '');
    }
    for (const ch of t.chains) {
      out.push(`\tchain ${ch.name} {`);
      const b = ch.base;
      if (b) {
        const device = b.device ? ` device "${b.device}"` : '';
        out.push(
          `\t\ttype ${b.type} hook ${b.hook}${device} priority ${b.priority}; policy ${b.policy};`,
        );
      }
      for (const r of ch.rules) out.push(`\t\t${r}`);
      out.push('\t}', '');
    }
    if (out[out.length - 1] === '') out.pop();
    out.push('}', '');
  }
  return out.join('\n');
}

/** The scenario file, naming the ruleset file beside it. */
export function scenarioText(c: FuzzCase, rulesetFile: string): string {
  const doc = {
    title: `fuzz seed ${c.seed} (${c.shape})`,
    ruleset: rulesetFile,
    host: {
      name: 'host',
      interfaces: c.host.interfaces.map((i) => ({
        name: i.name,
        ...(i.kind ? { kind: i.kind } : {}),
        addresses: i.addresses,
      })),
      ...(c.host.routes.length > 0 ? { routes: c.host.routes } : {}),
      ...(Object.keys(c.host.sysctl).length > 0 ? { sysctl: c.host.sysctl } : {}),
      ...(c.host.listens.length > 0 ? { listens: c.host.listens } : {}),
      ...(c.host.tables && c.host.tables.length > 0 ? { tables: c.host.tables } : {}),
      ...(c.host.rules && c.host.rules.length > 0 ? { rules: c.host.rules } : {}),
    },
    hosts: c.machines.map((m) => ({
      name: m.name,
      interface: m.interface,
      ...(m.port ? { port: m.port } : {}),
      addresses: m.addresses,
      ...(m.listens.length > 0 ? { listens: m.listens } : {}),
    })),
    packets: c.packets.map((p) =>
      p.segments ? { ...p, segments: p.segments.map((g) => ({ ...g })) } : p,
    ),
  };
  return stringify(doc, null, { lineWidth: 0 });
}
