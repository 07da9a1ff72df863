/** The `hosts:` section: the machines around the host, each behind one of its interfaces. */
import { checkInterfaceName, parseAddress, parseMac } from './addresses.ts';
import { readListens } from './listens.ts';
import type { HostInterface, Machine } from './model.ts';
import { keysOf, MACHINE, MACHINE_NAME, requiredOf } from './shape.ts';
import type { Entry, Node, Reader } from './yaml-reader.ts';

const MACHINE_KEYS = keysOf(MACHINE);
const NAME = MACHINE_NAME;

type Fields = Map<string, Entry>;

/**
 * Reads `hosts`. A machine with an error is left out; its name, when it has a valid one, goes
 * into `refused`, so that packets from it are not reported again as from no machine.
 */
export function readMachines(
  r: Reader,
  entry: Entry | undefined,
  interfaces: readonly HostInterface[],
  refused: Set<string> = new Set(),
): Machine[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  const out: Machine[] = [];
  const taken = new Set(interfaces.map((x) => x.name));
  // Who owns each address: two owners would make the network ambiguous (and the kernel refuse).
  const owner = new Map<string, string>();
  for (const x of interfaces)
    for (const c of x.addresses) owner.set(c.address, `the host (${x.name})`);
  const needsPort: { machine: Machine; index: number; node: Node }[] = [];
  list.items.forEach((item, i) => {
    const path = `hosts[${i}]`;
    const m = r.map(item, path, MACHINE_KEYS, requiredOf(MACHINE), list.node);
    if (!m) return;
    const { name, ok: nameOk } = readName(r, m, path, out);
    const { ifName, iface, ok: ifaceOk } = readInterface(r, m, path, interfaces);
    const port = readPort(r, m, iface, taken);
    const mac = readMac(r, m);
    const gateway = readGateway(r, m);
    const label = name !== undefined ? `"${name}"` : `hosts[${i}]`;
    const addresses = readAddresses(r, m, path, owner, label);
    const listens = readListens(r, m.get('listens'));
    if (!nameOk || !ifaceOk || name === undefined || ifName === undefined) {
      if (name !== undefined) refused.add(name);
      return;
    }
    const span = r.span(item);
    const machine: Machine = {
      name,
      interface: ifName,
      ...(port !== undefined ? { port } : {}),
      ...(mac !== undefined ? { mac } : {}),
      ...(gateway !== undefined ? { gateway } : {}),
      addresses,
      listens,
      ...(span ? { span } : {}),
    };
    out.push(machine);
    if (iface?.kind === 'bridge' && port === undefined)
      needsPort.push({ machine, index: i, node: item });
  });
  // Bridge ports not named in the scenario are veth<N>, N the machine's place in `hosts`.
  for (const { machine, index, node } of needsPort) {
    const port = `veth${index}`;
    if (taken.has(port)) {
      r.error(
        node,
        `hosts[${index}]: its default bridge port name "${port}" is taken; give it a "port"`,
      );
      continue;
    }
    taken.add(port);
    machine.port = port;
  }
  return out;
}

/** `name`: as written (for messages) and whether it may name a machine. */
function readName(
  r: Reader,
  m: Fields,
  path: string,
  earlier: readonly Machine[],
): { name: string | undefined; ok: boolean } {
  const nameEntry = m.get('name');
  const name = nameEntry ? r.string(nameEntry) : undefined;
  if (name === undefined || !nameEntry) return { name, ok: false };
  if (!NAME.test(name)) {
    r.error(
      nameEntry.value,
      `${path}.name "${name}" must be letters, digits, "_", "-" or "." (at most 32)`,
    );
    return { name, ok: false };
  }
  if (name === 'host') {
    r.error(nameEntry.value, `${path}.name: "host" is reserved for the simulated host itself`);
    return { name, ok: false };
  }
  if (earlier.some((o) => o.name === name)) {
    r.error(nameEntry.value, `${path}.name: a machine named "${name}" is already listed`);
    return { name, ok: false };
  }
  return { name, ok: true };
}

