/**
 * A scenario built out of network namespaces: one for the host, one per machine behind a
 * bridge (its port a veth in the host's bridge), and one per other link, holding every
 * machine behind that link on one veth. Neighbours and bridge FDB entries are static and
 * IPv6 is off wherever no IPv6 address needs it, so no ARP, neighbour discovery or router
 * solicitation enters the trace.
 */

import { defaultGateway } from '../routing/gateway.ts';
import { inSubnet, parseAddress } from '../scenario/addresses.ts';
import type { Cidr, HostInterface, Machine, Scenario } from '../scenario/model.ts';
import { inNetns, run } from './exec.ts';
import { policyCommands, routeArgs } from './policy-routing.ts';

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
  const b = new TopologyBuilder(sc, prefix, created);
  await b.addNamespaces();
  await b.addHostDevices();
  await b.addBridgePorts();
  await b.addAddresses();
  await b.addHostRoutes();
  await b.addLinkNeighbours();
  for (const m of sc.hosts) await b.addMachineNeighbours(m);
  await b.applyHostSysctls();
  return b.topology();
}

/** The namespaces, devices and addresses of one scenario, made one step after the other. */
class TopologyBuilder {
  private readonly ipv6: boolean;
  private readonly hostNs: string;
  private readonly ifaces: readonly HostInterface[];
  private readonly nsOfMachine = new Map<string, string>();
  private readonly machinesIn = new Map<string, Machine[]>();
  private readonly linkNs = new Map<string, string>();
  private readonly macOfMachine = new Map<string, string>();
  private readonly hostDevices: string[] = [];
  private readonly sc: Scenario;
  private readonly prefix: string;
  private readonly created: string[];

  constructor(sc: Scenario, prefix: string, created: string[]) {
    this.sc = sc;
    this.prefix = prefix;
    this.created = created;
    this.ipv6 = usesIpv6(sc);
    this.hostNs = `${prefix}h`;
    this.ifaces = sc.host.interfaces;
  }

  topology(): Topology {
    const { hostNs, nsOfMachine } = this;
    return {
      hostNs,
      namespaces: [...this.created],
      nsOf: (name) => (name === 'host' ? hostNs : nsOfMachine.get(name)!),
      hostDevices: this.hostDevices,
      machinesIn: this.machinesIn,
    };
  }

  private ip(ns: string, ...args: string[]) {
    return run(['ip', '-n', ns, ...args]);
  }

  private sysctl(ns: string, ...settings: string[]) {
    return run(inNetns(ns, ['sysctl', '-q', '-w', ...settings]));
  }

  private async addNs(ns: string): Promise<void> {
    await run(['ip', 'netns', 'add', ns]);
    this.created.push(ns);
    // Before any device exists, so every device is born without IPv6.
    await this.sysctl(
      ns,
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    );
    await this.ip(ns, 'link', 'set', 'lo', 'up');
  }

  private async enableIpv6(ns: string, dev: string): Promise<void> {
    const k = (name: string) => `net/ipv6/conf/${dev}/${name}`;
    await this.sysctl(
      ns,
      `${k('disable_ipv6')}=0`,
      `${k('accept_dad')}=0`,
      `${k('accept_ra')}=0`,
      `${k('router_solicitations')}=0`,
    );
  }

  private async addAddress(ns: string, dev: string, cidr: string): Promise<void> {
    const v6 = familyOf(cidr.split('/')[0]!) === 6;
    await this.ip(
      ns,
      ...(v6 ? ['-6'] : []),
      'addr',
      'add',
      cidr,
      'dev',
      dev,
      ...(v6 ? ['nodad'] : []),
    );
  }

  private neigh(ns: string, address: string, mac: string, dev: string) {
    return this.ip(ns, 'neigh', 'replace', address, 'lladdr', mac, 'dev', dev, 'nud', 'permanent');
  }

