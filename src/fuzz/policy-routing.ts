/**
 * Policy routing (issue 17's widened model) as multi-WAN routers, multi-homed servers and
 * wg-quick set it up: a second uplink with a machine behind it, a routing table of its own,
 * ip rules (priority, fwmark with and without a mask, from/to, iif/oif, suppress_prefixlength,
 * not), marks set in prerouting and in an output chain of type route (which routes the packet
 * again), the mark saved to and restored from `ct mark`, and nft `fib` expressions (reverse
 * path filter, address types, the output device). Drawn from the case's second random stream
 * (generate.ts). The same draws give the IPv6 part of a setup (policy-routing6.ts): each
 * function takes `six`, and with it draws IPv6 addresses, rules, matches and packets.
 */
import type {
  FuzzCase,
  FuzzChain,
  FuzzInterface,
  FuzzIpRule,
  FuzzMachine,
  FuzzPacket,
  FuzzRouteTable,
  FuzzTable,
} from './case.ts';
import type { Random } from './random.ts';
import { PORTS } from './topology.ts';

type Net = Omit<FuzzCase, 'seed' | 'tables'>;

const MARKS = [0x1, 0x2, 0x10, 0xca6c] as const;
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
const v4 = (a: string) => !a.includes(':');
/** Whether an address or CIDR is of the family drawn (IPv6 when `six`). */
const ofFamily = (six: boolean) => (a: string) => a.includes(':') === six;
export const addr = (cidr: string) => cidr.split('/')[0]!;

/** What the drawn setup added: the uplink, its machine, its table, and what marks it. */
export interface PolicySetup {
  kind: 'multiwan' | 'wg';
  uplink: FuzzInterface;
  peer: FuzzMachine;
  table: FuzzRouteTable;
  rules: FuzzIpRule[];
}

/** The host's IPv4 networks other than the uplinks' (the LANs, the bridge, a DMZ). */
function inner(net: Net): FuzzInterface[] {
  const gwNets = net.host.routes.flatMap((r) => (r.via ? [r.via] : []));
  return net.host.interfaces.filter(
    (i) =>
      i.name !== 'lo' &&
      !i.addresses.some((a) =>
        gwNets.some(
          (g) => addr(a).split('.').slice(0, 3).join('.') === g.split('.').slice(0, 3).join('.'),
        ),
      ),
  );
}

function fwmark(r: Random): string {
  const m = r.pick(MARKS);
  return r.chance(0.25) ? `${hex(m)}/${r.pick(['0xff', '0xffff', '0xffffffff'])}` : hex(m);
}

/**
 * A multi-WAN router's rules for the uplink's table (IPv6 ones when `six`: the same kinds,
 * with the family's addresses, each rule saying its family).
 */