/** `interface`: one of the host's, not lo. */
function readInterface(
  r: Reader,
  m: Fields,
  path: string,
  interfaces: readonly HostInterface[],
): { ifName: string | undefined; iface: HostInterface | undefined; ok: boolean } {
  const ifEntry = m.get('interface');
  const ifName = ifEntry ? r.string(ifEntry) : undefined;
  const iface = interfaces.find((x) => x.name === ifName);
  let ok = true;
  if (ifName !== undefined && ifEntry && !iface) {
    const names = interfaces.map((x) => `"${x.name}"`).join(', ');
    r.error(
      ifEntry.value,
      `${path}.interface: the host has no interface "${ifName}" (it has ${names || 'none'})`,
    );
    ok = false;
  } else if (ifName === 'lo' && ifEntry) {
    r.error(ifEntry.value, `${path}.interface: no machine can sit behind lo`);
    ok = false;
  } else if (ifName === undefined) ok = false;
  return { ifName, iface, ok };
}

/** `port`: the name of the machine's bridge port, free and only behind a bridge. */
function readPort(
  r: Reader,
  m: Fields,
  iface: HostInterface | undefined,
  taken: Set<string>,
): string | undefined {
  const portEntry = m.get('port');
  if (!portEntry) return undefined;
  const port = r.string(portEntry);
  if (port === undefined) return undefined;
  const bad = checkInterfaceName(port);
  if (bad) r.error(portEntry.value, `${portEntry.path}: ${bad}`);
  else if (iface && iface.kind !== 'bridge') {
    r.error(
      portEntry.value,
      `${portEntry.path}: only a machine behind a bridge has a port ("${iface.name}" is not a bridge)`,
    );
  } else if (taken.has(port)) {
    r.error(
      portEntry.value,
      `${portEntry.path}: "${port}" is already the name of another interface`,
    );
  } else taken.add(port);
  return port;
}

function readMac(r: Reader, m: Fields): string | undefined {
  const macEntry = m.get('mac');
  const text = macEntry ? r.string(macEntry) : undefined;
  if (!macEntry || text === undefined) return undefined;
  const parsed = parseMac(text);
  if (typeof parsed === 'string') return parsed;
  r.error(macEntry.value, `${macEntry.path}: ${parsed.error}`);
  return undefined;
}

function readGateway(r: Reader, m: Fields): string | undefined {
  const gwEntry = m.get('gateway');
  const text = gwEntry ? r.string(gwEntry) : undefined;
  if (!gwEntry || text === undefined) return undefined;
  const a = parseAddress(text);
  if (!('error' in a)) return a.address;
  r.error(gwEntry.value, `${gwEntry.path}: ${a.error}`);
  return undefined;
}

/** `addresses`: at least one, each owned by no one else (`owner` learns them as `label`'s). */
function readAddresses(
  r: Reader,
  m: Fields,
  path: string,
  owner: Map<string, string>,
  label: string,
): string[] {
  const addresses: string[] = [];
  const addrEntry = m.get('addresses');
  const addrList = addrEntry ? r.seq(addrEntry) : undefined;
  if (!addrList || !addrEntry) return addresses;
  if (addrList.items.length === 0)
    r.error(addrList.node, `${path}.addresses must list at least one address`);
  addrList.items.forEach((a, j) => {
    const p = `${path}.addresses[${j}]`;
    const text = r.stringNode(a, p, addrList.node);
    if (text === undefined) return;
    const parsed = parseAddress(text);
    if ('error' in parsed) r.error(a, `${p}: ${parsed.error}`);
    else if (addresses.includes(parsed.address))
      r.error(a, `${p}: ${parsed.address} is listed twice`);
    else if (owner.has(parsed.address)) {
      r.error(a, `${p}: ${parsed.address} is already an address of ${owner.get(parsed.address)}`);
    } else {
      addresses.push(parsed.address);
      owner.set(parsed.address, label);
    }
  });
  return addresses;
}
