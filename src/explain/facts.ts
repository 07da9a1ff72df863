/**
 * Facts about the scenario that the explanation states: which addresses are local, which
 * interface and machine an address belongs to, and how a packet is written on the page.
 * Everything here is derived from the scenario, never from the page's language.
 */
import ipaddr from 'ipaddr.js';
import type { Cidr, Machine, Scenario } from '../scenario/model.ts';

export interface FlowView {
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
}

function endpoint(addr: string, port: number | null): string {
  if (port === null) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `10.254.10.105:40000 → 172.20.0.4:1812`, the way the seed article writes a packet. */
export function flowText(v: FlowView): string {
  return `${endpoint(v.saddr, v.sport)} → ${endpoint(v.daddr, v.dport)}`;
}

export function endpointText(addr: string, port: number | null): string {
  return endpoint(addr, port);
}

function parse(addr: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    return ipaddr.parse(addr);
  } catch {
    return undefined;
  }
}

export function familyOf(addr: string): 4 | 6 {
  return addr.includes(':') ? 6 : 4;
}

function inCidr(addr: string, cidr: Cidr): boolean {
  const a = parse(addr);
  const n = parse(cidr.address);
  if (!a || !n || a.kind() !== n.kind()) return false;
  return a.match(n, cidr.prefix);
}

export function inPrefix(addr: string, prefixText: string): boolean {
  const [net, len] = prefixText.split('/');
  if (net === undefined || len === undefined) return false;
  return inCidr(addr, { address: net, prefix: Number(len), family: familyOf(net) });
}

function same(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || x.kind() !== y.kind()) return a === b;
  return x.toNormalizedString() === y.toNormalizedString();
}

export function sameAddress(a: string, b: string): boolean {
  return same(a, b);
}

export interface LocalAddress {
  iface: string;
  address: string;
}

/** The host's own addresses of one family, interface by interface (what `fib … type local` finds). */
export function localAddresses(scenario: Scenario, family: 4 | 6): LocalAddress[] {
  const out: LocalAddress[] = [];
  for (const i of scenario.host.interfaces) {
    for (const a of i.addresses)
      if (a.family === family) out.push({ iface: i.name, address: a.address });
  }
  return out;
}

export function localIface(scenario: Scenario, addr: string): string | undefined {
  for (const i of scenario.host.interfaces) {
    for (const a of i.addresses) if (same(a.address, addr)) return i.name;
  }
  return undefined;
}

/** The host interface whose connected subnet holds `addr`. */
export function connectedIface(
  scenario: Scenario,
  addr: string,
): { iface: string; cidr: Cidr } | undefined {
  for (const i of scenario.host.interfaces) {
    if (i.name === 'lo') continue;
    for (const a of i.addresses) if (inCidr(addr, a)) return { iface: i.name, cidr: a };
  }
  return undefined;
}

export function machineByAddress(scenario: Scenario, addr: string): Machine | undefined {
  return scenario.hosts.find((m) => m.addresses.some((a) => same(a, addr)));
}

/** Who owns an address: a machine's name, the host, or nobody the scenario knows. */
export function ownerOf(scenario: Scenario, addr: string): string | undefined {
  if (localIface(scenario, addr)) return scenario.host.name;
  return machineByAddress(scenario, addr)?.name;
}

export function cidrText(c: Cidr): string {
  return `${c.address}/${c.prefix}`;
}

/** The subnet of an interface address: 172.20.0.1/24 → 172.20.0.0/24. */
export function subnetText(c: Cidr): string {
  try {
    const net =
      c.family === 4
        ? ipaddr.IPv4.networkAddressFromCIDR(`${c.address}/${c.prefix}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${c.address}/${c.prefix}`);
    return `${net.toString()}/${c.prefix}`;
  } catch {
    return cidrText(c);
  }
}

export interface NatDelta {
  field: 'source' | 'destination' | 'both';
  from: string;
  to: string;
}

/** What a translation changed, as endpoints: destination 10.254.10.252:1812 → 172.20.0.4:1812. */
export function natDelta(before: FlowView, after: FlowView): NatDelta {
  const src = before.saddr !== after.saddr || before.sport !== after.sport;
  const dst = before.daddr !== after.daddr || before.dport !== after.dport;
  if (src && !dst) {
    return {
      field: 'source',
      from: endpoint(before.saddr, before.sport),
      to: endpoint(after.saddr, after.sport),
    };
  }
  if (dst && !src) {
    return {
      field: 'destination',
      from: endpoint(before.daddr, before.dport),
      to: endpoint(after.daddr, after.dport),
    };
  }
  return { field: 'both', from: flowText(before), to: flowText(after) };
}

export function bridgeOfPort(scenario: Scenario, port: string): string | undefined {
  const m = scenario.hosts.find((h) => h.port === port);
  return m?.interface;
}

export function isBridge(scenario: Scenario, iface: string): boolean {
  return scenario.host.interfaces.some((i) => i.name === iface && i.kind === 'bridge');
}