export function multiwanRules(
  r: Random,
  net: Net,
  s: Pick<PolicySetup, 'uplink' | 'peer' | 'table'>,
  six = false,
): FuzzIpRule[] {
  const is = ofFamily(six);
  const { uplink: up, peer } = s;
  const id = s.table.id;
  const lans = inner(net).filter((i) => i.name !== up.name && i.addresses.some(is));
  const lan = lans.length > 0 ? r.pick(lans) : undefined;
  const lanNet = lan?.addresses.find(is);
  const machines = net.machines.flatMap((m) => m.addresses.filter(is));
  const far = `${peer.addresses.filter(is)[1]}/${six ? 128 : 32}`;
  const draws = r.int(1, 4);
  const out: FuzzIpRule[] = [];
  for (let i = 0; i < draws; i++) {
    const priority = r.pick([100, 200, 1000, 32000, 32765, r.int(1, 32765)]);
    const not = r.chance(0.12);
    const family = six ? { family: 'ipv6' as const } : {};
    const base = { priority, ...family, ...(not ? { not } : {}), table: id } as FuzzIpRule;
    const kind = r.weighted([
      ['fwmark', 35],
      ['from-up', 15],
      ['from-lan', lanNet ? 12 : 0],
      ['to', 10],
      ['iif', lan ? 10 : 0],
      ['iif-lo', 4],
      ['oif', 3],
      ['suppress', 8],
      ['mix', lan ? 6 : 0],
    ] as const);
    switch (kind) {
      case 'fwmark':
        out.push({ ...base, fwmark: fwmark(r) });
        break;
      case 'from-up':
        out.push({ ...base, from: addr(up.addresses.find(is)!) });
        break;
      case 'from-lan':
        out.push({ ...base, from: r.chance(0.5) ? network(lanNet!) : r.pick(machines) });
        break;
      case 'to':
        out.push({ ...base, to: r.chance(0.6) ? far : r.pick(machines) });
        break;
      case 'iif':
        out.push({ ...base, iif: lan!.name });
        break;
      case 'iif-lo':
        out.push({ ...base, iif: 'lo' });
        break;
      case 'oif':
        out.push({ ...base, oif: up.name });
        break;
      case 'suppress':
        out.push({
          priority: Math.max(1, priority - 1),
          ...family,
          table: 'main',
          suppress_prefixlength: r.pick(six ? [0, 0, 32, 64] : [0, 0, 8, 24]),
        });
        break;
      case 'mix':
        out.push({ ...base, iif: lan!.name, fwmark: fwmark(r) });
        break;
    }
  }
  // `ip rule add` refuses a rule equal to one already there (fib_nl_newrule: -EEXIST).
  return out.filter((x, i) => out.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i);
}

