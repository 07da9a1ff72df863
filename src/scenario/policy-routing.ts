/**
 * The host's policy routing (a compatible extension of v1, issue 17): `rules`, the ip rules
 * the scenario adds to the kernel's defaults, and `tables`, the routing tables they name.
 * A scenario without them routes exactly as before (local, then main).
 */
import { parseAddress, parseCidr } from './addresses.ts';
import type { Cidr, FwMark, HostInterface, IpFamily, PolicyRule, RouteTableSpec } from './model.ts';
import { readRoutes } from './routes.ts';
import { keysOf, POLICY_RULE, ROUTE_TABLE, requiredOf } from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

const RULE_KEYS = keysOf(POLICY_RULE);
const TABLE_KEYS = keysOf(ROUTE_TABLE);
const MAX_U32 = 4294967295;

/** The tables every kernel has (include/uapi/linux/rtnetlink.h: RT_TABLE_DEFAULT/MAIN/LOCAL). */
export const RESERVED_TABLES: Readonly<Record<string, number>> = {
  default: 253,
  main: 254,
  local: 255,
};

/** The rules a fresh network namespace has (fib4_rules_init / fib6_rules_net_init). */
export function defaultRulePriorities(family: IpFamily): { priority: number; table: number }[] {
  const rules = [
    { priority: 0, table: 255 },
    { priority: 32766, table: 254 },
  ];
  return family === 4 ? [...rules, { priority: 32767, table: 253 }] : rules;
}

export function readPolicyRouting(
  r: Reader,
  rulesEntry: Entry | undefined,
  tablesEntry: Entry | undefined,
  interfaces: HostInterface[],
): { rules?: PolicyRule[]; tables?: RouteTableSpec[] } {
  const tables = readTables(r, tablesEntry, interfaces);
  const rules = readRules(r, rulesEntry, tables, interfaces);
  return {
    ...(rulesEntry ? { rules } : {}),
    ...(tablesEntry ? { tables } : {}),
  };
}

function readTables(
  r: Reader,
  entry: Entry | undefined,
  interfaces: HostInterface[],
): RouteTableSpec[] {
  const list = entry ? r.seq(entry) : undefined;
  if (!list) return [];
  const out: RouteTableSpec[] = [];
  list.items.forEach((item, i) => {
    const path = `host.tables[${i}]`;
    const m = r.map(item, path, TABLE_KEYS, requiredOf(ROUTE_TABLE), list.node);
    if (!m) return;
    const idEntry = m.get('id');
    const id = idEntry ? r.integer(idEntry, 1, MAX_U32) : undefined;
    if (idEntry && id !== undefined && Object.values(RESERVED_TABLES).includes(id)) {
      r.error(
        idEntry.value,
        `${path}.id: table ${id} is the kernel's own (default, main, local); main's routes go in host.routes`,
      );
      return;
    }
    if (idEntry && out.some((t) => t.id === id))
      r.error(idEntry.value, `${path}.id: table ${id} is listed twice`);
    const nameEntry = m.get('name');
    let name = nameEntry ? r.string(nameEntry) : undefined;
    if (nameEntry && name !== undefined) {
      const bad = !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name) || Object.hasOwn(RESERVED_TABLES, name);
      if (bad) r.error(nameEntry.value, `${path}.name: "${name}" cannot name a table`);
      else if (out.some((t) => t.name === name))
        r.error(nameEntry.value, `${path}.name: "${name}" names two tables`);
      if (bad) name = undefined;
    }
    const routes = readRoutes(r, m.get('routes'), interfaces, `${path}.routes`);
    const span = r.span(item);
    if (id !== undefined)
      out.push({ id, ...(name ? { name } : {}), routes, ...(span ? { span } : {}) });
  });
  return out;
}

