/** Routes as a scenario lists them: host.routes (the main table) and a policy table's routes. */
import { inSubnet, parseAddress, parseCidr } from './addresses.ts';
import type { Cidr, HostInterface, Route } from './model.ts';
import { keysOf, ROUTE, requiredOf } from './shape.ts';
import type { Entry, Node, Reader } from './yaml-reader.ts';

const ROUTE_KEYS = keysOf(ROUTE);

/** A list of routes (host.routes, or a table's routes at `where`). */
export function readRoutes(
  r: Reader,
  entry: Entry | undefined,
  interfaces: HostInterface[],
  where = 'host.routes',
): Route[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  const out: Route[] = [];
  list.items.forEach((item, i) => {
    const path = `${where}[${i}]`;
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