/** `10.1.0.1/24` → `10.1.0.0/24`; `fd00:12::1/64` → `fd00:12::/64` (the generator's IPv6). */
export function network(cidr: string): string {
  const [a, len] = cidr.split('/') as [string, string];
  if (a.includes(':')) {
    const head = a.split('::')[0]!.split(':');
    if (len !== '64' || head.length > 4) throw new Error(`no /64 network for ${cidr}`);
    return `${head.join(':')}::/64`;
  }
  const n = Number(len);
  const x = a.split('.').reduce((s, p) => (s << 8) | Number(p), 0) >>> 0;
  const m = n === 0 ? 0 : (x & (~0 << (32 - n))) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (m >>> s) & 0xff).join('.')}/${n}`;
}

/** Adds a second uplink (or a tunnel), its table and rules to the network; returns them. */
export function addPolicyRouting(r: Random, net: Net): PolicySetup {
  const k = r.int(1, 250);
  const kind = r.chance(0.3) ? 'wg' : 'multiwan';
  const name = kind === 'wg' ? 'wg0' : net.shape === 'router' ? 'wan1' : 'eth2';
  const hostAddr = kind === 'wg' ? `10.200.${k}.2` : `100.64.${k}.2`;
  const peerAddr = kind === 'wg' ? `10.200.${k}.1` : `100.64.${k}.1`;
  const uplink: FuzzInterface = { name, addresses: [`${hostAddr}/24`] };
  const peer: FuzzMachine = {
    name: kind === 'wg' ? 'vpn' : 'isp2',
    interface: name,
    addresses: [peerAddr, `100.65.${k}.10`],
    listens: r.sample(
      PORTS.flatMap((p) => [`tcp/${p}`, `udp/${p}`]),
      r.int(1, 4),
    ),
  };
  net.host.interfaces.push(uplink);
  net.machines.push(peer);
  const id = kind === 'wg' ? 51820 : r.pick([100, 200, 1000]);
  const table: FuzzRouteTable = {
    id,
    routes: [
      kind === 'wg' || r.chance(0.2)
        ? { to: '0.0.0.0/0', dev: name }
        : { to: 'default', via: peerAddr, dev: name },
    ],
  };
  if (kind !== 'wg' && r.chance(0.3)) {
    const lan = inner(net).find((i) => i.name !== name && i.addresses.some(v4));
    if (lan) table.routes.push({ to: network(lan.addresses.find(v4)!), dev: lan.name });
  }
  const rules: FuzzIpRule[] =
    kind === 'wg'
      ? [
          { priority: 32764, table: 'main', suppress_prefixlength: 0 },
          { priority: 32765, not: true, fwmark: hex(0xca6c), table: id },
        ]
      : multiwanRules(r, net, { uplink, peer, table });
  net.host.tables = [table];
  net.host.rules = rules;
  return { kind, uplink, peer, table, rules };
}

/** A mark from those the rules use, or another. */
function mark(r: Random, s: PolicySetup): string {
  const used = s.rules.flatMap((x) => (x.fwmark ? [Number(x.fwmark.split('/')[0])] : []));
  return hex(used.length > 0 && r.chance(0.8) ? r.pick(used) : r.pick(MARKS));
}

/** `ip` or `ip6`, the match of the family's addresses. */
const ipOf = (six: boolean) => (six ? 'ip6' : 'ip');

function preroutingRule(r: Random, net: Net, s: PolicySetup, six: boolean): string {
  const is = ofFamily(six);
  const lans = inner(net).filter((i) => i.name !== s.uplink.name);
  const machines = net.machines.flatMap((m) => m.addresses.filter(is));
  const ip = ipOf(six);
  return r.weighted([
    [
      `iifname "${lans[0]?.name ?? 'lo'}" ${ip} saddr ${r.pick(machines)} meta mark set ${mark(r, s)}`,
      14,
    ],
    [`tcp dport ${r.pick(PORTS)} meta mark set ${mark(r, s)}`, 10],
    [`udp dport ${r.pick(PORTS)} meta mark set ${mark(r, s)}`, 6],
    ['meta mark set ct mark', 10],
    ['ct mark != 0x00000000 meta mark set ct mark', 6],
    [`ct state new meta mark set ${mark(r, s)}`, 5],
    [`${ip} daddr ${s.peer.addresses.filter(is)[1]} meta mark set ${mark(r, s)}`, 6],
    ['fib saddr . iif oif missing drop', 10],
    ['fib saddr . mark . iif oif missing drop', 5],
    ['fib daddr type local counter', 4],
    ['fib saddr type local drop', 3],
    [`fib daddr oifname "${s.uplink.name}" counter`, 4],
    [`fib daddr . mark oifname "${s.uplink.name}" counter`, 4],
    ['fib daddr type { local, broadcast } counter', 2],
    ['fib daddr type unicast counter', 2],
  ] as const);
}

function outputRule(r: Random, net: Net, s: PolicySetup, six: boolean): string {
  const is = ofFamily(six);
  const machines = net.machines.flatMap((m) => m.addresses.filter(is));
  const ip = ipOf(six);
  return r.weighted([
    [`${ip} daddr ${r.pick(machines)} meta mark set ${mark(r, s)}`, 12],
    [`udp dport ${r.pick(PORTS)} meta mark set ${mark(r, s)}`, 10],
    [`tcp dport ${r.pick(PORTS)} meta mark set ${mark(r, s)}`, 10],
    ['meta mark set ct mark', 6],
    [`${ip} saddr ${addr(s.uplink.addresses.find(is)!)} meta mark set ${mark(r, s)}`, 4],
    [`meta l4proto ${six ? 'ipv6-icmp' : 'icmp'} meta mark set ${mark(r, s)}`, 4],
    ['fib daddr type local counter', 2],
  ] as const);
}

/**
 * The table that marks packets for the rules, and saves and restores the mark in ct mark
 * (`pbr`; with `six`, `pbr6` of family ip6 or inet, matching IPv6 addresses).
 */
export function markTable(r: Random, net: Net, s: PolicySetup, six = false): FuzzTable {
  const chains: FuzzChain[] = [];
  const family = r.chance(0.4) ? 'inet' : ipOf(six);
  const many = (f: () => string) => Array.from({ length: r.int(1, 3) }, f);
  if (r.chance(0.8))
    chains.push({
      name: 'mark_pre',
      base: {
        type: 'filter',
        hook: 'prerouting',
        priority: r.pick([-150, -150, -300, -140]),
        policy: 'accept',
      },
      rules: many(() => preroutingRule(r, net, s, six)),
    });
  if (r.chance(0.6) || chains.length === 0)
    chains.push({
      name: 'mark_out',
      base: {
        type: r.chance(0.8) ? 'route' : 'filter',
        hook: 'output',
        priority: r.pick([-150, -150, -300, 0]),
        policy: 'accept',
      },
      rules: many(() => outputRule(r, net, s, six)),
    });
  if (r.chance(0.4))
    chains.push({
      name: 'mark_post',
      base: { type: 'filter', hook: 'postrouting', priority: -150, policy: 'accept' },
      rules: [r.pick(['ct mark set meta mark', 'meta mark != 0x00000000 ct mark set meta mark'])],
    });
  if (r.chance(0.25))
    chains.push({
      name: 'mark_fwd',
      base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
      rules: [
        r.pick([
          `fib daddr oifname "${s.uplink.name}" counter`,
          'fib saddr . iif oif missing drop',
          `fib daddr . mark oifname != "${s.uplink.name}" counter`,
          `oifname "${s.uplink.name}" meta mark set ${mark(r, s)}`,
        ]),
      ],
    });
  if (s.kind === 'wg' && r.chance(0.7)) {
    // wg-quick's own table: the tunnel's address only through the tunnel, ct mark kept.
    const wgAddr = addr(s.uplink.addresses.find(ofFamily(six))!);
    chains.unshift({
      name: 'preraw',
      base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
      rules: [
        `iifname != "${s.uplink.name}" ${ipOf(six)} daddr ${wgAddr} fib saddr type != local drop`,
      ],
    });
  }
  return { family, name: six ? 'pbr6' : 'pbr', sets: [], chains };
}

/**
 * Conversations that the setup's routes and marks decide: to and from the new uplink's peer
 * (over IPv6 when `six`).
 */
export function policyConversations(
  r: Random,
  net: Net,
  s: PolicySetup,
  six = false,
): FuzzPacket[] {
  const is = ofFamily(six);
  const others = net.machines.filter((m) => m !== s.peer && m.addresses.some(is));
  const peerAddrs = s.peer.addresses.filter(is);
  const upAddr = addr(s.uplink.addresses.find(is)!);
  // Main has a default route of the family (its gateway says which).
  const mainDefault = net.host.routes.some((x) => is(x.via ?? x.to));
  const out: FuzzPacket[] = [];
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const protocol = r.weighted([
      ['tcp', 45],
      ['udp', 35],
      [six ? 'icmpv6' : 'icmp', 20],
    ] as const);
    const kind = r.weighted([
      ['machine-to-peer', others.length > 0 ? 40 : 0],
      ['host-to-peer', 20],
      ['peer-to-host', 20],
      ['peer-to-machine', others.length > 0 ? 10 : 0],
      ['machine-to-host-up', others.length > 0 ? 10 : 0],
    ] as const);
    const m = others.length > 0 ? r.pick(others) : undefined;
    let p: FuzzPacket;
    switch (kind) {
      case 'machine-to-peer':
        p = { from: m!.name, to: r.pick(peerAddrs), protocol };
        break;
      case 'host-to-peer':
        // The far address only when main has a default route: the host's own first lookup
        // has mark 0, and without a route its socket gets ENETUNREACH.
        p = {
          from: 'host',
          to: mainDefault ? r.pick(peerAddrs) : peerAddrs[0]!,
          protocol,
        };
        break;
      case 'peer-to-host':
        p = {
          from: s.peer.name,
          to: addr(
            r.pick(net.host.interfaces.filter((x) => x.name !== 'lo')).addresses.find(is) ?? upAddr,
          ),
          protocol,
        };
        break;
      case 'peer-to-machine':
        p = { from: s.peer.name, to: m!.addresses.find(is)!, protocol };
        break;
      case 'machine-to-host-up':
        p = { from: m!.name, to: upAddr, protocol };
        break;
    }
    if (protocol !== 'icmp' && protocol !== 'icmpv6') {
      p.sport = r.int(20000, 29999);
      p.dport = r.pick(PORTS);
    }
    out.push(p);
  }
  return out;
}