function readRules(
  r: Reader,
  entry: Entry | undefined,
  tables: RouteTableSpec[],
  interfaces: HostInterface[],
): PolicyRule[] {
  const list = entry ? r.seq(entry) : undefined;
  if (!list) return [];
  const out: PolicyRule[] = [];
  list.items.forEach((item, i) => {
    const path = `host.rules[${i}]`;
    const m = r.map(item, path, RULE_KEYS, requiredOf(POLICY_RULE), list.node);
    if (!m) return;
    const rule = readRule(r, m, path, tables, interfaces, out);
    const span = r.span(item);
    if (!rule) return;
    // fib_nl_newrule: `ip rule add` refuses a rule equal to one already there (rule_exists,
    // -EEXIST "File exists"), so the scenario could not be built on a kernel.
    const same = out.findIndex((x) => sameRule(x, rule));
    if (same >= 0) {
      r.error(
        item,
        `${path}: the same rule as host.rules[${same}]; the kernel refuses it (ip rule add: File exists)`,
      );
      return;
    }
    out.push({ ...rule, ...(span ? { span } : {}) });
  });
  return out;
}

/** Whether two rules are equal as the kernel compares them (span and table name aside). */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const key = ({ span: _s, tableName: _t, ...rest }: PolicyRule) => JSON.stringify(rest);
  return key(a) === key(b);
}

function readRule(
  r: Reader,
  m: Map<string, Entry>,
  path: string,
  tables: RouteTableSpec[],
  interfaces: HostInterface[],
  earlier: PolicyRule[],
): PolicyRule | undefined {
  const from = prefixOf(r, m.get('from'));
  const to = prefixOf(r, m.get('to'));
  const family = familyOf(r, m, path, from, to);
  const table = tableOf(r, m.get('table'), tables);
  const fwmark = fwmarkOf(r, m.get('fwmark'));
  const iif = deviceOf(r, m.get('iif'), interfaces);
  const oif = deviceOf(r, m.get('oif'), interfaces);
  const notEntry = m.get('not');
  const not = notEntry ? booleanOf(r, notEntry) : false;
  const supEntry = m.get('suppress_prefixlength');
  const suppress = supEntry ? r.integer(supEntry, 0, family === 4 ? 32 : 128) : undefined;
  const priEntry = m.get('priority');
  const priority = priEntry
    ? r.integer(priEntry, 0, MAX_U32)
    : defaultPriority(
        family ?? 4,
        earlier.filter((x) => x.family === (family ?? 4)),
      );
  const bad = [from, to, fwmark, iif, oif, not].some((x) => x === null);
  if (bad || family === undefined || table === undefined || priority === undefined) return;
  if (supEntry && suppress === undefined) return;
  return {
    family,
    priority,
    not: not === true,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(fwmark ? { fwmark } : {}),
    ...(iif ? { iif } : {}),
    ...(oif ? { oif } : {}),
    table: table.id,
    ...(table.name ? { tableName: table.name } : {}),
    ...(suppress !== undefined ? { suppressPrefixlength: suppress } : {}),
  };
}

/**
 * fib_default_rule_pref (net/core/fib_rules.c): a rule added without a preference gets one
 * below the second rule's (with the defaults 0, 32766, …: 32765, then 32764, as wg-quick's).
 */
function defaultPriority(family: IpFamily, earlier: PolicyRule[]): number {
  const prefs = [
    ...defaultRulePriorities(family).map((d) => d.priority),
    ...earlier.map((e) => e.priority),
  ].sort((a, b) => a - b);
  const second = prefs[1];
  return second !== undefined && second > 0 ? second - 1 : 0;
}

/** `all` (no selector), a CIDR, or an address (a host prefix); null after an error. */
function prefixOf(r: Reader, e: Entry | undefined): Cidr | undefined | null {
  if (!e) return undefined;
  const text = r.string(e);
  if (text === undefined) return null;
  if (text.trim() === 'all') return undefined;
  const parsed = text.includes('/') ? parseCidr(text) : parseAddress(text);
  if ('error' in parsed) {
    r.error(e.value, `${e.path}: ${parsed.error} (or write "all")`);
    return null;
  }
  if ('prefix' in parsed) return parsed as Cidr;
  return { ...parsed, prefix: parsed.family === 4 ? 32 : 128 };
}

