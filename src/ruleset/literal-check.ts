/**
 * Addresses, ports, prefix lengths and numbers checked against the datatype of what they are
 * compared with, assigned to, translated to or stored in (src/ruleset/literals.ts says what
 * each datatype accepts). nft refuses `ip daddr 172.20.0.400`, `tcp dport 65536`,
 * `ip saddr 10.0.0.0/33` and `ip ttl 300` when it evaluates the rule; so does this, with the
 * value's position,
 * for the nft text and the `nft -j` JSON front ends alike.
 */
import type { Diagnostic } from './diagnostics.ts';
import {
  type IntegerBits,
  integerKind,
  type LiteralKind,
  literalProblem,
  prefixProblem,
  rangeProblem,
} from './literals.ts';
import type { Chain, Expr, NamedSet, Rule, Ruleset, Span, Statement, TypeSpec } from './model.ts';

/** The datatype of each part of a key (one part unless concatenated); undefined: not checked. */
type Kinds = readonly (LiteralKind | undefined)[];

const PORT_PROTOCOLS = ['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th'];

/**
 * The integer header fields by protocol, with their widths in bits (nft's proto.c; each width
 * checked with `nft -c`: the largest value accepted, one more refused).
 */
const PAYLOAD_BITS: Readonly<Record<string, Readonly<Record<string, IntegerBits>>>> = {
  ip: {
    version: 4,
    hdrlength: 4,
    dscp: 6,
    ecn: 2,
    length: 16,
    id: 16,
    'frag-off': 16,
    ttl: 8,
    protocol: 8,
    checksum: 16,
  },
  ip6: { version: 4, dscp: 6, ecn: 2, flowlabel: 20, length: 16, nexthdr: 8, hoplimit: 8 },
  tcp: {
    sequence: 32,
    ackseq: 32,
    doff: 4,
    reserved: 4,
    flags: 8,
    window: 16,
    checksum: 16,
    urgptr: 16,
  },
  udp: { length: 16, checksum: 16 },
  udplite: { csumcov: 16, checksum: 16 },
  icmp: { type: 8, code: 8, checksum: 16, id: 16, sequence: 16, mtu: 16, gateway: 32 },
  icmpv6: {
    type: 8,
    code: 8,
    checksum: 16,
    mtu: 32,
    id: 16,
    sequence: 16,
    'max-delay': 16,
  },
  igmp: { type: 8, mrt: 8, checksum: 16 },
  ether: { type: 16 },
  vlan: { id: 12, pcp: 3, dei: 1, cfi: 1, type: 16 },
  arp: { htype: 16, ptype: 16, hlen: 8, plen: 8, operation: 16 },
  sctp: { vtag: 32, checksum: 32 },
  dccp: { type: 4 },
};

/**
 * The integer fields and keys whose datatype has names for values (nft's symbol tables: `ip dscp
 * cs1`, `tcp flags syn`, `meta pkttype host`…): a word there is a symbol. Every other one is
 * nft's plain `integer`, where a word is "Could not parse integer" (each field and key tried
 * with `nft -c`: test/ruleset/literals.test.ts).
 */
const SYMBOLIC = new Set([
  'ip dscp',
  'ip ecn',
  'ip protocol',
  'ip6 dscp',
  'ip6 ecn',
  'ip6 nexthdr',
  'tcp flags',
  'icmp type',
  'icmp code',
  'icmpv6 type',
  'icmpv6 code',
  'igmp type',
  'ether type',
  'vlan type',
  'arp ptype',
  'arp operation',
  'dccp type',
  'meta mark',
  'meta nfproto',
  'meta l4proto',
  'meta protocol',
  'meta skuid',
  'meta skgid',
  'meta iifgroup',
  'meta oifgroup',
  'meta iiftype',
  'meta oiftype',
  'meta pkttype',
  'ct mark',
  'ct direction',
  'ct l3proto',
  'ct protocol',
]);

/** The datatype of an integer field or key (`ip ttl`, `meta mark`) of `bits` bits. */
function fieldKind(name: string, bits: IntegerBits): LiteralKind {
  // Packet marks have their names checked (iproute2's rt_marks).
  if (name === 'meta mark' || name === 'ct mark') return 'mark';
  return integerKind(bits, !SYMBOLIC.has(name));
}

