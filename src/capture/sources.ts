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
  for (const name of CAPTURED_SYSCTLS) {
    const v = await sysctl(name, netns);
    if (v !== undefined) s.sysctl[name] = v;
  }
  return s;
}
