/**
 * Policy routing from `ip -j rule show` (and `-6`) and `ip -j route show table N`: the rules
 * beyond the kernel's defaults as `host.rules`, the tables they name as `host.tables`. What a
 * scenario cannot express (actions other than lookup, tos, ipproto, ports, uid ranges, l3mdev,
 * interface groups) is left out with a note naming the rule.
 */
import type { CapturedInterface } from './links.ts';
import { readRoutes } from './routes.ts';

type Json = Record<string, unknown>;
const records = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];

/** The kernel's default rules of a fresh namespace (fib4_rules_init, fib6_rules_net_init). */
const DEFAULTS: Record<4 | 6, [number, string][]> = {
  4: [
    [0, 'local'],
    [32766, 'main'],
    [32767, 'default'],
  ],
  6: [
    [0, 'local'],
    [32766, 'main'],
  ],
};

/** The keys of `ip -j rule` a scenario rule can carry; any other one leaves the rule out. */
const KNOWN = new Set([
  'priority',
  'not',
  'src',
  'srclen',
  'dst',
  'dstlen',
  'fwmark',
  'fwmask',
  'iif',
  'oif',
  'table',
  'suppress_prefixlen',
  'flags',
]);

const RESERVED: Record<string, number> = { local: 255, main: 254, default: 253 };

function isDefault(r: Json, family: 4 | 6): boolean {
  const keys = Object.keys(r).filter((k) => k !== 'priority' && k !== 'src' && k !== 'table');
  return (
    keys.length === 0 &&
    r.src === 'all' &&
    DEFAULTS[family].some(([p, t]) => p === r.priority && t === r.table)
  );
}

/** `ip rule show`'s line for a note. */
function shown(r: Json): string {
  return Object.entries(r)
    .map(([k, v]) => (v === null ? k : `${k} ${String(v)}`))
    .join(' ');
}

/** One rule as a scenario's `host.rules` entry, or why it cannot be one. */
function scenarioRule(r: Json, family: 4 | 6): Json | string {
  const odd = Object.keys(r).filter((k) => !KNOWN.has(k));
  if (odd.length > 0) return `it uses ${odd.join(', ')}, which a scenario cannot express`;
  const table = String(r.table ?? '');
  const id = RESERVED[table] ?? Number(table);
  if (!Number.isInteger(id) || id < 1)
    return `its table "${table}" is not a number (a name from rt_tables: write its number)`;
  const prefix = (addr: unknown, len: unknown) =>
    typeof addr === 'string' && addr !== 'all'
      ? `${addr}/${typeof len === 'number' ? len : family === 4 ? 32 : 128}`
      : undefined;
  const from = prefix(r.src, r.srclen);
  const to = prefix(r.dst, r.dstlen);
  const mark = typeof r.fwmark === 'string' ? r.fwmark : undefined;
  const mask = typeof r.fwmask === 'string' ? r.fwmask : undefined;
  return {
    priority: r.priority,
    ...(family === 6 && !from && !to ? { family: 'ipv6' } : {}),
    ...('not' in r ? { not: true } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(mark ? { fwmark: mask ? `${mark}/${mask}` : mark } : {}),
    ...(typeof r.iif === 'string' ? { iif: r.iif } : {}),
    ...(typeof r.oif === 'string' ? { oif: r.oif } : {}),
    table: RESERVED[table] !== undefined ? table : id,
    ...(typeof r.suppress_prefixlen === 'number'
      ? { suppress_prefixlength: r.suppress_prefixlen }
      : {}),
  };
}

/** The rules beyond the defaults, and the numbers of the tables they name (not local/main/default). */
export function readRules(
  entries: unknown,
  family: 4 | 6,
  notes: string[],
): { rules: Json[]; tables: number[] } {
  const rules: Json[] = [];
  const tables = new Set<number>();
  for (const r of records(entries)) {
    if (isDefault(r, family)) continue;
    const rule = scenarioRule(r, family);
    if (typeof rule === 'string') {
      notes.push(`IPv${family} ip rule "${shown(r)}" left out: ${rule}`);
      continue;
    }
    rules.push(rule);
    if (typeof rule.table === 'number') tables.add(rule.table);
  }
  return { rules, tables: [...tables] };
}

/** The tables' routes (`ip -j route show table N`, both families) as `host.tables`. */
export function readTables(
  routes: Readonly<Record<number, { v4?: unknown; v6?: unknown }>>,
  interfaces: readonly CapturedInterface[],
  notes: string[],
): Json[] {
  const out: Json[] = [];
  for (const [id, r] of Object.entries(routes)) {
    const all = [
      ...readRoutes(r.v4, 4, interfaces, notes, { inTable: Number(id) }),
      ...readRoutes(r.v6, 6, interfaces, notes, { inTable: Number(id) }),
    ];
    if (all.length === 0) notes.push(`table ${id} has no route a scenario can carry`);
    out.push({ id: Number(id), routes: all });
  }
  return out;
}