/** Header fields by protocol, then field (nft's proto.c). */
const PAYLOAD_KINDS: ReadonlyMap<string, ReadonlyMap<string, LiteralKind>> = new Map(
  [...Object.keys(PAYLOAD_BITS), ...PORT_PROTOCOLS.filter((p) => !(p in PAYLOAD_BITS))].map(
    (protocol) => {
      const fields = new Map<string, LiteralKind>(
        Object.entries(PAYLOAD_BITS[protocol] ?? {}).map(([f, bits]) => [
          f,
          fieldKind(`${protocol} ${f}`, bits),
        ]),
      );
      if (protocol === 'ip' || protocol === 'ip6') {
        const addr = protocol === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
        fields.set('saddr', addr).set('daddr', addr);
      }
      if (protocol === 'arp') fields.set('saddr ip', 'ipv4_addr').set('daddr ip', 'ipv4_addr');
      // ICMP types have their names checked (src/ruleset/icmp-types.ts).
      if (protocol === 'icmp') fields.set('type', 'icmp_type');
      if (protocol === 'icmpv6') fields.set('type', 'icmpv6_type');
      if (PORT_PROTOCOLS.includes(protocol))
        fields.set('sport', 'inet_service').set('dport', 'inet_service');
      return [protocol, fields] as const;
    },
  ),
);

/** The integer meta keys, with their widths in bits (checked with `nft -c` as above). */
const META_BITS = new Map<string, IntegerBits>([
  ['mark', 32],
  ['length', 32],
  ['nfproto', 8],
  ['l4proto', 8],
  ['protocol', 16],
  ['skuid', 32],
  ['skgid', 32],
  ['cpu', 32],
  ['iifgroup', 32],
  ['oifgroup', 32],
  ['cgroup', 32],
  ['iiftype', 16],
  ['oiftype', 16],
  ['pkttype', 8],
  ['nftrace', 1],
]);

/** The integer ct keys, with their widths in bits (checked with `nft -c` as above). */
const CT_BITS = new Map<string, IntegerBits>([
  ['mark', 32],
  ['zone', 16],
  ['packets', 64],
  ['bytes', 64],
  ['avgpkt', 64],
  ['direction', 8],
  ['l3proto', 8],
  ['protocol', 8],
]);

/** The meta and ct keys' datatypes. */
const META_KINDS: ReadonlyMap<string, LiteralKind> = new Map(
  [...META_BITS].map(([key, bits]) => [key, fieldKind(`meta ${key}`, bits)]),
);
const CT_KINDS: ReadonlyMap<string, LiteralKind> = new Map(
  [...CT_BITS].map(([key, bits]) => [key, fieldKind(`ct ${key}`, bits)]),
);

/**
 * Every integer field and key checked (`ip ttl`, `meta mark`…), and whether its datatype is
 * nft's plain integer: what the tests hold against `nft -c`.
 */
export function integerFields(): { name: string; plain: boolean }[] {
  const out: { name: string; plain: boolean }[] = [];
  const add = (name: string, kind: LiteralKind | undefined) => {
    if (kind?.startsWith('u') || kind?.startsWith('integer'))
      out.push({ name, plain: kind.startsWith('integer') });
  };
  for (const [protocol, fields] of PAYLOAD_KINDS)
    for (const [field, kind] of fields) add(`${protocol} ${field}`, kind);
  for (const [key, kind] of META_KINDS) add(`meta ${key}`, kind);
  for (const [key, kind] of CT_KINDS) add(`ct ${key}`, kind);
  return out;
}

/** One-part datatypes, made once: kindsOf runs for every match of a listing. */
const SINGLE = new Map<LiteralKind, Kinds>();
for (const kind of [
  'ipv4_addr',
  'ipv6_addr',
  'inet_service',
  'icmp_type',
  'icmpv6_type',
  'mark',
  ...([1, 2, 3, 4, 6, 8, 12, 16, 20, 32, 64] as const).flatMap((b) => [
    integerKind(b),
    integerKind(b, true),
  ]),
] as LiteralKind[])
  SINGLE.set(kind, [kind]);

function single(kind: LiteralKind): Kinds {
  return SINGLE.get(kind) as Kinds;
}

