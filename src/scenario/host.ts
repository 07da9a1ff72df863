/** The `host:` section: the machine whose netfilter is simulated. */
import { checkInterfaceName, inSubnet, parseAddress, parseCidr } from './addresses.ts';
import { readListens } from './listens.ts';
import type { Cidr, HostInterface, Route, Scenario } from './model.ts';
import {
  HOST,
  INTERFACE,
  keysOf,
  OTHER_SYSCTL,
  ROUTE,
  requiredOf,
  SYSCTL_DEFAULTS,
} from './shape.ts';
import type { Entry, Node, Reader } from './yaml-reader.ts';

export { SYSCTL_DEFAULTS };

const HOST_KEYS = keysOf(HOST);
const INTERFACE_KEYS = keysOf(INTERFACE);
const ROUTE_KEYS = keysOf(ROUTE);

export function readHost(r: Reader, entry: Entry): Scenario['host'] | undefined {
  const m = r.map(entry.value, 'host', HOST_KEYS, requiredOf(HOST), entry.key);
  if (!m) return undefined;
  const nameEntry = m.get('name');
  const name = nameEntry ? (r.string(nameEntry) ?? 'host') : 'host';
  const interfaces = readInterfaces(r, m.get('interfaces'));
  const routes = readRoutes(r, m.get('routes'), interfaces);
  const sysctl = readSysctl(r, m.get('sysctl'));
  const listens = readListens(r, m.get('listens'));
  return { name, interfaces, routes, sysctl, listens };
}

function readInterfaces(r: Reader, entry: Entry | undefined): HostInterface[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  if (list.items.length === 0)
    r.error(list.node, 'host.interfaces must list at least one interface');
  const out: HostInterface[] = [];
  list.items.forEach((item, i) => {
    const path = `host.interfaces[${i}]`;
    const m = r.map(item, path, INTERFACE_KEYS, requiredOf(INTERFACE), list.node);
    if (!m) return;
    const nameEntry = m.get('name');
    const name = nameEntry ? r.string(nameEntry) : undefined;
    if (name !== undefined && nameEntry) {
      const bad = checkInterfaceName(name);
      if (bad) r.error(nameEntry.value, `${nameEntry.path}: ${bad}`);
      else if (out.some((o) => o.name === name)) {
        r.error(nameEntry.value, `interface "${name}" is listed twice in host.interfaces`);
      }
    }
    let kind: HostInterface['kind'] = 'link';
    const kindEntry = m.get('kind');
    if (kindEntry) {
      const k = r.string(kindEntry);
      if (k !== undefined && k !== 'bridge' && k !== 'link') {
        r.error(kindEntry.value, `${kindEntry.path} must be "bridge" or "link", not "${k}"`);
      } else if (k === 'bridge') kind = 'bridge';
      if (k === 'bridge' && name === 'lo') r.error(kindEntry.value, 'lo cannot be a bridge');
    }
    const addresses = readCidrs(r, m.get('addresses'));
    if (name !== undefined) {
      const span = r.span(item);
      out.push({ name, kind, addresses, ...(span ? { span } : {}) });
    }
  });
  return out;
}

function readCidrs(r: Reader, entry: Entry | undefined): Cidr[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  const out: Cidr[] = [];
  list.items.forEach((item, i) => {
    const path = `${entry.path}[${i}]`;
    const text = r.stringNode(item, path, list.node);
    if (text === undefined) return;
    const cidr = parseCidr(text);
    if ('error' in cidr) r.error(item, `${path}: ${cidr.error}`);
    else out.push(cidr);
  });
  return out;
}

function readRoutes(r: Reader, entry: Entry | undefined, interfaces: HostInterface[]): Route[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  const out: Route[] = [];
  list.items.forEach((item, i) => {
    const path = `host.routes[${i}]`;
    const m = r.map(item, path, ROUTE_KEYS, requiredOf(ROUTE), list.node);
    if (!m) return;
    const route = readRoute(r, m, path, item, interfaces);
    if (route) out.push(route);
  });
  return out;
}

