/**
 * Builders for rule-evaluation tests: an EvalEnv with a default packet (IPv4 TCP SYN from
 * 10.0.0.1:40000 to 10.0.0.2:22 arriving on eth0, conntrack state new), and small helpers to
 * write rules as the model the nft front end produces.
 */

import type { CtView } from '../../../src/conntrack/table.ts';
import type { EvalEnv, FibResult, MetaView } from '../../../src/netfilter/env.ts';
import type { Packet } from '../../../src/packet/packet.ts';
import type {
  Expr,
  Family,
  MatchStmt,
  NamedSet,
  RelOp,
  Rule,
  SetElement,
  Statement,
  Table,
} from '../../../src/ruleset/model.ts';

export interface EnvOptions {
  family?: Family;
  packet?: Partial<Packet>;
  meta?: Partial<MetaView>;
  /** `null`: no conntrack entry. */
  ct?: Partial<CtView> | null;
  fib?: Partial<FibResult>;
  sets?: NamedSet[];
  table?: Partial<Table>;
  route?: EvalEnv['route'];
  seed?: number;
}

/** An IPv4 ICMP echo request (the packet's transport fields: no ports, no TCP header). */
export function icmpEcho(id = 1): NonNullable<EnvOptions['packet']> {
  return {
    l4proto: 'icmp',
    protocolNumber: 1,
    tcp: undefined,
    sport: undefined,
    dport: undefined,
    icmp: { type: 8, code: 0, id, sequence: 1 },
  };
}

export function makeEnv(o: EnvOptions = {}): EvalEnv {
  const packet: Packet = {
    family: 'ip',
    saddr: '10.0.0.1',
    daddr: '10.0.0.2',
    l4proto: 'tcp',
    protocolNumber: 6,
    sport: 40000,
    dport: 22,
    tcp: { flags: ['syn'], seq: 1000, ackSeq: 0, window: 64240 },
    length: 60,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    id: 1,
    ...o.packet,
  };
  const meta: MetaView = {
    iif: 'eth0',
    oif: null,
    mark: 0,
    pkttype: 'host',
    nfproto: packet.family,
    priority: 0,
    local: false,
    ...o.meta,
  };
  const ct: CtView | undefined =
    o.ct === null
      ? undefined
      : {
          state: 'new',
          direction: 'original',
          status: [],
          mark: 0,
          zone: 0,
          labels: [],
          original: {
            saddr: packet.saddr,
            daddr: packet.daddr,
            l4proto: packet.l4proto,
            sport: packet.sport,
            dport: packet.dport,
          },
          reply: {
            saddr: packet.daddr,
            daddr: packet.saddr,
            l4proto: packet.l4proto,
            sport: packet.dport,
            dport: packet.sport,
          },
          ...o.ct,
        };
  const sets = o.sets ?? [];
  const table: Table = {
    family: o.family ?? 'inet',
    name: 't',
    flags: [],
    chains: [],
    sets,
    objects: [],
    flowtables: [],
    ...o.table,
  };
  const env: EvalEnv = {
    family: o.family ?? 'inet',
    hook: 'input',
    table,
    packet,
    meta,
    fib: () => ({ type: 'local', oif: 'eth0', ...o.fib }),
    set: (name) => table.sets.find((s) => s.name === name),
    seed: o.seed ?? 1,
  };
  if (ct) env.ct = ct;
  if (o.route) env.route = o.route;
  return env;
}

// ---------------------------------------------------------------------------------------------
// Model builders

export const v = (text: string, quoted = false): Expr =>
  quoted ? { kind: 'value', text, quoted } : { kind: 'value', text };
export const pl = (protocol: string, field: string): Expr => ({ kind: 'payload', protocol, field });
export const meta = (key: string): Expr => ({ kind: 'meta', key });
export const ct = (key: string, dir?: 'original' | 'reply'): Expr =>
  dir ? { kind: 'ct', key, dir } : { kind: 'ct', key };
export const list = (...items: string[]): Expr => ({ kind: 'list', items: items.map((i) => v(i)) });
export const set = (...keys: (string | Expr)[]): Expr => ({
  kind: 'set',
  elements: keys.map((k) => ({ key: typeof k === 'string' ? v(k) : k })),
});
export const map = (...pairs: [string | Expr, string | Expr][]): Expr => ({
  kind: 'set',
  elements: pairs.map(([k, d]) => ({
    key: typeof k === 'string' ? v(k) : k,
    value: typeof d === 'string' ? v(d) : d,
  })),
});
export const concat = (...parts: Expr[]): Expr => ({ kind: 'concat', parts });
export const range = (low: string, high: string): Expr => ({
  kind: 'range',
  low: v(low),
  high: v(high),
});
export const prefix = (addr: string, length: number): Expr => ({
  kind: 'prefix',
  expr: v(addr),
  length,
});
export const ref = (name: string): Expr => ({ kind: 'setref', name });
export const star: Expr = { kind: 'symbol', name: '*' };

/** `left right` (implicit op) or `left op right`. */
export function m(left: Expr, right: Expr, op?: RelOp, mask?: Expr): MatchStmt {
  const s: MatchStmt = { kind: 'match', left, op: op ?? '==', right };
  if (!op) s.implicitOp = true;
  if (mask) s.mask = mask;
  return s;
}

export const accept: Statement = { kind: 'verdict', verdict: { kind: 'accept' } };
export const drop: Statement = { kind: 'verdict', verdict: { kind: 'drop' } };
export const counter: Statement = { kind: 'counter' };

export function rule(...statements: Statement[]): Rule {
  return { index: 0, statements, text: '(test rule)' };
}

export function namedSet(
  name: string,
  names: string[],
  elements: SetElement[],
  extra: Partial<NamedSet> = {},
): NamedSet {
  return {
    kind: 'set',
    name,
    key: { form: 'type', names },
    flags: [],
    elements,
    ...extra,
  };
}
