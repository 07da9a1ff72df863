/**
 * Turns what was read from a machine (sources.ts) into a scenario: the plain data, the notes
 * about what could not be captured, and the YAML text built with the `yaml` package (comments
 * included, user data never spliced into text by hand).
 */
import { Document, isMap, isPair, isScalar, isSeq, type Pair, type Scalar, visit } from 'yaml';
import { parseAddress } from '../scenario/addresses.ts';
import { type CapturedInterface, readLinks } from './links.ts';
import { readListens } from './listens.ts';
import { type CapturedMachine, readMachines } from './machines.ts';
import { readRules, readTables } from './policy-routing.ts';
import { readRoutes } from './routes.ts';
import { CAPTURED_SYSCTLS, legacyHasRules, type Sources } from './sources.ts';

export interface RulesetChoice {
  format: 'nft' | 'iptables-save';
  text: string;
}

export interface CapturedScenario {
  /** The scenario as plain data, in the key order of docs/spec/scenario-format.md. */
  data: Record<string, unknown>;
  ruleset: RulesetChoice;
  /** Sockets bound to loopback only (written as a comment, not as listens). */
  loopbackOnly: string[];
  /** Everything that could not be captured, one sentence each. */
  notes: string[];
}

export interface CaptureContext {
  /** The scenario's name (file names, host.name). */
  name: string;
  /** Where it was captured, for the title: a host name or `network namespace X`. */
  where: string;
  /** ISO date of the capture. */
  date: string;
  /** The ruleset file's name, relative to the scenario. */
  rulesetFile: (format: RulesetChoice['format']) => string;
}

function chooseRuleset(s: Sources, notes: string[]): RulesetChoice {
  const nft = s.nftRuleset ?? '';
  const legacy = s.iptablesLegacySave !== undefined && legacyHasRules(s.iptablesLegacySave);
  if (nft.trim() !== '') {
    if (legacy)
      notes.push(
        'iptables-legacy rules exist beside the nftables ruleset; only the nftables ruleset was captured (the simulator reads one ruleset)',
      );
    return { format: 'nft', text: nft };
  }
  if (legacy) {
    notes.push(
      'only iptables-legacy rules exist: captured with iptables-legacy-save (IPv4; ip6tables rules are not captured)',
    );
    return { format: 'iptables-save', text: s.iptablesLegacySave! };
  }
  if (s.nftRuleset !== undefined) notes.push('the nftables ruleset is empty');
  return { format: 'nft', text: nft };
}

function sysctls(s: Sources, notes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of CAPTURED_SYSCTLS) {
    const raw = s.sysctl[name];
    const v = raw === undefined ? Number.NaN : Number(raw);
    if (Number.isInteger(v)) out[name] = v;
    else if (name.startsWith('net.bridge.')) {
      // Without br_netfilter no bridged packet reaches the ip hooks: the same as 0.
      out[name] = 0;
      notes.push(`${name} does not exist (br_netfilter is not loaded): written as 0`);
    } else notes.push(`${name} could not be read: the scenario default applies`);
  }
  return out;
}

/** A first conversation so the file loads: a neighbour to the host, or the host to itself. */
function examplePacket(
  machines: readonly CapturedMachine[],
  interfaces: { name: string; addresses: string[] }[],
  listens: readonly string[],
): Record<string, unknown> {
  const hostAddrs = (family: 4 | 6, on?: string) =>
    interfaces
      .filter((i) => i.name !== 'lo' && (on === undefined || i.name === on))
      .flatMap((i) => i.addresses.map((c) => c.split('/')[0]!))
      .filter((a) => {
        const p = parseAddress(a);
        return !('error' in p) && p.family === family;
      });
  const tcp = listens.find((l) => l.startsWith('tcp/'));
  const dport = tcp ? Number(tcp.slice(4)) : 22;
  for (const m of machines) {
    const p = parseAddress(m.addresses[0]!);
    if ('error' in p) continue;
    const to = hostAddrs(p.family, m.interface)[0] ?? hostAddrs(p.family)[0];
    if (to) return { from: m.name, to, protocol: 'tcp', sport: 40000, dport };
  }
  const own = hostAddrs(4)[0] ?? hostAddrs(6)[0];
  if (own) return { from: 'host', to: own, protocol: own.includes(':') ? 'icmpv6' : 'icmp' };
  return { from: 'host', to: '127.0.0.1', protocol: 'icmp' };
}

/** Policy routing beyond the rules every Linux host has: `host.rules` and `host.tables`. */
function policyRouting(
  s: Sources,
  interfaces: readonly CapturedInterface[],
  notes: string[],
): Record<string, unknown> {
  const v4 = readRules(s.rules4, 4, notes);
  const v6 = readRules(s.rules6, 6, notes);
  const rules = [...v4.rules, ...v6.rules];
  const named = new Set([...v4.tables, ...v6.tables]);
  const routes = Object.fromEntries(
    Object.entries(s.tableRoutes ?? {}).filter(([id]) => named.has(Number(id))),
  );
  const tables = readTables(routes, interfaces, notes);
  return {
    ...(tables.length > 0 ? { tables } : {}),
    ...(rules.length > 0 ? { rules } : {}),
  };
}

