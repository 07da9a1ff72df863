/**
 * TCP past the handshake (issue 17's widened model): conversations that list their segments
 * (scenario extension `segments`) — a whole connection with data and a FIN close, a RST from
 * either side, a refused SYN, a stray ACK or FIN with no entry behind it, a segment outside
 * the window, retransmissions, flags no stack sends — and the rules people write around
 * conntrack's TCP states: `ct state invalid drop`, `ct state established,related accept`,
 * `tcp flags` checks, `ct state new` with a SYN check. Drawn from the case's second random
 * stream (generate.ts), so the rest of a seed's case is what it was before.
 */
import type { FuzzCase, FuzzChain, FuzzPacket, FuzzSegment, FuzzTable } from './case.ts';
import { crossesHost, type Endpoint, endpoints } from './packets.ts';
import type { Random } from './random.ts';
import { PORTS } from './topology.ts';

type Seg = FuzzSegment;
const seg = (dir: Seg['dir'], flags: string[], extra: Partial<Seg> = {}): Seg => ({
  dir,
  flags,
  ...extra,
});
const handshake = (): Seg[] => [
  seg('request', ['syn']),
  seg('reply', ['syn', 'ack']),
  seg('request', ['ack']),
];

/** Data both ways, now and then. */
function data(r: Random): Seg[] {
  const out: Seg[] = [];
  if (r.chance(0.8)) out.push(seg('request', ['psh', 'ack'], { payload: r.int(1, 200) }));
  if (r.chance(0.7)) out.push(seg('reply', ['psh', 'ack'], { payload: r.int(1, 1400) }));
  if (out.length > 0 && r.chance(0.5)) out.push(seg('request', ['ack']));
  return out;
}

/** A FIN close: the client first, the server first, or both at once. */
function close(r: Random): Seg[] {
  const [a, b] = r.chance(0.7) ? (['request', 'reply'] as const) : (['reply', 'request'] as const);
  if (r.chance(0.15))
    return [seg(a, ['fin', 'ack']), seg(b, ['fin', 'ack']), seg(a, ['ack']), seg(b, ['ack'])];
  if (r.chance(0.3)) return [seg(a, ['fin', 'ack']), seg(b, ['fin', 'ack']), seg(a, ['ack'])];
  return [seg(a, ['fin', 'ack']), seg(b, ['ack']), seg(b, ['fin', 'ack']), seg(a, ['ack'])];
}

const ODD_FLAGS: string[][] = [
  [],
  ['syn', 'fin'],
  ['syn', 'rst'],
  ['fin'],
  ['fin', 'psh', 'urg'],
  ['syn', 'ack'],
  ['rst', 'ack'],
  ['psh'],
];

/** One conversation's segments, of a kind drawn with the frequency it has on real links. */
function segments(r: Random): Seg[] {
  const kind = r.weighted([
    ['whole', 30],
    ['reset', 14],
    ['refused', 8],
    ['stray-ack', 10],
    ['stray', 6],
    ['window', 12],
    ['retransmit', 6],
    ['reopen', 5],
    ['half', 9],
  ] as const);
  let out: Seg[];
  switch (kind) {
    case 'whole':
      out = [...handshake(), ...data(r), ...close(r)];
      // Cut short now and then: a connection seen only part of the way.
      if (r.chance(0.2)) out = out.slice(0, r.int(1, out.length - 1));
      break;
    case 'reset': {
      const side = r.chance(0.6) ? 'request' : 'reply';
      out = [...handshake(), ...data(r), seg(side, r.chance(0.5) ? ['rst'] : ['rst', 'ack'])];
      if (r.chance(0.3)) out.push(seg(side === 'request' ? 'reply' : 'request', ['ack']));
      break;
    }
    case 'refused':
      out = [seg('request', ['syn']), seg('reply', ['rst', 'ack'])];
      if (r.chance(0.3)) out.push(seg('request', ['syn']));
      break;
    case 'stray-ack':
      out = [seg('request', r.chance(0.7) ? ['ack'] : ['psh', 'ack'], { payload: r.int(0, 64) })];
      if (r.chance(0.6)) out.push(seg('reply', r.chance(0.6) ? ['rst'] : ['ack']));
      break;
    case 'stray':
      out = [seg(r.chance(0.8) ? 'request' : 'reply', r.pick(ODD_FLAGS))];
      if (r.chance(0.4)) out.push(...handshake());
      break;
    case 'window':
      out = [...handshake(), ...outside(r)];
      if (r.chance(0.4)) out.push(...data(r));
      break;
    case 'retransmit':
      out = [seg('request', ['syn']), seg('request', ['syn'])];
      out.push(seg('reply', ['syn', 'ack']));
      if (r.chance(0.5)) out.push(seg('reply', ['syn', 'ack']));
      out.push(seg('request', ['ack']));
      break;
    case 'reopen':
      out = [...handshake(), ...close(r), ...handshake()];
      break;
    case 'half':
      // Only one direction's segments pass the host both ways (a SYN answered late, an ACK
      // before the SYN-ACK): orders conntrack must judge.
      out = r.pick([
        [seg('request', ['syn']), seg('request', ['ack'])],
        [seg('request', ['syn']), seg('reply', ['syn', 'ack']), seg('reply', ['syn', 'ack'])],
        [seg('reply', ['syn'])],
        [seg('request', ['syn']), seg('reply', ['ack'])],
        [seg('request', ['syn']), seg('reply', ['syn', 'ack']), seg('request', ['rst'])],
      ]);
      break;
  }
  return mutate(r, out);
}

