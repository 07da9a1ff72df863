/**
 * The kernel side of `nfwalk verify`: the scenario built in network namespaces, its ruleset
 * loaded into the host's, every conversation sent for real, and what `nft monitor trace`
 * reported turned into trace JSON.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConversationTrace, Trace } from '../netfilter/trace.ts';
import { segmentHeaders } from '../netfilter/walk/segments.ts';
import { echoIdentifier } from '../packet/packet.ts';
import { detectFamily } from '../ruleset/iptables/family.ts';
import { loadRuleset as loadRulesetFile } from '../ruleset/load.ts';
import { parseAddress } from '../scenario/addresses.ts';
import type { Listen, PacketSpec, Scenario } from '../scenario/model.ts';
import { assembleRun } from './assemble.ts';
import { type Background, background, inNetns, run, sleep } from './exec.ts';
import { FEATURE_NAMES, featuresOf, type KernelFeature, probeFeature } from './features.ts';
import { findTool } from './preflight.ts';
import { buildRulesetIndex } from './ruleset-index.ts';
import { holdPorts, quietMachines, sendSegment } from './segments.ts';
import { buildTopology, type Topology } from './topology.ts';
import { traceTables } from './trace-tables.ts';
import { sendRequest, startServers } from './traffic.ts';

export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelError';
  }
}

/** The kernel refused the ruleset because it is built without features the ruleset needs. */
export class KernelFeatureMissing extends KernelError {
  readonly features: KernelFeature[];
  constructor(features: KernelFeature[], message: string) {
    super(message);
    this.name = 'KernelFeatureMissing';
    this.features = features;
  }
}

export interface KernelOptions {
  /** Leave the namespaces in place (their names are passed to `onKept`). */
  keep?: boolean;
  onKept?: (namespaces: string[]) => void;
  /**
   * Namespace name prefix: `nfw` and up to 8 lower-case letters or digits. Default: the
   * environment's NFWALK_NETNS_PREFIX, else `nfw` + 6 random hex digits.
   */
  prefix?: string;
}

/** Loads the scenario's ruleset into a namespace, with the tool its format needs. */
async function loadRuleset(sc: Scenario, ns: string): Promise<void> {
  const { format, resolved } = sc.ruleset;
  let argv: string[];
  if (format === 'nft') argv = ['nft', '-I', dirname(resolved), '-f', resolved];
  else if (format === 'nft-json') argv = ['nft', '-j', '-f', resolved];
  else {
    // The family the front end reads the file as: ip6tables-save output goes to ip6 tables.
    const family = detectFamily(readFileSync(resolved, 'utf8'), resolved);
    const tool = family === 'ip6' ? 'ip6tables-nft-restore' : 'iptables-nft-restore';
    const restore = findTool(tool);
    if (!restore) throw new KernelError(`${tool} is not installed (needed for this ruleset)`);
    argv = [restore, resolved];
  }
  try {
    await run(inNetns(ns, argv), { timeoutMs: 30_000 });
  } catch (e) {
    const missing = await missingFeatures(sc);
    const what = `the kernel refused the ruleset ${sc.ruleset.path}: ${(e as Error).message}`;
    if (missing.length === 0) throw new KernelError(what);
    throw new KernelFeatureMissing(
      missing,
      `${what}\nthis kernel lacks ${missing.map((f) => FEATURE_NAMES[f]).join(' and ')}, which the ruleset needs: nfwalk simulates it from the kernel source, and this kernel cannot check it`,
    );
  }
}

/** The features the scenario's ruleset needs that this kernel refuses. */
async function missingFeatures(sc: Scenario): Promise<KernelFeature[]> {
  if (sc.ruleset.format === 'iptables-save') return [];
  let needs: KernelFeature[];
  try {
    needs = featuresOf(
      loadRulesetFile({
        format: sc.ruleset.format,
        path: sc.ruleset.path,
        resolved: sc.ruleset.resolved,
      }),
    );
  } catch {
    return [];
  }
  const out: KernelFeature[] = [];
  for (const f of needs) if ((await probeFeature(f)) !== undefined) out.push(f);
  return out;
}

/** Every (listen, address) a namespace serves: each machine's listens on each of its addresses. */
function socketsOf(listens: Listen[], addresses: string[]) {
  return listens.flatMap((listen) => addresses.map((address) => ({ listen, address })));
}