export function buildScenario(s: Sources, ctx: CaptureContext): CapturedScenario {
  const notes = [...s.notes];
  notes.push(
    'connections known to conntrack are not captured: every conversation starts as a new connection',
  );
  const ruleset = chooseRuleset(s, notes);
  const links = readLinks(s.links, s.addrs, s.bridgePorts);
  notes.push(...links.notes);
  const interfaces = links.interfaces;
  if (!interfaces.some((i) => i.name === 'lo'))
    interfaces.unshift({ name: 'lo', kind: 'link', addresses: ['127.0.0.1/8'] });
  const routes = [
    ...readRoutes(s.routes4, 4, interfaces, notes),
    ...readRoutes(s.routes6, 6, interfaces, notes),
  ];
  const sockets = s.sockets !== undefined ? readListens(s.sockets) : undefined;
  const machines = readMachines(s.neighbours, s.fdb, interfaces, links.portOf, notes);
  if (machines.length > 0)
    notes.push(
      'the machines come from the neighbour table: their open ports are unknown (add `listens:`), and machines the host has not talked to recently are missing',
    );
  else notes.push('the neighbour table is empty: no machine around the host could be captured');
  const listens = sockets?.listens ?? [];

  const host: Record<string, unknown> = {
    name: ctx.name,
    interfaces: interfaces.map((i) => ({
      name: i.name,
      ...(i.kind === 'bridge' ? { kind: 'bridge' } : {}),
      addresses: i.addresses,
    })),
    ...(routes.length > 0 ? { routes } : {}),
    ...policyRouting(s, interfaces, notes),
    sysctl: sysctls(s, notes),
    ...(listens.length > 0 ? { listens } : {}),
  };
  const data: Record<string, unknown> = {
    title: `Captured from ${ctx.where} on ${ctx.date.slice(0, 10)}`,
    summary:
      'Captured by `nfwalk capture`: the ruleset, interfaces, routes, sysctls and listening sockets of this host, and the neighbours it knew. Replace the example conversation with the packets you want to follow.',
    ruleset:
      ruleset.format === 'nft'
        ? ctx.rulesetFile('nft')
        : { 'iptables-save': ctx.rulesetFile('iptables-save') },
    host,
    hosts: machines.map((m) => ({
      name: m.name,
      interface: m.interface,
      ...(m.port !== undefined ? { port: m.port } : {}),
      ...(m.mac !== undefined ? { mac: m.mac } : {}),
      addresses: m.addresses,
    })),
    packets: [examplePacket(machines, interfaces, listens)],
  };
  return { data, ruleset, loopbackOnly: sockets?.loopbackOnly ?? [], notes };
}

const FLOW_KEYS = new Set(['addresses', 'listens']);

function keyNamed(pairs: unknown[], key: string): Pair<Scalar, unknown> | undefined {
  return pairs.find(
    (p): p is Pair<Scalar, unknown> => isPair(p) && isScalar(p.key) && p.key.value === key,
  );
}

/** The YAML text: short lists in flow style, comments where the user has something to do. */
export function scenarioYaml(c: CapturedScenario, ctx: CaptureContext): string {
  const doc = new Document(c.data);
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && FLOW_KEYS.has(String(pair.key.value)) && isSeq(pair.value))
        pair.value.flow = true;
    },
  });
  const header = [
    ` Captured by nfwalk capture from ${ctx.where} at ${ctx.date}.`,
    ' Review it before use; what could not be captured:',
    ...c.notes.map((n) => ` - ${n.replaceAll('\n', ' ')}`),
  ];
  doc.commentBefore = header.join('\n');
  if (!isMap(doc.contents)) return doc.toString();
  const top = doc.contents.items;
  const hostPair = keyNamed(top, 'host');
  if (hostPair && isMap(hostPair.value) && c.loopbackOnly.length > 0) {
    const l = keyNamed(hostPair.value.items, 'listens') ?? keyNamed(hostPair.value.items, 'sysctl');
    if (l) l.key.comment = ` also open on loopback addresses only: ${c.loopbackOnly.join(', ')}`;
  }
  const hostsPair = keyNamed(top, 'hosts');
  if (hostsPair)
    hostsPair.key.commentBefore =
      ' Machines seen in the neighbour table. Add `listens: [tcp/80]` for the sockets a machine has\n open; without it, a machine answers a request with a reset or port unreachable.';
  const packets = keyNamed(top, 'packets');
  if (packets)
    packets.key.commentBefore = [
      ' One conversation each, in order. This first one is only an example so the file loads:',
      ' replace it. Each needs from (a machine name or host), to, protocol (udp, tcp, icmp,',
      ' icmpv6), and sport/dport for tcp and udp; saddr is optional.',
    ].join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
