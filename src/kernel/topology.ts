/**
 * A scenario built out of network namespaces: one for the host, one per machine behind a
 * bridge (its port a veth in the host's bridge), and one per other link, holding every
 * machine behind that link on one veth. Neighbours and bridge FDB entries are static and
 * IPv6 is off wherever no IPv6 address needs it, so no ARP, neighbour discovery or router
 * solicitation enters the trace.
 */

import { defaultGateway } from '../routing/gateway.ts';
import { inSubnet, parseAddress } from '../scenario/addresses.ts';
import type { Cidr, Machine, Scenario } from '../scenario/model.ts';
import { inNetns, run } from './exec.ts';

export interface Topology {
  hostNs: string;
  /** Every namespace made, the host's first. */
  namespaces: string[];
  /** The namespace a `from` (machine name or `host`) sends from. */
  nsOf(name: string): string;
  /** Every device of the host (for netdev trace chains). */
  hostDevices: string[];
  /** Machines by namespace (a link's namespace holds all machines behind it). */
  machinesIn: Map<string, Machine[]>;
}

const hex = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
/** MAC of the host's interface number i. */
const hostMac = (i: number) => `02:00:00:00:${hex(i)}:fe`;
/** MAC of the far end of link interface number i. */
const linkMac = (i: number) => `02:00:00:01:${hex(i)}:01`;
/** MAC of machine number j behind a bridge, when the scenario gives none. */
const machineMac = (j: number) => `02:00:00:02:${hex(j)}:01`;

const familyOf = (a: string) => {
  const p = parseAddress(a);
  return 'error' in p ? 4 : p.family;
};

/** `a/prefix`: the prefix of the interface network it lies in, else a host route. */
function withPrefix(address: string, networks: readonly Cidr[]): string {
  const net = networks.find((c) => inSubnet(address, c));
  return `${address}/${net ? net.prefix : familyOf(address) === 4 ? 32 : 128}`;
}

function usesIpv6(sc: Scenario): boolean {
  return (
    sc.host.interfaces.some((i) => i.addresses.some((c) => c.family === 6 && i.name !== 'lo')) ||
    sc.hosts.some((m) => m.addresses.some((a) => familyOf(a) === 6)) ||
    sc.packets.some((p) => familyOf(p.to) === 6)
  );
}

/**
 * Builds the scenario's namespaces. Each name is pushed to `created` as soon as it exists, so
 * a failure halfway still lets the caller remove everything.
 */