  private hasIpv6(ns: string): boolean {
    return (this.machinesIn.get(ns) ?? []).some((x) => x.addresses.some((a) => familyOf(a) === 6));
  }

  /** Namespaces first (so devices created in them are born with their defaults). */
  async addNamespaces(): Promise<void> {
    const { prefix, ifaces } = this;
    await this.addNs(this.hostNs);
    for (const [i, iface] of ifaces.entries()) {
      if (iface.name === 'lo' || iface.kind === 'bridge') continue;
      const ns = `${prefix}l${i}`;
      await this.addNs(ns);
      this.linkNs.set(iface.name, ns);
      this.machinesIn.set(ns, []);
    }
    for (const [j, m] of this.sc.hosts.entries()) {
      const iface = ifaces.find((x) => x.name === m.interface)!;
      let ns = this.linkNs.get(iface.name);
      if (iface.kind === 'bridge') {
        ns = `${prefix}m${j}`;
        await this.addNs(ns);
        this.machinesIn.set(ns, []);
      }
      this.nsOfMachine.set(m.name, ns!);
      this.machinesIn.get(ns!)!.push(m);
    }
  }

  /** The host's devices: bridges, and a veth to each link's namespace. */
  async addHostDevices(): Promise<void> {
    const hostNs = this.hostNs;
    for (const [i, iface] of this.ifaces.entries()) {
      if (iface.name === 'lo') {
        this.hostDevices.push('lo');
        continue;
      }
      if (iface.kind === 'bridge') {
        await this.ip(
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
        await this.ip(
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
          this.linkNs.get(iface.name)!,
        );
      }
      await this.ip(hostNs, 'link', 'set', iface.name, 'addrgenmode', 'none');
      this.hostDevices.push(iface.name);
    }
  }

  /** A veth per machine behind a bridge, its host end a port of the bridge. */
  async addBridgePorts(): Promise<void> {
    const hostNs = this.hostNs;
    for (const [j, m] of this.sc.hosts.entries()) {
      const iface = this.ifaces.find((x) => x.name === m.interface)!;
      if (iface.kind !== 'bridge') continue;
      const mac = m.mac ?? machineMac(j);
      this.macOfMachine.set(m.name, mac);
      const port = m.port!;
      await this.ip(
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
        this.nsOfMachine.get(m.name)!,
      );
      await this.ip(hostNs, 'link', 'set', port, 'addrgenmode', 'none');
      await this.ip(hostNs, 'link', 'set', port, 'master', iface.name);
      this.hostDevices.push(port);
    }
  }

  /** IPv6 where an address needs it; addresses; links up. */
  async addAddresses(): Promise<void> {
    const { hostNs, ifaces, ipv6 } = this;
    for (const iface of ifaces) {
      const v6 = iface.addresses.filter((c) => c.family === 6);
      if (ipv6 && (v6.length > 0 || iface.name === 'lo')) await this.enableIpv6(hostNs, iface.name);
      for (const c of iface.addresses) {
        if (
          iface.name === 'lo' &&
          ((c.address === '127.0.0.1' && c.prefix === 8) || c.address === '::1')
        )
          continue;
        await this.addAddress(hostNs, iface.name, `${c.address}/${c.prefix}`);
      }
    }
    for (const dev of this.hostDevices)
      if (dev !== 'lo') await this.ip(hostNs, 'link', 'set', dev, 'up');
    for (const [ns, machines] of this.machinesIn) {
      const iface =
        ifaces.find((x) => x.name === machines[0]?.interface) ??
        ifaces.find((x) => this.linkNs.get(x.name) === ns)!;
      await this.ip(ns, 'link', 'set', 'eth0', 'addrgenmode', 'none');
      if (ipv6 && this.hasIpv6(ns)) await this.enableIpv6(ns, 'eth0');
      for (const m of machines)
        for (const a of m.addresses)
          await this.addAddress(ns, 'eth0', withPrefix(a, iface.addresses));
      await this.ip(ns, 'link', 'set', 'eth0', 'up');
    }
  }

  /**
   * The host's routes (main, then the policy tables), with a static neighbour for each
   * gateway on a link, then its ip rules.
   */
  async addHostRoutes(): Promise<void> {
    const policy = policyCommands(this.sc.host);
    const routes = [
      ...this.sc.host.routes.map((route) => ({ route, args: routeArgs(route) })),
      ...policy.routes,
    ];
    for (const { route: r, args } of routes) {
      await this.ip(this.hostNs, ...args);
      const ns = r.dev ? this.linkNs.get(r.dev) : undefined;
      const i = this.ifaces.findIndex((x) => x.name === r.dev);
      if (r.via && ns) await this.neigh(this.hostNs, r.via, linkMac(i), r.dev!);
    }
    for (const args of policy.rules) await this.ip(this.hostNs, ...args);
  }

  /** The host's neighbours behind each link: every machine there, at the link's far end. */
  async addLinkNeighbours(): Promise<void> {
    for (const [i, iface] of this.ifaces.entries()) {
      const ns = this.linkNs.get(iface.name);
      if (!ns) continue;
      for (const m of this.machinesIn.get(ns) ?? [])
        for (const a of m.addresses) await this.neigh(this.hostNs, a, linkMac(i), iface.name);
    }
  }

  /** One machine's neighbours (and the host's and bridge's view of it) and default routes. */
  async addMachineNeighbours(m: Machine): Promise<void> {
    const iface = this.ifaces.find((x) => x.name === m.interface)!;
    const i = this.ifaces.indexOf(iface);
    const ns = this.nsOfMachine.get(m.name)!;
    const facing = hostMac(i);
    if (iface.kind === 'bridge') await this.addBridgeNeighbours(m, iface, ns);
    // The host's addresses on the facing interface, and the default route through it.
    const nsV6 = this.hasIpv6(ns);
    for (const c of iface.addresses)
      if (c.family === 4 || nsV6) await this.neigh(ns, c.address, facing, 'eth0');
    for (const family of [4, 6] as const) {
      if (!m.addresses.some((a) => familyOf(a) === family)) continue;
      const gateway = defaultGateway(m, iface, family);
      if (!gateway) continue;
      await this.neigh(ns, gateway, facing, 'eth0');
      await this.ip(
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

  /** A machine behind a bridge: the host's neighbour and FDB entries, and its bridge mates. */
  private async addBridgeNeighbours(m: Machine, iface: HostInterface, ns: string): Promise<void> {
    const mac = this.macOfMachine.get(m.name)!;
    for (const a of m.addresses) await this.neigh(this.hostNs, a, mac, iface.name);
    await run(
      inNetns(this.hostNs, ['bridge', 'fdb', 'replace', mac, 'dev', m.port!, 'master', 'static']),
    );
    // Its neighbours on the bridge: the other machines behind it. An IPv6 neighbour only
    // where this machine's namespace has IPv6 (an IPv4-only machine next to an IPv6 one has
    // it disabled on eth0, and `ip neigh` refuses: "IPv6 is disabled on this device").
    const selfV6 = this.hasIpv6(ns);
    const hosts = this.sc.hosts;
    for (const other of hosts) {
      if (other === m || other.interface !== m.interface) continue;
      for (const a of other.addresses) {
        if (familyOf(a) === 6 && !(this.ipv6 && selfV6)) continue;
        const otherMac = this.macOfMachine.get(other.name) ?? machineMac(hosts.indexOf(other));
        await this.neigh(ns, a, otherMac, 'eth0');
      }
    }
  }

  /** The host's sysctls, after its devices exist (some name a device). */
  async applyHostSysctls(): Promise<void> {
    for (const [key, value] of Object.entries(this.sc.host.sysctl)) {
      await this.sysctl(this.hostNs, `${key}=${value}`);
    }
  }
}
