/**
 * Random but realistic networks around the host: a router between a LAN (and sometimes a
 * DMZ) and an upstream link, a host with listening services on one or two links, or a host
 * with a bridge (br_netfilter) and machines behind it next to an uplink. IPv6 on some.
 * Addresses come from the documentation and private ranges; every machine sits behind one
 * host interface, as the scenario format has it.
 */
import type { FuzzCase, FuzzInterface, FuzzMachine, FuzzRoute } from './case.ts';
import type { Random } from './random.ts';

/** The ports every part of a case draws from, so rules, sockets and packets meet. */
export const PORTS = [22, 53, 80, 443, 2222, 8080] as const;

type Network = Omit<FuzzCase, 'seed' | 'packets' | 'tables'>;

function listens(r: Random, max: number): string[] {
  const n = r.int(0, max);
  return r
    .sample(
      PORTS.flatMap((p) => [`tcp/${p}`, `udp/${p}`]),
      n,
    )
    .sort();
}

function machine(
  r: Random,
  name: string,
  iface: string,
  addresses: string[],
  port?: string,
): FuzzMachine {
  return {
    name,
    interface: iface,
    ...(port ? { port } : {}),
    addresses,
    listens: listens(r, 3),
  };
}

function router(r: Random, v6: boolean): Network {
  const a = r.int(1, 60);
  const w = r.int(2, 250);
  const b = r.int(1, 255).toString(16);
  const lan: FuzzInterface = {
    name: 'lan0',
    addresses: [`10.${a}.0.1/24`, ...(v6 ? [`fd00:${a}::1/64`] : [])],
  };
  const wan: FuzzInterface = {
    name: 'wan0',
    addresses: [`198.51.100.${w}/24`, ...(v6 ? [`2001:db8:${b}::2/64`] : [])],
  };
  const interfaces = [{ name: 'lo', addresses: ['127.0.0.1/8'] }, lan, wan];
  const machines: FuzzMachine[] = [];
  const pcs = r.int(1, 3);
  for (let i = 0; i < pcs; i++) {
    const h = 10 + i;
    machines.push(
      machine(r, `pc${i}`, 'lan0', [`10.${a}.0.${h}`, ...(v6 ? [`fd00:${a}::${h}`] : [])]),
    );
  }
  if (r.chance(0.3)) {
    const c = r.int(1, 200);
    interfaces.push({ name: 'dmz0', addresses: [`172.16.${c}.1/24`] });
    machines.push(machine(r, 'server', 'dmz0', [`172.16.${c}.10`]));
  }
  // Upstream: a machine on the link itself, or one beyond the gateway (reached through it).
  const gw = w === 1 ? 254 : 1;
  const far = r.chance(0.6);
  machines.push(
    machine(r, 'internet', 'wan0', [
      far ? `192.0.2.${r.int(1, 250)}` : `198.51.100.${w === 200 ? 201 : 200}`,
      ...(v6 ? [far ? `2001:db8:ffff::${r.int(1, 250).toString(16)}` : `2001:db8:${b}::200`] : []),
    ]),
  );
  const routes: FuzzRoute[] = [{ to: 'default', via: `198.51.100.${gw}` }];
  if (v6) routes.push({ to: 'default', via: `2001:db8:${b}::1` });
  const sysctl: Record<string, number> = { 'net.ipv4.ip_forward': r.chance(0.9) ? 1 : 0 };
  if (v6) sysctl['net.ipv6.conf.all.forwarding'] = 1;
  return {
    shape: 'router',
    host: { interfaces, routes, sysctl, listens: listens(r, 2) },
    machines,
  };
}

function server(r: Random, v6: boolean): Network {
  const a = r.int(1, 250);
  const h = r.int(2, 9);
  const interfaces: FuzzInterface[] = [
    { name: 'lo', addresses: ['127.0.0.1/8'] },
    {
      name: 'eth0',
      addresses: [`192.168.${a}.${h}/24`, ...(v6 ? [`fd00:${a}::${h}/64`] : [])],
    },
  ];
  const machines: FuzzMachine[] = [];
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const x = 100 + i;
    machines.push(
      machine(r, `client${i}`, 'eth0', [`192.168.${a}.${x}`, ...(v6 ? [`fd00:${a}::${x}`] : [])]),
    );
  }
  const sysctl: Record<string, number> = {};
  if (r.chance(0.4)) {
    const b = r.int(1, 60);
    interfaces.push({ name: 'eth1', addresses: [`10.${b}.0.2/24`] });
    machines.push(machine(r, 'backend', 'eth1', [`10.${b}.0.20`]));
    sysctl['net.ipv4.ip_forward'] = r.chance(0.5) ? 1 : 0;
  }
  return {
    shape: 'host',
    host: { interfaces, routes: [], sysctl, listens: listens(r, 4) },
    machines,
  };
}

function bridged(r: Random, v6: boolean): Network {
  const a = r.int(17, 30);
  const b = r.int(1, 60);
  const interfaces: FuzzInterface[] = [
    { name: 'lo', addresses: ['127.0.0.1/8'] },
    { name: 'eth0', addresses: [`10.${b}.0.2/24`] },
    {
      name: 'br0',
      kind: 'bridge',
      addresses: [`172.${a}.0.1/24`, ...(v6 ? [`fd00:${a}::1/64`] : [])],
    },
  ];
  const machines: FuzzMachine[] = [];
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const x = 2 + i;
    machines.push(
      machine(
        r,
        `c${i}`,
        'br0',
        [`172.${a}.0.${x}`, ...(v6 ? [`fd00:${a}::${x}`] : [])],
        `veth${i}`,
      ),
    );
  }
  const far = r.chance(0.5);
  machines.push(
    machine(r, 'outside', 'eth0', [far ? `203.0.113.${r.int(1, 250)}` : `10.${b}.0.50`]),
  );
  const sysctl: Record<string, number> = { 'net.ipv4.ip_forward': 1 };
  if (r.chance(0.2)) sysctl['net.bridge.bridge-nf-call-iptables'] = 0;
  return {
    shape: 'bridge',
    host: {
      interfaces,
      routes: [{ to: 'default', via: `10.${b}.0.1` }],
      sysctl,
      listens: listens(r, 2),
    },
    machines,
  };
}

export function network(r: Random): Network {
  const v6 = r.chance(0.3);
  const shape = r.weighted([
    [router, 45],
    [server, 25],
    [bridged, 30],
  ] as const);
  return shape(r, v6);
}
