/**
 * Random but realistic nftables rulesets for a case's network: tables of the families ip,
 * ip6, inet and bridge (netdev now and then), base chains of type filter and nat on every hook
 * they may take with random priorities and policies, regular chains reached by jump and goto,
 * named sets and maps, inline sets and verdict maps, marks, ct state, NAT (dnat, snat,
 * masquerade, redirect), reject (ICMP and TCP reset) and counters. Every rule matches on
 * what the case has (its interfaces, addresses and ports), so rules match often enough to
 * matter. Statements go only where the kernel takes them (reject in input, forward and output;
 * nat statements in nat chains of the hooks they belong to), so the kernel loads what it gets.
 */
import type {
  ChainType,
  FuzzCase,
  FuzzChain,
  FuzzFamily,
  FuzzHook,
  FuzzSet,
  FuzzTable,
} from './case.ts';
import type { Random } from './random.ts';
import { PORTS } from './topology.ts';

interface World {
  interfaces: string[];
  /** Bridge ports (the bridge family's iif/oif). */
  ports: string[];
  links: string[];
  v4: string[];
  v6: string[];
  nets4: string[];
  nets6: string[];
  machines4: string[];
  machines6: string[];
  host4: string[];
  host6: string[];
  bridged: boolean;
}

type SetKind = 'addr4' | 'addr6' | 'net4' | 'port' | 'markmap';

interface TableState {
  family: FuzzFamily;
  sets: { name: string; kind: SetKind }[];
  /** Regular chains: their name and the base chain whose context they run in. */
  regulars: { name: string; owner: string }[];
}

interface Ctx {
  family: FuzzFamily;
  hook: FuzzHook;
  type: ChainType;
  priority: number;
  /** The base chain this chain runs under. */
  owner: string;
  /** The chain's own name. */
  name: string;
  regular: boolean;
  table: TableState;
}

const isV6 = (a: string) => a.includes(':');