export async function buildTopology(
  sc: Scenario,
  prefix: string,
  created: string[],
): Promise<Topology> {
  const ipv6 = usesIpv6(sc);
  const ip = (ns: string, ...args: string[]) => run(['ip', '-n', ns, ...args]);
  const sysctl = (ns: string, ...settings: string[]) =>
    run(inNetns(ns, ['sysctl', '-q', '-w', ...settings]));
  const addNs = async (ns: string) => {
    await run(['ip', 'netns', 'add', ns]);
    created.push(ns);
    // Before any device exists, so every device is born without IPv6.
    await sysctl(ns, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    await ip(ns, 'link', 'set', 'lo', 'up');
  };
  const enableIpv6 = async (ns: string, dev: string) => {
    const k = (name: string) => `net/ipv6/conf/${dev}/${name}`;
    await sysctl(
      ns,
      `${k('disable_ipv6')}=0`,
      `${k('accept_dad')}=0`,
      `${k('accept_ra')}=0`,
      `${k('router_solicitations')}=0`,
    );
  };
  const addAddress = async (ns: string, dev: string, cidr: string) => {
    const v6 = familyOf(cidr.split('/')[0]!) === 6;
    await ip(ns, ...(v6 ? ['-6'] : []), 'addr', 'add', cidr, 'dev', dev, ...(v6 ? ['nodad'] : []));
  };
  const neigh = (ns: string, address: string, mac: string, dev: string) =>
    ip(ns, 'neigh', 'replace', address, 'lladdr', mac, 'dev', dev, 'nud', 'permanent');

  const hostNs = `${prefix}h`;
  await addNs(hostNs);
  const nsOfMachine = new Map<string, string>();
  const machinesIn = new Map<string, Machine[]>();
  const linkNs = new Map<string, string>();
  const macOfMachine = new Map<string, string>();
  const hostDevices: string[] = [];
  const ifaces = sc.host.interfaces;

  // Namespaces first (so devices created in them are born with their defaults).
  for (const [i, iface] of ifaces.entries()) {
    if (iface.name === 'lo' || iface.kind === 'bridge') continue;
    const ns = `${prefix}l${i}`;
    await addNs(ns);
    linkNs.set(iface.name, ns);
    machinesIn.set(ns, []);
  }
  for (const [j, m] of sc.hosts.entries()) {
    const iface = ifaces.find((x) => x.name === m.interface)!;
    let ns = linkNs.get(iface.name);
    if (iface.kind === 'bridge') {
      ns = `${prefix}m${j}`;
      await addNs(ns);
      machinesIn.set(ns, []);
    }
    nsOfMachine.set(m.name, ns!);
    machinesIn.get(ns!)!.push(m);
  }

  // The host's devices.
  for (const [i, iface] of ifaces.entries()) {
    if (iface.name === 'lo') {
      hostDevices.push('lo');
      continue;
    }
    if (iface.kind === 'bridge') {
      await ip(
        hostNs,
        'link',
        'add',
        iface.name,
        'address',
        hostMac(i),
        'type',
        'bridge',
        'stp_state',
        '0',
        'forward_delay',
        '0',
        'mcast_snooping',
        '0',
      );
    } else {
      await ip(
        hostNs,
        'link',
        'add',
        iface.name,
        'address',
        hostMac(i),
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'address',
        linkMac(i),
        'netns',
        linkNs.get(iface.name)!,
      );
    }
    await ip(hostNs, 'link', 'set', iface.name, 'addrgenmode', 'none');
    hostDevices.push(iface.name);
  }
  for (const [j, m] of sc.hosts.entries()) {
    const iface = ifaces.find((x) => x.name === m.interface)!;
    if (iface.kind !== 'bridge') continue;
    const mac = m.mac ?? machineMac(j);
    macOfMachine.set(m.name, mac);
    const port = m.port!;
    await ip(
      hostNs,
      'link',
      'add',
      port,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'address',
      mac,
      'netns',
      nsOfMachine.get(m.name)!,
    );
    await ip(hostNs, 'link', 'set', port, 'addrgenmode', 'none');
    await ip(hostNs, 'link', 'set', port, 'master', iface.name);
    hostDevices.push(port);
  }

  // IPv6 where an address needs it; addresses; links up.
  for (const iface of ifaces) {
    const v6 = iface.addresses.filter((c) => c.family === 6);
    if (ipv6 && (v6.length > 0 || iface.name === 'lo')) await enableIpv6(hostNs, iface.name);
    for (const c of iface.addresses) {
      if (
        iface.name === 'lo' &&
        ((c.address === '127.0.0.1' && c.prefix === 8) || c.address === '::1')
      )
        continue;
      await addAddress(hostNs, iface.name, `${c.address}/${c.prefix}`);
    }
  }
  for (const dev of hostDevices) if (dev !== 'lo') await ip(hostNs, 'link', 'set', dev, 'up');
  for (const [ns, machines] of machinesIn) {
    const iface =
      ifaces.find((x) => x.name === machines[0]?.interface) ??
      ifaces.find((x) => linkNs.get(x.name) === ns)!;
    await ip(ns, 'link', 'set', 'eth0', 'addrgenmode', 'none');
    if (ipv6 && machines.some((m) => m.addresses.some((a) => familyOf(a) === 6)))
      await enableIpv6(ns, 'eth0');
    for (const m of machines)
      for (const a of m.addresses) await addAddress(ns, 'eth0', withPrefix(a, iface.addresses));
    await ip(ns, 'link', 'set', 'eth0', 'up');
  }

  // Routes, neighbours and FDB entries.
  for (const r of sc.host.routes) {
    const v6 = r.to.family === 6;
    const to = r.to.prefix === 0 ? 'default' : `${r.to.address}/${r.to.prefix}`;
    await ip(
      hostNs,
      ...(v6 ? ['-6'] : []),
      'route',
      'add',
      to,
      ...(r.via ? ['via', r.via] : []),
      ...(r.dev ? ['dev', r.dev] : []),
    );
    const ns = r.dev ? linkNs.get(r.dev) : undefined;
    const i = ifaces.findIndex((x) => x.name === r.dev);
    if (r.via && ns) await neigh(hostNs, r.via, linkMac(i), r.dev!);
  }
  for (const [i, iface] of ifaces.entries()) {
    const ns = linkNs.get(iface.name);
    if (!ns) continue;
    for (const m of machinesIn.get(ns) ?? [])
      for (const a of m.addresses) await neigh(hostNs, a, linkMac(i), iface.name);
  }
  for (const m of sc.hosts) {
    const iface = ifaces.find((x) => x.name === m.interface)!;
    const i = ifaces.indexOf(iface);
    const ns = nsOfMachine.get(m.name)!;
    const facing = hostMac(i);
    if (iface.kind === 'bridge') {
      const mac = macOfMachine.get(m.name)!;
      for (const a of m.addresses) await neigh(hostNs, a, mac, iface.name);
      await run(
        inNetns(hostNs, ['bridge', 'fdb', 'replace', mac, 'dev', m.port!, 'master', 'static']),
      );
      // Its neighbours on the bridge: the other machines behind it. An IPv6 neighbour only
      // where this machine's namespace has IPv6 (an IPv4-only machine next to an IPv6 one has
      // it disabled on eth0, and `ip neigh` refuses: "IPv6 is disabled on this device").
      const selfV6 = (machinesIn.get(ns) ?? []).some((x) =>
        x.addresses.some((a) => familyOf(a) === 6),
      );
      for (const other of sc.hosts) {
        if (other === m || other.interface !== m.interface) continue;
        for (const a of other.addresses) {
          if (familyOf(a) === 6 && !(ipv6 && selfV6)) continue;
          await neigh(
            ns,
            a,
            macOfMachine.get(other.name) ?? machineMac(sc.hosts.indexOf(other)),
            'eth0',
          );
        }
      }
    }
    // The host's addresses on the facing interface, and the default route through it.
    const nsV6 = (machinesIn.get(ns) ?? []).some((x) => x.addresses.some((a) => familyOf(a) === 6));
    for (const c of iface.addresses)
      if (c.family === 4 || nsV6) await neigh(ns, c.address, facing, 'eth0');
    for (const family of [4, 6] as const) {
      if (!m.addresses.some((a) => familyOf(a) === family)) continue;
      const gateway = defaultGateway(m, iface, family);
      if (!gateway) continue;
      await neigh(ns, gateway, facing, 'eth0');
      await ip(
        ns,
        ...(family === 6 ? ['-6'] : []),
        'route',
        'replace',
        'default',
        'via',
        gateway,
        'dev',
        'eth0',
        'onlink',
      );
    }
  }

  // The host's sysctls, after its devices exist (some name a device).
  for (const [key, value] of Object.entries(sc.host.sysctl)) {
    await sysctl(hostNs, `${key}=${value}`);
  }
  return {
    hostNs,
    namespaces: [...created],
    nsOf: (name) => (name === 'host' ? hostNs : nsOfMachine.get(name)!),
    hostDevices,
    machinesIn,
  };
}