/** Waits until the monitor has printed nothing new for `quietMs` (at most `maxMs`). */
async function settle(monitor: Background, quietMs: number, maxMs: number): Promise<void> {
  const start = Date.now();
  let last = monitor.stdout().length;
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await sleep(50);
    const now = monitor.stdout().length;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

/**
 * Waits while the host still resolves a neighbour (ARP or neighbour discovery: an INCOMPLETE
 * entry). When no machine answers, the resolution fails after its probes (about three
 * seconds) and the kernel sends the packet's sender an ICMP unreachable
 * (arp_error_report → ipv4_link_failure; ip6_link_failure): waiting keeps it in this
 * conversation's part of the trace. No wait at all when every neighbour is known (the
 * harness makes them static).
 */
async function neighboursSettled(ns: string, monitor: Background): Promise<void> {
  const start = Date.now();
  let waited = false;
  while (Date.now() - start < 6000) {
    const pending = await run(['ip', '-n', ns, 'neigh', 'show', 'nud', 'incomplete']);
    if (pending.trim() === '') break;
    waited = true;
    await sleep(200);
  }
  if (waited) await settle(monitor, 300, 2000);
}

/**
 * Removes the run's namespaces: those it recorded, and any other with its prefix (one an
 * interrupted `ip netns add` finished creating after the run stopped counting).
 */
function removeNamespaces(namespaces: readonly string[], prefix: string): void {
  let listed: string[] = [];
  try {
    // stderr ignored: `ip netns list` complains about namespaces others delete meanwhile.
    listed = execFileSync('ip', ['netns', 'list'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(prefix) && /^[hlm]\d*$/.test(n.slice(prefix.length)));
  } catch {
    // Without a list, the recorded names still go.
  }
  for (const ns of [...new Set([...namespaces].reverse().concat(listed))]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // Already gone.
    }
  }
}

/** Runs the scenario on this kernel and returns the trace the kernel reported. */
export async function kernelTrace(sc: Scenario, opts: KernelOptions = {}): Promise<Trace> {
  const prefix =
    opts.prefix ?? process.env.NFWALK_NETNS_PREFIX ?? `nfw${randomBytes(3).toString('hex')}`;
  if (!/^nfw[a-z0-9]{1,8}$/.test(prefix)) {
    throw new KernelError(
      `namespace prefix "${prefix}": nfw and 1 to 8 lower-case letters or digits`,
    );
  }
  const created: string[] = [];
  const processes: Background[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    for (const p of processes) p.child.kill('SIGKILL');
    if (!opts.keep) removeNamespaces(created, prefix);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let topo: Topology;
    try {
      topo = await buildTopology(sc, prefix, created);
    } catch (e) {
      throw new KernelError(
        `building the scenario in network namespaces failed: ${(e as Error).message}`,
      );
    }
    await loadRuleset(sc, topo.hostNs);
    const index = buildRulesetIndex(
      JSON.parse(await run(inNetns(topo.hostNs, ['nft', '-j', 'list', 'ruleset']))),
    );
    await run(inNetns(topo.hostNs, ['nft', '-f', '-']), { input: traceTables(topo.hostDevices) });

    const hostAddresses = sc.host.interfaces.flatMap((i) => i.addresses.map((c) => c.address));
    const serverSpecs: [string, ReturnType<typeof socketsOf>][] = [
      [topo.hostNs, socketsOf(sc.host.listens, hostAddresses)],
    ];
    for (const [ns, machines] of topo.machinesIn) {
      serverSpecs.push([ns, machines.flatMap((m) => socketsOf(m.listens, m.addresses))]);
    }
    const specs = sc.packets.map((p) => {
      const saddr = p.saddr ?? defaultSource(sc, p.from, p.to);
      return { ...p, ...(saddr ? { saddr } : {}) };
    });
    const held = segmentEnds(sc, specs, topo);
    for (const [ns, sockets] of serverSpecs) {
      const free = sockets.filter(
        (s) => s.listen.protocol !== 'tcp' || !held.has(`${ns} ${s.address} ${s.listen.port}`),
      );
      await startServers(ns, free, (server) => processes.push(server));
    }
    for (const [ns, ends] of groupEnds(held)) {
      await holdPorts(ns, ends, (p) => processes.push(p));
    }
    if (held.size > 0) await quietMachines(topo.machinesIn.keys());

    const monitor = background(inNetns(topo.hostNs, ['nft', '-a', 'monitor', 'trace']));
    processes.push(monitor);
    await sleep(400);
    const starts: number[] = [];
    const segmentStarts: number[][] = [];
    for (const [i, p] of specs.entries()) {
      starts.push(monitor.stdout().length);
      const at: number[] = [];
      segmentStarts.push(at);
      if (p.segments) {
        await sendSegments(topo, sc, p, monitor, at);
        continue;
      }
      await sendRequest(topo.nsOf(p.from), p, echoIdentifier(i));
      await settle(monitor, 300, 3000);
      await neighboursSettled(topo.hostNs, monitor);
    }
    const conversations: ConversationTrace[] = assembleRun(
      monitor.stdout(),
      specs,
      starts,
      index,
      segmentStarts,
    ).map((packets, i) => ({ index: i, packets }));
    return { version: 1, scenario: sc.file, conversations };
  } catch (e) {
    // Anything the machine refused (a socket that cannot bind, a tool that fails) is about this
    // run on this kernel, not a bug: say what failed.
    if (e instanceof KernelError) throw e;
    throw new KernelError(`running the scenario on the kernel failed: ${(e as Error).message}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const p of processes) await p.stop();
    if (opts.keep) opts.onKept?.([...created]);
    else removeNamespaces(created, prefix);
  }
}

/** Who sends a segments conversation's replies: the machine that has `to`, else the host. */
function peerName(sc: Scenario, to: string): string {
  return sc.hosts.find((m) => m.addresses.includes(to))?.name ?? 'host';
}

/**
 * The (namespace, address, port) ends of every segments conversation, held so that neither
 * TCP stack answers a segment (src/kernel/segments.ts), as "ns address port".
 */
function segmentEnds(sc: Scenario, specs: readonly PacketSpec[], topo: Topology): Set<string> {
  const ends = new Set<string>();
  for (const p of specs) {
    if (!p.segments) continue;
    if (p.saddr === undefined) {
      throw new KernelError(
        `a conversation with segments from the host needs its saddr to be run on the kernel (to ${p.to})`,
      );
    }
    ends.add(`${topo.nsOf(p.from)} ${p.saddr} ${p.sport}`);
    ends.add(`${topo.nsOf(peerName(sc, p.to))} ${p.to} ${p.dport}`);
  }
  return ends;
}

function groupEnds(held: Set<string>): Map<string, { address: string; port: number }[]> {
  const by = new Map<string, { address: string; port: number }[]>();
  for (const key of held) {
    const [ns, address, port] = key.split(' ') as [string, string, string];
    by.set(ns, [...(by.get(ns) ?? []), { address, port: Number(port) }]);
  }
  return by;
}

/** Writes a conversation's segments one by one, noting where each one's trace starts. */
async function sendSegments(
  topo: Topology,
  sc: Scenario,
  p: PacketSpec,
  monitor: Background,
  at: number[],
): Promise<void> {
  const client = { address: p.saddr ?? '', port: p.sport ?? 0 };
  const server = { address: p.to, port: p.dport ?? 0 };
  const headers = segmentHeaders(p.segments ?? []);
  for (const [i, tcp] of headers.entries()) {
    at.push(monitor.stdout().length);
    const there = p.segments?.[i]?.dir === 'request';
    const ns = topo.nsOf(there ? p.from : peerName(sc, p.to));
    await sendSegment(ns, there ? client : server, there ? server : client, tcp);
    await settle(monitor, 250, 2000);
    await neighboursSettled(topo.hostNs, monitor);
  }
}

/** A machine sends from its first address of the destination's family; the host lets the kernel pick. */
function defaultSource(sc: Scenario, from: string, to: string): string | undefined {
  if (from === 'host') return undefined;
  const family = parseAddress(to);
  const m = sc.hosts.find((x) => x.name === from);
  return m?.addresses.find((a) => {
    const p = parseAddress(a);
    return !('error' in p) && !('error' in family) && p.family === family.family;
  });
}