function networkOf(cidr: string): string {
  const [addr, len] = cidr.split('/') as [string, string];
  if (isV6(addr)) return `${addr.replace(/::[0-9a-f]*$/, '::')}/${len}`;
  const n = Number(len);
  const parts = addr.split('.').map(Number);
  const bits = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const masked = n === 0 ? 0 : (bits & (~0 << (32 - n))) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (masked >>> s) & 0xff).join('.')}/${n}`;
}

function worldOf(c: Omit<FuzzCase, 'tables' | 'seed' | 'packets'>): World {
  const ifs = c.host.interfaces;
  const hostAddrs = ifs.filter((i) => i.name !== 'lo').flatMap((i) => i.addresses);
  const host = hostAddrs.map((a) => a.split('/')[0]!);
  const machines = c.machines.flatMap((m) => m.addresses);
  return {
    interfaces: ifs.map((i) => i.name),
    ports: c.machines.flatMap((m) => (m.port ? [m.port] : [])),
    links: ifs.filter((i) => i.name !== 'lo' && i.kind !== 'bridge').map((i) => i.name),
    v4: [...host, ...machines].filter((a) => !isV6(a)),
    v6: [...host, ...machines].filter(isV6),
    nets4: hostAddrs.filter((a) => !isV6(a)).map(networkOf),
    nets6: hostAddrs.filter(isV6).map(networkOf),
    machines4: machines.filter((a) => !isV6(a)),
    machines6: machines.filter(isV6),
    host4: host.filter((a) => !isV6(a)),
    host6: host.filter(isV6),
    bridged: ifs.some((i) => i.kind === 'bridge'),
  };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** The IP versions a chain of this family can match on. */
function versions(ctx: Ctx, w: World): (4 | 6)[] {
  if (ctx.family === 'ip') return [4];
  if (ctx.family === 'ip6') return [6];
  return w.v6.length > 0 ? [4, 6] : [4];
}

const hasIif = (h: FuzzHook) => h !== 'output';
const hasOif = (h: FuzzHook) => h === 'forward' || h === 'output' || h === 'postrouting';
const inetLike = (f: FuzzFamily) => f === 'ip' || f === 'ip6' || f === 'inet';

/** One match expression, or undefined when the random choice does not fit this chain. */
function match(r: Random, ctx: Ctx, w: World): string | undefined {
  const v = r.pick(versions(ctx, w));
  const ip = v === 4 ? 'ip' : 'ip6';
  const addrs = v === 4 ? w.v4 : w.v6;
  const nets = v === 4 ? w.nets4 : w.nets6;
  const devices = ctx.family === 'bridge' ? [...w.ports, ...w.interfaces] : w.interfaces;
  const kind = r.weighted([
    ['iif', 14],
    ['oif', 10],
    ['addr', 18],
    ['net', 6],
    ['set', 8],
    ['l4', 10],
    ['port', 22],
    ['ct', 14],
    ['mark', 6],
    ['icmp', 4],
    ['nfproto', 2],
  ] as const);
  switch (kind) {
    case 'iif':
      return hasIif(ctx.hook) ? `iifname "${r.pick(devices)}"` : undefined;
    case 'oif':
      return hasOif(ctx.hook) && ctx.family !== 'netdev'
        ? `oifname "${r.pick(devices)}"`
        : undefined;
    case 'addr':
      return `${ip} ${r.pick(['saddr', 'daddr'])} ${r.pick(addrs)}`;
    case 'net':
      return nets.length > 0 ? `${ip} ${r.pick(['saddr', 'daddr'])} ${r.pick(nets)}` : undefined;
    case 'set': {
      const want: SetKind[] = v === 4 ? ['addr4', 'net4'] : ['addr6'];
      const sets = ctx.table.sets.filter((s) => want.includes(s.kind));
      if (sets.length > 0) return `${ip} ${r.pick(['saddr', 'daddr'])} @${r.pick(sets).name}`;
      const ports = ctx.table.sets.filter((s) => s.kind === 'port');
      if (ports.length > 0) return `${r.pick(['tcp', 'udp'])} dport @${r.pick(ports).name}`;
      return undefined;
    }
    case 'l4':
      return `meta l4proto ${r.pick(['tcp', 'udp', v === 4 ? 'icmp' : 'ipv6-icmp'])}`;
    case 'port': {
      const l4 = r.weighted([
        ['tcp', 50],
        ['udp', 40],
        ['th', 4],
      ] as const);
      if (r.chance(0.2)) {
        const ps = r.sample(PORTS, r.int(2, 3)).sort((a, b) => a - b);
        return `${l4} dport { ${ps.join(', ')} }`;
      }
      return `${l4} dport ${r.pick(PORTS)}`;
    }
    case 'ct':
      if (!inetLike(ctx.family)) return undefined;
      return r.weighted([
        ['ct state established,related', 40],
        ['ct state new', 30],
        ['ct state invalid', 10],
        ['ct state established', 10],
        ['ct status dnat', 10],
      ] as const);
    case 'mark':
      return r.chance(0.7) ? `meta mark ${hex(r.int(1, 3))}` : `meta mark != ${hex(0)}`;
    case 'icmp':
      return v === 4 ? 'icmp type echo-request' : 'icmpv6 type echo-request';
    case 'nfproto':
      return ctx.family === 'inet' ? `meta nfproto ipv${v}` : undefined;
  }
}

/** What a match tests (one test of each per rule: no `iifname "a" iifname "b"`). */
function subject(m: string): string {
  const [a, b] = m.split(' ');
  return a === 'tcp' || a === 'udp' || a === 'th' ? 'port' : `${a} ${b}`;
}

/** The network and transport protocol a part of a rule implies (nft refuses a mix). */
function protocols(part: string): { l3?: string; l4?: string } {
  const out: { l3?: string; l4?: string } = {};
  const l4 = /(?:^|\s)(?:meta l4proto (\S+)|(tcp|udp|icmpv6|icmp) (?:dport|type|reset))/g;
  for (const m of part.matchAll(l4)) {
    const p = m[1] ?? m[2]!;
    out.l4 = p === 'icmpv6' ? 'ipv6-icmp' : p;
    if (m[2] === 'icmp' && !part.includes('reject')) out.l3 = 'ip';
    if (m[2] === 'icmpv6') out.l3 = 'ip6';
  }
  if (/(?:^|\s)ip (?:saddr|daddr)|meta nfproto ipv4|with icmp type/.test(part)) out.l3 = 'ip';
  if (/(?:^|\s)ip6 (?:saddr|daddr)|meta nfproto ipv6|with icmpv6 type/.test(part)) out.l3 = 'ip6';
  if (out.l4 === 'icmp' && out.l3 === undefined) out.l3 = 'ip';
  if (out.l4 === 'ipv6-icmp' && out.l3 === undefined) out.l3 = 'ip6';
  return out;
}

/** Whether `part` can join `parts` in one rule without nft refusing the protocols. */
function fits(parts: readonly string[], part: string): boolean {
  const p = protocols(part);
  return parts.every((x) => {
    const q = protocols(x);
    return (!p.l3 || !q.l3 || p.l3 === q.l3) && (!p.l4 || !q.l4 || p.l4 === q.l4);
  });
}

function matches(r: Random, ctx: Ctx, w: World, max: number): string[] {
  const n = r.int(0, max);
  const out: string[] = [];
  for (let i = 0; i < n * 3 && out.length < n; i++) {
    const m = match(r, ctx, w);
    if (m && !out.some((x) => subject(x) === subject(m)) && fits(out, m)) out.push(m);
  }
  return out;
}

/** Regular chains this chain may jump or go to (later ones of its owner: no loops). */
function targets(ctx: Ctx): string[] {
  const regs = ctx.table.regulars.filter((x) => x.owner === ctx.owner);
  if (!ctx.regular) return regs.map((x) => x.name);
  const at = regs.findIndex((x) => x.name === ctx.name);
  return regs.slice(at + 1).map((x) => x.name);
}

const rejectHooks: FuzzHook[] = ['input', 'forward', 'output'];

function reject(r: Random, ctx: Ctx, parts: string[]): string {
  const tcp = parts.some((p) => p.startsWith('tcp '));
  if (r.chance(0.3)) {
    // With the tcp context it needs, or (rarely) without, as people write it.
    const context = tcp || r.chance(0.15) ? [] : ['meta l4proto tcp'];
    return [...context, 'reject with tcp reset'].join(' ');
  }
  const icmp: Record<string, string[]> = {
    ip: ['icmp type host-unreachable', 'icmp type admin-prohibited', 'icmp type port-unreachable'],
    ip6: ['icmpv6 type admin-prohibited', 'icmpv6 type no-route', 'icmpv6 type port-unreachable'],
    inet: [
      'icmpx type admin-prohibited',
      'icmpx type port-unreachable',
      'icmpx type host-unreachable',
    ],
  };
  return r.chance(0.4) ? 'reject' : `reject with ${r.pick(icmp[ctx.family] ?? ['icmp'])}`;
}

/** A verdict map over ports or addresses, its verdicts fit for this chain. */
function vmap(r: Random, ctx: Ctx, w: World): string {
  const jumps = targets(ctx);
  const verdict = () =>
    jumps.length > 0 && r.chance(0.35)
      ? `${r.pick(['jump', 'goto'])} ${r.pick(jumps)}`
      : r.pick(['accept', 'drop']);
  if (r.chance(0.6)) {
    const ps = r.sample(PORTS, r.int(1, 3)).sort((a, b) => a - b);
    return `${r.pick(['tcp', 'udp'])} dport vmap { ${ps.map((p) => `${p} : ${verdict()}`).join(', ')} }`;
  }
  const v = r.pick(versions(ctx, w));
  const pool = v === 4 ? [...w.v4, ...w.nets4] : [...w.v6, ...w.nets6];
  const keys = r.sample(pool, r.int(1, 2));
  // An interval (a network) and an address inside it cannot share an anonymous set.
  const plain = keys.some((k) => k.includes('/')) ? keys.slice(0, 1) : keys;
  return `${v === 4 ? 'ip' : 'ip6'} ${r.pick(['saddr', 'daddr'])} vmap { ${plain.map((k) => `${k} : ${verdict()}`).join(', ')} }`;
}

function filterRule(r: Random, ctx: Ctx, w: World): string {
  const parts = matches(r, ctx, w, 2);
  const inet = inetLike(ctx.family);
  // A statement before the verdict, now and then.
  const statement = r.weighted([
    ['none', 60],
    ['counter', 20],
    ['mark', 10],
    ['ctmark', inet ? 4 : 0],
    ['markmap', 3],
    ['notrack', inet && ctx.priority <= -300 && ctx.hook !== 'forward' ? 3 : 0],
  ] as const);
  if (statement === 'counter') parts.push('counter');
  else if (statement === 'mark') parts.push(`meta mark set ${hex(r.int(1, 3))}`);
  else if (statement === 'ctmark')
    parts.push(r.pick(['ct mark set meta mark', 'meta mark set ct mark']));
  else if (statement === 'markmap') {
    const maps = ctx.table.sets.filter((s) => s.kind === 'markmap');
    const m = `meta l4proto tcp meta mark set tcp dport map @${maps[0]?.name}`;
    if (maps.length > 0 && fits(parts, m)) parts.push(m);
  } else if (statement === 'notrack') parts.push('notrack');
  const jumps = targets(ctx);
  const verdict = r.weighted([
    ['none', 22],
    ['accept', 24],
    ['drop', 14],
    ['jump', jumps.length > 0 ? 14 : 0],
    ['goto', jumps.length > 0 ? 5 : 0],
    ['return', ctx.regular ? 6 : 0],
    ['reject', inet && rejectHooks.includes(ctx.hook) ? 10 : 0],
    ['vmap', 5],
  ] as const);
  switch (verdict) {
    case 'none':
      if (parts.length === 0) parts.push('counter');
      break;
    case 'jump':
    case 'goto':
      parts.push(`${verdict} ${r.pick(jumps)}`);
      break;
    case 'reject':
    case 'vmap': {
      const v = verdict === 'reject' ? reject(r, ctx, parts) : vmap(r, ctx, w);
      parts.push(fits(parts, v) ? v : 'drop');
      break;
    }
    default:
      parts.push(verdict);
  }
  return parts.join(' ');
}

function natRule(r: Random, ctx: Ctx, w: World): string {
  const v = r.pick(versions(ctx, w));
  const ip = v === 4 ? 'ip' : 'ip6';
  // In an inet table the nat statement names its family.
  const fam = ctx.family === 'inet' ? ` ${ip}` : '';
  const bracket = (a: string) => (v === 6 ? `[${a}]` : a);
  const nets = v === 4 ? w.nets4 : w.nets6;
  const dst = ctx.hook === 'prerouting' || ctx.hook === 'output';
  const targetsOf = v === 4 ? w.machines4 : w.machines6;
  const hosts = v === 4 ? w.host4 : w.host6;
  const kind = dst
    ? r.weighted([
        ['dnat-port', targetsOf.length > 0 ? 40 : 0],
        ['dnat', targetsOf.length > 0 ? 15 : 0],
        ['redirect', 15],
        ['filter', 30],
      ] as const)
    : r.weighted([
        ['masquerade', ctx.hook === 'postrouting' ? 35 : 0],
        ['snat', hosts.length > 0 ? 25 : 0],
        ['filter', 30],
      ] as const);
  const l4 = r.pick(['tcp', 'udp']);
  switch (kind) {
    case 'dnat-port': {
      const extra = hasIif(ctx.hook) && r.chance(0.4) ? [`iifname "${r.pick(w.links)}"`] : [];
      return [
        ...extra,
        `${ip} daddr ${r.pick(hosts.length > 0 && r.chance(0.7) ? hosts : targetsOf)}`,
        `${l4} dport ${r.pick(PORTS)}`,
        `dnat${fam} to ${bracket(r.pick(targetsOf))}:${r.pick(PORTS)}`,
      ].join(' ');
    }
    case 'dnat':
      return `${ip} daddr ${r.pick([...hosts, ...targetsOf])} dnat${fam} to ${r.pick(targetsOf)}`;
    case 'redirect':
      return `${ctx.family === 'inet' ? `meta nfproto ipv${v} ` : ''}${l4} dport ${r.pick(PORTS)} redirect to :${r.pick(PORTS)}`;
    case 'masquerade': {
      const m = matches(r, { ...ctx, hook: 'postrouting' }, w, 1).filter(
        (x) => !x.startsWith('ct '),
      );
      return [r.chance(0.6) ? `oifname "${r.pick(w.links)}"` : '', ...m, 'masquerade']
        .filter(Boolean)
        .join(' ');
    }
    case 'snat':
      return `${ip} saddr ${r.pick(nets.length > 0 ? nets : hosts)} snat${fam} to ${r.pick(hosts)}`;
    case 'filter': {
      const jumps = targets(ctx);
      const parts = matches(r, ctx, w, 2);
      const verdict = r.weighted([
        ['accept', 30],
        ['return', ctx.regular ? 15 : 0],
        ['jump', jumps.length > 0 ? 35 : 0],
        ['counter', 20],
        ['drop', 5],
      ] as const);
      if (verdict === 'jump') parts.push(`jump ${r.pick(jumps)}`);
      else parts.push(verdict);
      return parts.join(' ');
    }
  }
}

function rules(r: Random, ctx: Ctx, w: World, max: number): string[] {
  const n = r.int(ctx.regular ? 1 : 0, max);
  const out: string[] = [];
  if (!ctx.regular && ctx.type === 'filter' && inetLike(ctx.family) && r.chance(0.3))
    out.push('ct state established,related accept');
  while (out.length < n) out.push(ctx.type === 'nat' ? natRule(r, ctx, w) : filterRule(r, ctx, w));
  return out;
}

function priority(r: Random, family: FuzzFamily, type: ChainType, hook: FuzzHook): number {
  if (type === 'nat') {
    const dst = hook === 'prerouting' || hook === 'output';
    return dst
      ? r.pick([-100, -100, -150, 0, r.int(-199, 100)])
      : r.pick([100, 100, 50, 200, r.int(-199, 300)]);
  }
  if (family === 'bridge') return r.pick([-300, -200, 0, 0, 100, 200, r.int(-400, 400)]);
  return r.pick([-300, -150, -100, 0, 0, 0, 10, 50, 100, 200, r.int(-400, 400)]);
}

const HOOKS: FuzzHook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting'];
const NAT_HOOKS: FuzzHook[] = ['prerouting', 'input', 'output', 'postrouting'];

function set(r: Random, kind: SetKind, name: string, w: World): FuzzSet | undefined {
  const elements = (xs: readonly (string | number)[]) => `elements = { ${xs.join(', ')} }`;
  switch (kind) {
    case 'addr4':
      return { name, lines: ['type ipv4_addr', elements(r.sample(w.v4, r.int(1, 3)))] };
    case 'addr6':
      return w.v6.length > 0
        ? { name, lines: ['type ipv6_addr', elements(r.sample(w.v6, r.int(1, 3)))] }
        : undefined;
    case 'net4':
      return {
        name,
        lines: ['type ipv4_addr', 'flags interval', elements(r.sample(w.nets4, r.int(1, 2)))],
      };
    case 'port':
      return {
        name,
        lines: ['type inet_service', elements(r.sample(PORTS, r.int(1, 3)).sort((a, b) => a - b))],
      };
    case 'markmap':
      return {
        name,
        lines: [
          'type inet_service : mark',
          elements(
            r
              .sample(PORTS, r.int(1, 3))
              .sort((a, b) => a - b)
              .map((p) => `${p} : ${hex(r.int(1, 3))}`),
          ),
        ],
      };
  }
}

function table(r: Random, family: FuzzFamily, name: string, w: World): FuzzTable {
  const state: TableState = { family, sets: [], regulars: [] };
  const sets: FuzzSet[] = [];
  const kinds: SetKind[] =
    family === 'ip6'
      ? ['addr6', 'port']
      : family === 'ip'
        ? ['addr4', 'net4', 'port', 'markmap']
        : ['addr4', 'addr6', 'net4', 'port', 'markmap'];
  const nSets = r.weighted([
    [0, 50],
    [1, 35],
    [2, 15],
  ] as const);
  for (const kind of r.sample(kinds, nSets)) {
    const s = set(r, kind, `s${sets.length}`, w);
    if (!s) continue;
    sets.push(s);
    state.sets.push({ name: s.name, kind });
  }

  // Base chains first (their contexts), then regular chains owned by one of them.
  const bases: { chain: FuzzChain; ctx: Ctx }[] = [];
  const nBase = family === 'netdev' ? 1 : r.int(1, 4);
  for (let i = 0; i < nBase; i++) {
    let type: ChainType = 'filter';
    let hook: FuzzHook;
    let device: string | undefined;
    if (family === 'netdev') {
      hook = 'ingress';
      device = r.pick(w.links);
    } else if (family !== 'bridge' && r.chance(0.3)) {
      type = 'nat';
      hook = r.pick(NAT_HOOKS);
    } else hook = r.pick(HOOKS);
    const prio = priority(r, family, type, hook);
    const cname = `${hook.slice(0, 4)}${i}`;
    const policy = type === 'filter' && r.chance(0.2) ? 'drop' : 'accept';
    const chain: FuzzChain = {
      name: cname,
      base: { type, hook, priority: prio, policy, ...(device ? { device } : {}) },
      rules: [],
    };
    bases.push({
      chain,
      ctx: {
        family,
        hook,
        type,
        priority: prio,
        owner: cname,
        name: cname,
        regular: false,
        table: state,
      },
    });
  }
  const regulars: { chain: FuzzChain; ctx: Ctx }[] = [];
  const nReg = r.weighted([
    [0, 35],
    [1, 30],
    [2, 25],
    [3, 10],
  ] as const);
  for (let i = 0; i < nReg; i++) {
    const owner = r.pick(bases);
    const cname = `sub${i}`;
    state.regulars.push({ name: cname, owner: owner.chain.name });
    regulars.push({
      chain: { name: cname, rules: [] },
      ctx: { ...owner.ctx, name: cname, regular: true },
    });
  }
  for (const { chain, ctx } of [...bases, ...regulars]) chain.rules = rules(r, ctx, w, 5);
  // Most regular chains are reached: a jump from their base chain when nothing reaches them.
  for (const { chain, ctx } of regulars) {
    const reached = [...bases, ...regulars].some((x) =>
      x.chain.rules.some((rule) => new RegExp(`(jump|goto) ${chain.name}\\b`).test(rule)),
    );
    if (reached || r.chance(0.2)) continue;
    const owner = bases.find((b) => b.chain.name === ctx.owner)!;
    const m = matches(r, owner.ctx, w, 1);
    const at = r.int(0, owner.chain.rules.length);
    owner.chain.rules.splice(at, 0, [...m, `jump ${chain.name}`].join(' '));
  }
  return { family, name, sets, chains: [...bases, ...regulars].map((x) => x.chain) };
}

export function tables(r: Random, c: Omit<FuzzCase, 'tables' | 'seed' | 'packets'>): FuzzTable[] {
  const w = worldOf(c);
  const n = r.weighted([
    [1, 45],
    [2, 40],
    [3, 15],
  ] as const);
  const out: FuzzTable[] = [];
  for (let i = 0; i < n; i++) {
    const family = r.weighted([
      ['ip', 35],
      ['inet', 35],
      ['ip6', w.v6.length > 0 ? 12 : 0],
      ['bridge', w.bridged ? 35 : 0],
      ['netdev', 4],
    ] as const);
    out.push(table(r, family, `t${i}`, w));
  }
  return out;
}
