/**
 * The machines around the host, from its neighbour table (`ip -j neigh`) and, behind a bridge,
 * the FDB (`bridge -j fdb`) that says which port a MAC address was seen on. One machine per
 * (interface, MAC address): a dual-stack neighbour's IPv4 and IPv6 addresses become one machine.
 */
import { parseAddress } from '../scenario/addresses.ts';
import type { CapturedInterface } from './links.ts';

export interface CapturedMachine {
  name: string;
  interface: string;
  port?: string;
  mac?: string;
  addresses: string[];
}

type Json = Record<string, unknown>;
const records = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const UNUSABLE = new Set(['FAILED', 'INCOMPLETE', 'NOARP', 'NONE']);

function usableAddress(a: string): string | undefined {
  const p = parseAddress(a);
  if ('error' in p) return undefined;
  const addr = p.address;
  if (p.family === 6 && (/^fe[89ab]/i.test(addr) || /^ff/i.test(addr))) return undefined;
  if (p.family === 4 && (addr.startsWith('224.') || /^2[2-3][0-9]\./.test(addr))) return undefined;
  return addr;
}

export function readMachines(
  neighbours: unknown,
  fdb: unknown,
  interfaces: readonly CapturedInterface[],
  portOf: ReadonlyMap<string, string>,
  notes: string[],
): CapturedMachine[] {
  const own = new Set(
    interfaces.flatMap((i) =>
      i.addresses.map((c) => {
        const p = parseAddress(c.split('/')[0]!);
        return 'error' in p ? c : p.address;
      }),
    ),
  );
  const groups = new Map<string, { dev: string; mac: string; addresses: string[] }>();
  for (const n of records(neighbours)) {
    const dst = str(n.dst);
    const dev = str(n.dev);
    const mac = str(n.lladdr)?.toLowerCase();
    const state = Array.isArray(n.state) ? n.state.map(String) : [];
    if (!dst || !dev || !mac || state.some((s) => UNUSABLE.has(s))) continue;
    const iface = interfaces.find((i) => i.name === dev);
    if (!iface || dev === 'lo') continue;
    const addr = usableAddress(dst);
    if (!addr || own.has(addr)) continue;
    const key = `${dev} ${mac}`;
    const g = groups.get(key) ?? { dev, mac, addresses: [] };
    if (!g.addresses.includes(addr)) g.addresses.push(addr);
    groups.set(key, g);
  }
  // Which port of its bridge each MAC address was learnt (or set) on.
  const portFor = new Map<string, string>();
  for (const e of records(fdb)) {
    const mac = str(e.mac)?.toLowerCase();
    const port = str(e.ifname);
    const master = str(e.master) ?? (port ? portOf.get(port) : undefined);
    if (!mac || !port || !master || portOf.get(port) !== master) continue;
    const key = `${master} ${mac}`;
    if (!portFor.has(key)) portFor.set(key, port);
  }

  const machines: CapturedMachine[] = [];
  const usedPorts = new Set<string>();
  const ifaceOrder = (dev: string) => interfaces.findIndex((i) => i.name === dev);
  const sorted = [...groups.values()].sort(
    (a, b) => ifaceOrder(a.dev) - ifaceOrder(b.dev) || a.mac.localeCompare(b.mac),
  );
  const names = new Set<string>();
  for (const g of sorted) {
    const iface = interfaces.find((i) => i.name === g.dev)!;
    // IPv4 first: it is the address a machine sends from by default.
    g.addresses.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
    let name = `${g.dev}-${g.addresses[0]!.replaceAll(':', '-')}`;
    for (let k = 2; names.has(name); k++) name = `${g.dev}-${g.addresses[0]!}-${k}`;
    names.add(name);
    const m: CapturedMachine = { name, interface: g.dev, addresses: g.addresses };
    if (iface.kind === 'bridge') {
      m.mac = g.mac;
      const port = portFor.get(`${g.dev} ${g.mac}`);
      if (!port) {
        notes.push(
          `${name} (${g.mac}) is a neighbour on bridge ${g.dev} but the FDB does not say behind which port: it gets the default port name`,
        );
      } else if (usedPorts.has(port)) {
        notes.push(
          `${name} (${g.mac}) is behind port ${port} of ${g.dev} like another machine; a scenario has one machine per port: left out`,
        );
        continue;
      } else {
        usedPorts.add(port);
        m.port = port;
      }
    }
    machines.push(m);
  }
  return machines;
}
