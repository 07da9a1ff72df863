/**
 * What `nfwalk capture` reads from the running machine (or one network namespace): the output
 * of the usual tools, each kept as text or parsed JSON, and a note for every one that could not
 * be read. Nothing here interprets the data; building the scenario from it is scenario.ts's job.
 */
import { readFile } from 'node:fs/promises';
import { CommandError, inNetns, run } from '../kernel/exec.ts';

/** The sysctls a scenario can carry (src/scenario/host.ts SYSCTL_DEFAULTS), as /proc paths. */
export const CAPTURED_SYSCTLS: readonly string[] = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
];

export interface Sources {
  /** `nft list ruleset`, or undefined when nft could not be run. */
  nftRuleset?: string;
  /** `iptables-legacy-save` (or `iptables-save` when it is the legacy variant), if any. */
  iptablesLegacySave?: string;
  /** `ip -d -j link show`. */
  links?: unknown;
  /** `ip -j addr show`. */
  addrs?: unknown;
  /** `bridge -j link show`. */
  bridgePorts?: unknown;
  /** `ip -j route show` and `ip -6 -j route show` (main table). */
  routes4?: unknown;
  routes6?: unknown;
  /** `ip -j neigh show`. */
  neighbours?: unknown;
  /** `bridge -j fdb show`. */
  fdb?: unknown;
  /** `ss -Hlntu`. */
  sockets?: string;
  /** `ip -j rule show` and `ip -6 -j rule show`. */
  rules4?: unknown;
  rules6?: unknown;
  /** `ip [-6] -j route show table N` for each table a rule names beyond local/main/default. */
  tableRoutes?: Record<number, { v4?: unknown; v6?: unknown }>;
  /** Sysctl values by dotted name; a name missing here could not be read. */
  sysctl: Record<string, string>;
  /** What could not be read, one sentence each (for stderr). */
  notes: string[];
}

/** Runs argv in the namespace (or here) and returns its output, or undefined with a note. */
async function tool(
  argv: string[],
  netns: string | undefined,
  notes: string[],
  what: string,
): Promise<string | undefined> {
  try {
    return await run(netns ? inNetns(netns, argv) : argv, { timeoutMs: 20_000 });
  } catch (e) {
    const why =
      e instanceof CommandError
        ? e.message.split('\n').slice(-1)[0]
        : (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${argv[0]} is not installed`
          : (e as Error).message;
    notes.push(`could not read ${what} (${argv.join(' ')}): ${why}`);
    return undefined;
  }
}

async function json(
  argv: string[],
  netns: string | undefined,
  notes: string[],
  what: string,
): Promise<unknown> {
  const text = await tool(argv, netns, notes, what);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text.trim() === '' ? '[]' : text);
  } catch {
    notes.push(`could not read ${what}: ${argv.join(' ')} did not print JSON`);
    return undefined;
  }
}

/** Reads a sysctl inside the namespace (/proc/sys/net is per namespace). */
async function sysctl(name: string, netns: string | undefined): Promise<string | undefined> {
  const path = `/proc/sys/${name.replaceAll('.', '/')}`;
  try {
    if (!netns) return (await readFile(path, 'utf8')).trim();
    return (await run(inNetns(netns, ['cat', path]))).trim();
  } catch {
    return undefined;
  }
}

/** Whether iptables-legacy has any rule or non-ACCEPT policy in this save output. */
export function legacyHasRules(save: string): boolean {
  return save.split('\n').some((l) => l.startsWith('-A ') || /^:\S+ (DROP|REJECT)\b/.test(l));
}

/** The numbered tables the rules name (not local, main, default), as `ip -j rule` prints them. */
export function ruleTables(...rules: unknown[]): number[] {
  const ids = new Set<number>();
  for (const list of rules) {
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      const t = Number((r as { table?: unknown } | null)?.table);
      if (Number.isInteger(t) && t > 0 && t < 253) ids.add(t);
      else if (Number.isInteger(t) && t > 255) ids.add(t);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

async function tableRoutes(
  s: Sources,
  netns: string | undefined,
  notes: string[],
): Promise<Record<number, { v4?: unknown; v6?: unknown }>> {
  const out: Record<number, { v4?: unknown; v6?: unknown }> = {};
  for (const id of ruleTables(s.rules4, s.rules6)) {
    const t = String(id);
    // A table with no route of a family is an error for ip ("FIB table does not exist"): quiet.
    const v4 = await json(['ip', '-j', 'route', 'show', 'table', t], netns, [], `table ${t}`);
    const v6 = await json(['ip', '-6', '-j', 'route', 'show', 'table', t], netns, [], `table ${t}`);
    if (v4 === undefined && v6 === undefined) notes.push(`could not read the routes of table ${t}`);
    out[id] = { ...(v4 !== undefined ? { v4 } : {}), ...(v6 !== undefined ? { v6 } : {}) };
  }
  return out;
}

/** Reads everything capture needs. Never throws for a missing tool: it becomes a note. */
export async function readSources(netns?: string): Promise<Sources> {
  const notes: string[] = [];
  const s: Sources = { sysctl: {}, notes };
  s.nftRuleset = await tool(['nft', 'list', 'ruleset'], netns, notes, 'the nftables ruleset');
  for (const save of ['iptables-legacy-save']) {
    const text = await tool([save], netns, [], 'iptables-legacy rules');
    if (text !== undefined) s.iptablesLegacySave = text;
  }
  s.links = await json(['ip', '-d', '-j', 'link', 'show'], netns, notes, 'the interfaces');
  s.addrs = await json(['ip', '-j', 'addr', 'show'], netns, notes, 'the addresses');
  s.bridgePorts = await json(['bridge', '-j', 'link', 'show'], netns, notes, 'the bridge ports');
  s.routes4 = await json(['ip', '-j', 'route', 'show'], netns, notes, 'the IPv4 routes');
  s.routes6 = await json(['ip', '-6', '-j', 'route', 'show'], netns, notes, 'the IPv6 routes');
  s.neighbours = await json(['ip', '-j', 'neigh', 'show'], netns, notes, 'the neighbour table');
  s.fdb = await json(['bridge', '-j', 'fdb', 'show'], netns, notes, 'the bridge FDB');
  s.sockets = await tool(['ss', '-Hlntu'], netns, notes, 'the listening sockets');
  s.rules4 = await json(['ip', '-j', 'rule', 'show'], netns, notes, 'the IPv4 routing rules');
  s.rules6 = await json(['ip', '-6', '-j', 'rule', 'show'], netns, notes, 'the IPv6 routing rules');
  s.tableRoutes = await tableRoutes(s, netns, notes);
  for (const name of CAPTURED_SYSCTLS) {
    const v = await sysctl(name, netns);
    if (v !== undefined) s.sysctl[name] = v;
  }
  return s;
}
