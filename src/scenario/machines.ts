/** The `hosts:` section: the machines around the host, each behind one of its interfaces. */
import { checkInterfaceName, parseAddress, parseMac } from './addresses.ts';
import { readListens } from './listens.ts';
import type { HostInterface, Machine } from './model.ts';
import type { Entry, Node, Reader } from './yaml-reader.ts';

const MACHINE_KEYS = ['name', 'interface', 'port', 'mac', 'gateway', 'addresses', 'listens'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

export function readMachines(
  r: Reader,
  entry: Entry | undefined,
  interfaces: readonly HostInterface[],
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
    const m = r.map(item, path, MACHINE_KEYS, ['name', 'interface', 'addresses'], list.node);
    if (!m) return;
    let ok = true;
    const nameEntry = m.get('name');
    const name = nameEntry ? r.string(nameEntry) : undefined;
    if (name !== undefined && nameEntry) {
      if (!NAME.test(name)) {
        r.error(
          nameEntry.value,
          `${path}.name "${name}" must be letters, digits, "_", "-" or "." (at most 32)`,
        );
        ok = false;
      } else if (name === 'host') {
        r.error(nameEntry.value, `${path}.name: "host" is reserved for the simulated host itself`);
        ok = false;
      } else if (out.some((o) => o.name === name)) {
        r.error(nameEntry.value, `${path}.name: a machine named "${name}" is already listed`);
        ok = false;
      }
    } else ok = false;

    const ifEntry = m.get('interface');
    const ifName = ifEntry ? r.string(ifEntry) : undefined;
    const iface = interfaces.find((x) => x.name === ifName);
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

    let port: string | undefined;
    const portEntry = m.get('port');
    if (portEntry) {
      port = r.string(portEntry);
      if (port !== undefined) {
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
      }
    }

    let mac: string | undefined;
    const macEntry = m.get('mac');
    if (macEntry) {
      const text = r.string(macEntry);
      if (text !== undefined) {
        const parsed = parseMac(text);
        if (typeof parsed === 'string') mac = parsed;
        else r.error(macEntry.value, `${macEntry.path}: ${parsed.error}`);
      }
    }

    let gateway: string | undefined;
    const gwEntry = m.get('gateway');
    if (gwEntry) {
      const text = r.string(gwEntry);
      if (text !== undefined) {
        const a = parseAddress(text);
        if ('error' in a) r.error(gwEntry.value, `${gwEntry.path}: ${a.error}`);
        else gateway = a.address;
      }
    }

    const addresses: string[] = [];
    const addrEntry = m.get('addresses');
    const addrList = addrEntry ? r.seq(addrEntry) : undefined;
    if (addrList && addrEntry) {
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
          r.error(
            a,
            `${p}: ${parsed.address} is already an address of ${owner.get(parsed.address)}`,
          );
        } else {
          addresses.push(parsed.address);
          owner.set(parsed.address, name !== undefined ? `"${name}"` : `hosts[${i}]`);
        }
      });
    }
    const listens = readListens(r, m.get('listens'));
    if (!ok || name === undefined || ifName === undefined) return;
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