function readRoute(
  r: Reader,
  m: Map<string, Entry>,
  path: string,
  node: Node,
  interfaces: HostInterface[],
): Route | undefined {
  const toEntry = m.get('to');
  const viaEntry = m.get('via');
  const devEntry = m.get('dev');
  const toText = toEntry ? r.string(toEntry) : undefined;
  const viaText = viaEntry ? r.string(viaEntry) : undefined;
  const dev = devEntry ? r.string(devEntry) : undefined;
  let ok =
    toText !== undefined &&
    (!viaEntry || viaText !== undefined) &&
    (!devEntry || dev !== undefined);

  let via: string | undefined;
  let viaFamily: 4 | 6 | undefined;
  if (viaText !== undefined && viaEntry) {
    const a = parseAddress(viaText);
    if ('error' in a) {
      r.error(viaEntry.value, `${viaEntry.path}: ${a.error}`);
      ok = false;
    } else {
      via = a.address;
      viaFamily = a.family;
    }
  }
  let to: Cidr | undefined;
  if (toText !== undefined && toEntry) {
    if (toText.trim() === 'default') {
      if (!viaEntry) {
        r.error(
          toEntry.value,
          `${path}: a default route needs "via" (its gateway), which also gives its family`,
        );
        ok = false;
      } else if (viaFamily) {
        to = { address: viaFamily === 4 ? '0.0.0.0' : '::', prefix: 0, family: viaFamily };
      }
    } else {
      const c = parseCidr(toText);
      if ('error' in c) {
        r.error(toEntry.value, `${toEntry.path}: ${c.error} (or write "default")`);
        ok = false;
      } else to = c;
    }
  }
  if (to && viaFamily && to.family !== viaFamily) {
    r.error(viaEntry?.value ?? node, `${path}: "via" ${via} is not of the same family as "to"`);
    ok = false;
  }
  if (to && !viaEntry && !devEntry) {
    r.error(node, `${path} needs "via" or "dev"`);
    ok = false;
  }
  let device = dev;
  if (dev !== undefined && devEntry && !interfaces.some((i) => i.name === dev)) {
    r.error(devEntry.value, `${path}: "dev" names no interface of the host ("${dev}")`);
    ok = false;
  }
  if (via && ok) {
    const connected = interfaces.filter((i) => i.addresses.some((c) => inSubnet(via, c)));
    if (dev !== undefined) {
      if (!connected.some((i) => i.name === dev)) {
        r.error(
          viaEntry?.value ?? node,
          `${path}: the gateway ${via} is not on a network of ${dev}`,
        );
        ok = false;
      }
    } else if (connected.length === 0) {
      r.error(
        viaEntry?.value ?? node,
        `${path}: the gateway ${via} is on no network of the host's interfaces`,
      );
      ok = false;
    } else device = connected[0]!.name;
  }
  if (!ok || !to) return undefined;
  const span = r.span(node);
  return {
    to,
    ...(via !== undefined ? { via } : {}),
    ...(device !== undefined ? { dev: device } : {}),
    ...(span ? { span } : {}),
  };
}

function readSysctl(r: Reader, entry: Entry | undefined): Record<string, number> {
  const out: Record<string, number> = { ...SYSCTL_DEFAULTS };
  if (!entry) return out;
  const node = entry.value;
  // Any net.* key is accepted, so the key list is open; check the names ourselves.
  const m = r.map(node, 'host.sysctl', Object.keys(SYSCTL_DEFAULTS), [], entry.key, (key) =>
    OTHER_SYSCTL.test(key),
  );
  if (!m) return out;
  for (const [key, e] of m) {
    const known = Object.hasOwn(SYSCTL_DEFAULTS, key);
    const value = known ? r.integer(e, 0, 1) : r.integer(e, -2147483648, 2147483647);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