/** A segment outside the window: sequence or acknowledgement far off, or just past it. */
function outside(r: Random): Seg[] {
  const dir = r.chance(0.7) ? 'request' : 'reply';
  const off = r.pick([1_000_000, 70_000, 64_241, -70_000, 900_000_000]);
  if (r.chance(0.7)) return [seg(dir, ['psh', 'ack'], { payload: r.int(1, 100), seq: off })];
  return [seg(dir, ['ack'], { ack: r.pick([100_000, 1_000_000, -100_000]) })];
}

/** Now and then one segment with other flags or a small sequence offset. */
function mutate(r: Random, out: Seg[]): Seg[] {
  if (out.length === 0 || !r.chance(0.12)) return out;
  const i = r.int(0, out.length - 1);
  const s = out[i]!;
  out[i] = r.chance(0.5)
    ? { ...s, flags: r.pick(ODD_FLAGS) }
    : { ...s, seq: r.pick([-1, 1, 100, 65_000]) };
  return out;
}

/** The host's address to send a segments conversation from: one on the peer's side. */
function hostSource(c: Omit<FuzzCase, 'seed'>, to: Endpoint, daddr: string): string | undefined {
  const six = daddr.includes(':');
  const fam = (a: string) => a.includes(':') === six;
  const facing = c.host.interfaces.find((i) => i.name === to.via);
  const own = facing?.addresses.map((a) => a.split('/')[0]!).find(fam);
  return (
    own ??
    c.host.interfaces
      .filter((i) => i.name !== 'lo')
      .flatMap((i) => i.addresses.map((a) => a.split('/')[0]!))
      .find(fam)
  );
}

/**
 * Ports a segments conversation must not take: on the kernel both its ends are held by a
 * listener that drops every segment (src/kernel/segments.ts) for the whole run, so another
 * conversation to that port — or NATed to it (dnat keeps the port unless it names one) —
 * would meet the holder instead of the machine's own stack.
 */
function portsInUse(c: Omit<FuzzCase, 'seed'>): Set<number> {
  const used = new Set(c.packets.flatMap((p) => (p.dport && !p.segments ? [p.dport] : [])));
  for (const t of c.tables)
    for (const ch of t.chains)
      for (const rule of ch.rules)
        for (const m of rule.matchAll(/(?:dnat|redirect)\b[^;]*?:(\d+)$/g)) used.add(Number(m[1]));
  return used;
}

/** One to three conversations that list their segments, between endpoints the host sees. */
export function tcpConversations(r: Random, c: Omit<FuzzCase, 'seed'>): FuzzPacket[] {
  const all = endpoints(c);
  const out: FuzzPacket[] = [];
  const inUse = portsInUse(c);
  const free = PORTS.filter((p) => !inUse.has(p));
  const used = new Set(c.packets.flatMap((p) => (p.sport ? [p.sport] : [])));
  const n = r.weighted([
    [1, 50],
    [2, 35],
    [3, 15],
  ] as const);
  for (let i = 0; out.length < n && i < n * 4; i++) {
    const from = r.weighted(all.map((e) => [e, e.name === 'host' ? 1 : 3] as const));
    const peers = all.filter((e) => crossesHost(from, e));
    if (peers.length === 0) continue;
    const to = r.pick(peers);
    const six = r.chance(0.25) && to.addresses.some((a) => a.includes(':'));
    const fam = (a: string) => a.includes(':') === six;
    if (!from.addresses.some(fam)) continue;
    const daddr = to.addresses.filter(fam)[0];
    if (!daddr) continue;
    let sport = r.int(30000, 59999);
    while (used.has(sport)) sport = r.int(30000, 59999);
    used.add(sport);
    const saddr = from.name === 'host' ? hostSource(c, to, daddr) : undefined;
    if (from.name === 'host' && !saddr) continue;
    out.push({
      from: from.name,
      to: daddr,
      protocol: 'tcp',
      ...(saddr ? { saddr } : {}),
      sport,
      dport: free.length > 0 ? r.pick(free) : 8443,
      segments: segments(r),
    });
  }
  return out;
}