/**
 * Set and map types by name (`type ipv4_addr . inet_service`): the types of the fields above
 * (nft's datatype.c, proto.c and meta.c name them), with names for values where nft has them.
 */
const TYPE_NAMES: ReadonlyMap<string, LiteralKind> = new Map<string, LiteralKind>([
  ['ipv4_addr', 'ipv4_addr'],
  ['ipv6_addr', 'ipv6_addr'],
  ['inet_service', 'inet_service'],
  ['icmp_type', 'icmp_type'],
  ['icmpv6_type', 'icmpv6_type'],
  ['mark', 'mark'],
  ['inet_proto', integerKind(8)],
  ['ether_type', integerKind(16)],
]);

const FAMILY_ADDRESS: Record<string, LiteralKind> = { ip: 'ipv4_addr', ip6: 'ipv6_addr' };

/** Every address, port and prefix length the ruleset writes that nft would refuse. */
export function checkLiterals(rs: Ruleset): Diagnostic[] {
  const checker = new LiteralChecker();
  for (const table of rs.tables) checker.table(table.family, table.sets, table.chains);
  return checker.diagnostics;
}

/**
 * As checkLiterals, with the rules' findings made already as each chain's block closed
 * (`streamed`, by LiteralChecker.rulesOf): only the sets are checked here.
 */
export function checkLiteralsStreamed(
  rs: Ruleset,
  streamed: ReadonlyMap<Chain, readonly Diagnostic[]>,
): Diagnostic[] {
  const checker = new LiteralChecker();
  for (const table of rs.tables) {
    checker.table(table.family, table.sets, []);
    // Indexed, as validateJumps walks the chains; most chains have no findings.
    for (let i = 0; i < table.chains.length; i++) {
      const found = streamed.get(table.chains[i] as Chain);
      if (found) checker.diagnostics.push(...found);
    }
  }
  return checker.diagnostics;
}

const NOTHING_AROUND: readonly { span?: Span | undefined }[] = [];

export class LiteralChecker {
  diagnostics: Diagnostic[] = [];

  /** The findings of some rules of a table of this family, into `out`. */
  rulesOf(family: string, rules: Rule[], out: Diagnostic[]): void {
    const saved = this.diagnostics;
    this.family = family;
    this.around = NOTHING_AROUND;
    this.diagnostics = out;
    this.rules(rules);
    this.diagnostics = saved;
  }

  private family = '';
  /**
   * Where a value without a span of its own is reported: the first of these nodes with a span
   * (read only then: the nft front end makes spans when first read).
   */
  private around: readonly { span?: Span | undefined }[] = [];

  table(family: string, sets: NamedSet[], chains: { rules: Rule[] }[]): void {
    this.family = family;
    for (const s of sets) this.set(s);
    for (const c of chains) this.rules(c.rules);
  }

  private set(s: NamedSet): void {
    this.around = [s];
    const keys = this.specKinds(s.key);
    const data = s.data ? this.specKinds(s.data) : undefined;
    const interval = s.flags.includes('interval');
    for (const el of s.elements) {
      this.around = [el, s];
      // nft's evaluate.c: an interval element needs the set to say so.
      const form = el.key.kind === 'prefix' ? 'prefix' : el.key.kind === 'range' ? 'range' : '';
      if (form && !interval)
        this.error(
          el.key.span,
          `You must add 'flags interval' to your set declaration if you want to add ${form} elements`,
        );
      if (keys) this.values(keys, el.key);
      if (data && el.value) this.values(data, el.value);
    }
  }