function familyOf(
  r: Reader,
  m: Map<string, Entry>,
  path: string,
  from: Cidr | undefined | null,
  to: Cidr | undefined | null,
): IpFamily | undefined {
  const e = m.get('family');
  const said = e ? r.string(e) : undefined;
  if (e && said !== undefined && said !== 'ipv4' && said !== 'ipv6') {
    r.error(e.value, `${e.path} must be "ipv4" or "ipv6", not "${said}"`);
    return undefined;
  }
  const stated = said === 'ipv6' ? 6 : said === 'ipv4' ? 4 : undefined;
  const seen = [from, to].filter((c): c is Cidr => !!c).map((c) => c.family);
  const family = stated ?? seen[0] ?? 4;
  if (seen.some((f) => f !== family)) {
    r.error(
      e?.value ?? m.get('from')?.value ?? m.get('to')!.value,
      `${path}: from, to and family disagree on the address family`,
    );
    return undefined;
  }
  return family;
}

function tableOf(
  r: Reader,
  e: Entry | undefined,
  tables: RouteTableSpec[],
): { id: number; name?: string } | undefined {
  if (!e) return undefined;
  const v = (e.value as { value?: unknown } | null)?.value;
  if (typeof v === 'number') {
    const id = r.integer(e, 1, MAX_U32);
    return id === undefined ? undefined : { id };
  }
  const name = r.string(e);
  if (name === undefined) return undefined;
  const reserved = RESERVED_TABLES[name.trim()];
  if (reserved !== undefined) return { id: reserved, name: name.trim() };
  const t = tables.find((x) => x.name === name.trim());
  if (!t) {
    const known = ['local', 'main', 'default', ...tables.flatMap((x) => (x.name ? [x.name] : []))];
    r.error(e.value, `${e.path}: no table is named "${name}" (${known.join(', ')}, or a number)`);
    return undefined;
  }
  return { id: t.id, name: name.trim() };
}

/** `fwmark 0x1/0xff` (a mark without a mask is compared whole; `fwmark 0` alone matches any). */
function fwmarkOf(r: Reader, e: Entry | undefined): FwMark | undefined | null {
  if (!e) return undefined;
  const v = (e.value as { value?: unknown } | null)?.value;
  if (typeof v === 'number') {
    const value = r.integer(e, 0, MAX_U32);
    return value === undefined ? null : { value, mask: value ? MAX_U32 : 0 };
  }
  const text = r.string(e);
  if (text === undefined) return null;
  const match = /^\s*(0x[0-9a-fA-F]+|\d+)(?:\/(0x[0-9a-fA-F]+|\d+))?\s*$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  const mask = match?.[2] !== undefined ? Number(match[2]) : value ? MAX_U32 : 0;
  if (!match || value > MAX_U32 || mask > MAX_U32) {
    r.error(e.value, `${e.path}: "${text}" is not a mark (like 0xca6c or 0x1/0xff)`);
    return null;
  }
  return { value, mask };
}

function deviceOf(
  r: Reader,
  e: Entry | undefined,
  interfaces: HostInterface[],
): string | undefined | null {
  if (!e) return undefined;
  const name = r.string(e);
  if (name === undefined) return null;
  if (name !== 'lo' && !interfaces.some((i) => i.name === name)) {
    r.error(e.value, `${e.path}: "${name}" names no interface of the host`);
    return null;
  }
  return name;
}

function booleanOf(r: Reader, e: Entry): boolean | null {
  const v = (e.value as { value?: unknown } | null)?.value;
  if (typeof v === 'boolean') return v;
  r.error(e.value, `${e.path} must be true or false`);
  return null;
}
