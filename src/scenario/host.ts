/** The `host:` section: the machine whose netfilter is simulated. */
import { checkInterfaceName, parseCidr } from './addresses.ts';
import { readListens } from './listens.ts';
import type { Cidr, HostInterface, Scenario } from './model.ts';
import { readPolicyRouting } from './policy-routing.ts';
import { readRoutes } from './routes.ts';
import { HOST, INTERFACE, keysOf, OTHER_SYSCTL, requiredOf, SYSCTL_DEFAULTS } from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

export { SYSCTL_DEFAULTS };

const HOST_KEYS = keysOf(HOST);
const INTERFACE_KEYS = keysOf(INTERFACE);

export function readHost(r: Reader, entry: Entry): Scenario['host'] | undefined {
  const m = r.map(entry.value, 'host', HOST_KEYS, requiredOf(HOST), entry.key);
  if (!m) return undefined;
  const nameEntry = m.get('name');
  const name = nameEntry ? (r.string(nameEntry) ?? 'host') : 'host';
  const interfaces = readInterfaces(r, m.get('interfaces'));
  const routes = readRoutes(r, m.get('routes'), interfaces);
  const sysctl = readSysctl(r, m.get('sysctl'));
  const listens = readListens(r, m.get('listens'));
  const policy = readPolicyRouting(r, m.get('rules'), m.get('tables'), interfaces);
  return { name, interfaces, routes, ...policy, sysctl, listens };
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