  private rules(rules: Rule[]): void {
    const outer = this.around;
    for (const r of rules) {
      // A rule checked alone (as nft text is checked, one by one) comes in an array of it.
      this.around = rules.length === 1 ? rules : [r];
      for (const s of r.statements) this.statement(s);
    }
    this.around = outer;
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'match': {
        const kinds = this.kindsOf(s.left);
        if (kinds) this.values(kinds, s.right);
        return;
      }
      case 'vmap': {
        const kinds = this.kindsOf(s.key);
        if (s.map.kind !== 'set') return;
        for (const el of s.map.elements) {
          if (kinds) this.values(kinds, el.key);
          if (el.value?.kind === 'verdict' && el.value.verdict.binding)
            this.rules(el.value.verdict.binding);
        }
        return;
      }
      case 'verdict':
        if (s.verdict.binding) this.rules(s.verdict.binding);
        return;
      case 'nat': {
        const addr = FAMILY_ADDRESS[s.family ?? this.family];
        if (s.addr && s.addrPortMap) this.values([addr, 'inet_service'], s.addr);
        else if (s.addr) this.values(addr ? single(addr) : [addr], s.addr);
        if (s.port) this.values(single('inet_service'), s.port);
        return;
      }
      case 'mangle': {
        const kinds = this.kindsOf(s.target);
        if (kinds) this.values(kinds, s.value);
        return;
      }
      default:
        return;
    }
  }

  /** Checks the constants of `e`, whose datatype (or a map's data type) is `kinds`. */
  private values(kinds: Kinds, e: Expr): void {
    switch (e.kind) {
      case 'value': {
        const kind = kinds.length === 1 ? kinds[0] : undefined;
        const problem = kind && literalProblem(kind, e.text);
        if (problem) this.error(e.span, problem);
        return;
      }
      case 'prefix': {
        const kind = kinds.length === 1 ? kinds[0] : undefined;
        const problem = kind && prefixProblem(kind, e.length);
        if (problem) this.error(e.span, problem);
        this.values(kinds, e.expr);
        return;
      }
      case 'range': {
        const before = this.diagnostics.length;
        this.values(kinds, e.low);
        this.values(kinds, e.high);
        const kind = kinds.length === 1 ? kinds[0] : undefined;
        if (kind && before === this.diagnostics.length && e.low.kind === 'value') {
          const problem = e.high.kind === 'value' && rangeProblem(kind, e.low.text, e.high.text);
          if (problem) this.error(e.span, problem);
        }
        return;
      }
      case 'list':
        for (const item of e.items) this.values(kinds, item);
        return;
      case 'set':
        for (const el of e.elements) this.values(kinds, el.key);
        return;
      case 'concat':
        if (e.parts.length !== kinds.length) return;
        e.parts.forEach((part, i) => {
          const kind = kinds[i];
          if (kind) this.values(single(kind), part);
        });
        return;
      case 'map': {
        // `… map { key : data }`: keys of the looked-up expression's type, data of ours.
        if (e.map.kind !== 'set') return;
        const keys = this.kindsOf(e.key);
        for (const el of e.map.elements) {
          if (keys) this.values(keys, el.key);
          if (el.value) this.values(kinds, el.value);
        }
        return;
      }
      default:
        return;
    }
  }

  /** The datatypes of an expression's parts, when one of them is checked. */
  private kindsOf(e: Expr): Kinds | undefined {
    if (e.kind !== 'concat') {
      const kind = this.kindOf(e);
      return kind === undefined ? undefined : single(kind);
    }
    const parts = e.parts.map((p) => this.kindOf(p));
    return parts.some((k) => k !== undefined) ? parts : undefined;
  }

  private kindOf(e: Expr): LiteralKind | undefined {
    if (e.kind === 'payload') return PAYLOAD_KINDS.get(e.protocol)?.get(e.field);
    if (e.kind === 'ct') {
      if (e.key === 'proto-src' || e.key === 'proto-dst') return 'inet_service';
      if (e.key === 'saddr' || e.key === 'daddr') return FAMILY_ADDRESS[e.family ?? this.family];
      return CT_KINDS.get(e.key);
    }
    if (e.kind === 'meta') return META_KINDS.get(e.key);
    return undefined;
  }

  private specKinds(spec: TypeSpec): Kinds | undefined {
    if (spec.form === 'typeof') {
      const parts = spec.exprs.flatMap((e) => (e.kind === 'concat' ? e.parts : [e]));
      return this.kindsOf(parts.length === 1 ? (parts[0] as Expr) : { kind: 'concat', parts });
    }
    const parts = spec.names.map((n) => TYPE_NAMES.get(n));
    return parts.some((k) => k !== undefined) ? parts : undefined;
  }

  private error(span: Span | undefined, message: string): void {
    const s = span ?? this.around.find((node) => node.span)?.span;
    this.diagnostics.push({
      file: s?.file ?? '',
      line: s?.line ?? 1,
      col: s?.col ?? 1,
      ...(s ? { endLine: s.endLine, endCol: s.endCol } : {}),
      message,
      severity: 'error',
    });
  }
}