/** The rules a stateful TCP firewall has, for a filter chain of an ip, ip6 or inet table. */
function stateRule(r: Random): string {
  const port = () => r.pick(PORTS);
  return r.weighted([
    ['ct state invalid drop', 20],
    ['ct state invalid counter drop', 4],
    ['ct state established,related accept', 16],
    [`tcp flags & (fin|syn|rst|ack) == syn ct state new tcp dport ${port()} accept`, 8],
    [`tcp dport ${port()} tcp flags syn ct state new accept`, 5],
    ['ct state new tcp flags & (syn|ack) != syn drop', 6],
    ['tcp flags & (fin|syn) == fin|syn drop', 4],
    ['tcp flags & (syn|rst) == syn|rst drop', 3],
    ['tcp flags == 0x0 drop', 3],
    ['tcp flags & (fin|psh|urg) == fin|psh|urg drop', 2],
    ['tcp flags rst counter', 3],
    ['tcp flags & (fin|rst) != 0 counter accept', 2],
    ['tcp flags syn / syn,ack counter', 3],
    ['ct state invalid tcp flags rst accept', 2],
    ['ct state established tcp flags fin counter', 2],
    [`tcp dport ${port()} ct state new,established accept`, 4],
    ['ct state untracked accept', 1],
  ] as const);
}

const stateful = (t: FuzzTable) => t.family === 'ip' || t.family === 'ip6' || t.family === 'inet';

/** Puts TCP-state rules into the filter base chains of the case's ip, ip6 and inet tables. */
export function addStateRules(r: Random, tables: FuzzTable[]): void {
  const chains: FuzzChain[] = tables
    .filter(stateful)
    .flatMap((t) => t.chains.filter((ch) => ch.base?.type === 'filter'));
  for (const ch of chains) {
    if (!r.chance(0.6)) continue;
    const n = r.int(1, 3);
    for (let i = 0; i < n; i++) {
      const rule = stateRule(r);
      if (ch.rules.includes(rule)) continue;
      // `ct state invalid drop` goes first, as firewalls have it; the rest anywhere.
      const at = rule.startsWith('ct state invalid') ? 0 : r.int(0, ch.rules.length);
      ch.rules.splice(at, 0, rule);
    }
  }
}

/** A server's or router's stateful firewall of its own (a table beside the rest). */
export function stateTable(r: Random, c: Omit<FuzzCase, 'seed' | 'tables'>): FuzzTable {
  const v6 = c.machines.some((m) => m.addresses.some((a) => a.includes(':')));
  const family = v6 && r.chance(0.6) ? 'inet' : 'ip';
  const open = r
    .sample(PORTS, r.int(1, 3))
    .sort((a, b) => a - b)
    .join(', ');
  const input: string[] = ['ct state invalid drop', 'ct state established,related accept'];
  if (r.chance(0.5)) input.push('iifname "lo" accept');
  if (r.chance(0.5)) input.push('ct state new tcp flags & (syn|ack) != syn drop');
  input.push(
    r.chance(0.6)
      ? `tcp flags & (fin|syn|rst|ack) == syn tcp dport { ${open} } ct state new accept`
      : `tcp dport { ${open} } accept`,
  );
  const chains: FuzzChain[] = [
    {
      name: 'input',
      base: { type: 'filter', hook: 'input', priority: r.pick([0, 0, 10, -10]), policy: 'drop' },
      rules: r.chance(0.2) ? input.slice(1) : input,
    },
  ];
  if (c.host.interfaces.length > 2 && r.chance(0.6)) {
    chains.push({
      name: 'forward',
      base: { type: 'filter', hook: 'forward', priority: 0, policy: r.pick(['drop', 'accept']) },
      rules: ['ct state invalid drop', 'ct state established,related accept', stateRule(r)],
    });
  }
  return { family, name: 'fw', sets: [], chains };
}
