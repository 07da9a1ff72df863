/**
 * The fast reject (src/netfilter/expr/fastpath.ts) never changes a rule's outcome: every rule
 * is evaluated with the fast path on and off and the outcomes must be equal, and whenever the
 * fast path answers "certainly no match" the full evaluation must be a plain `nomatch` (no
 * effects). Random rules over random packets, then every rule of the corpus over a spread of
 * packets. Each part also checks that the fast path did answer often: a fast path that never
 * fires would pass the equality trivially.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { EvalEnv, RuleOutcome } from '../../../src/netfilter/env.ts';
import { TYPES } from '../../../src/netfilter/expr/datatypes.ts';
import { certainlyNoMatch, fastPath, quickNumber } from '../../../src/netfilter/expr/fastpath.ts';
import { evaluateRule, resetRuntimeState } from '../../../src/netfilter/expr/index.ts';
import { literalInterval } from '../../../src/netfilter/expr/sets.ts';
import { parseRuleset, type RulesetFormat } from '../../../src/ruleset/load.ts';
import type { Expr, Family, RelOp, Rule, Ruleset, Statement } from '../../../src/ruleset/model.ts';
import { corpus, SOURCES } from './corpus-sweep.ts';
import { type EnvOptions, icmpEcho, makeEnv, meta, pl, rule } from './env-factory.ts';

afterEach(() => {
  fastPath.enabled = true;
});

function outcome(
  r: Rule,
  env: EvalEnv,
  fast: boolean,
): RuleOutcome | { kind: 'threw'; error: string } {
  fastPath.enabled = fast;
  resetRuntimeState();
  try {
    return evaluateRule(r, env);
  } catch (e) {
    return { kind: 'threw', error: String(e) };
  } finally {
    fastPath.enabled = true;
  }
}

interface Tally {
  rejected: number;
  evaluations: number;
}

/**
 * Both ways, equal; a fast reject only where the full evaluation is a bare nomatch. Each
 * evaluation gets a fresh environment (a rule writes the marks it sets into it).
 */
function checkRule(r: Rule, env: () => EvalEnv, tally: Tally, where: string): void {
  tally.evaluations++;
  const slow = outcome(r, env(), false);
  const fast = outcome(r, env(), true);
  expect(fast, where).toEqual(slow);
  if (certainlyNoMatch(r, env())) {
    tally.rejected++;
    expect(
      slow,
      `${where}: fast reject of a rule whose full outcome is not a bare nomatch`,
    ).toEqual({
      kind: 'nomatch',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Random rules

const LEFT: Expr[] = [
  pl('ip', 'saddr'),
  pl('ip', 'daddr'),
  pl('ip', 'protocol'),
  pl('ip6', 'saddr'),
  pl('ip6', 'daddr'),
  pl('ip6', 'nexthdr'),
  pl('tcp', 'dport'),
  pl('tcp', 'sport'),
  pl('udp', 'dport'),
  pl('sctp', 'dport'),
  pl('th', 'dport'),
  pl('tcp', 'flags'),
  meta('l4proto'),
  meta('nfproto'),
  meta('protocol'),
  meta('mark'),
  meta('iifname'),
  meta('oifname'),
  meta('iif'),
  meta('oif'),
  { kind: 'ct', key: 'state' },
  { kind: 'ct', key: 'state', dir: 'original' },
  { kind: 'ct', key: 'mark' },
  { kind: 'binop', op: '&', left: meta('mark'), right: { kind: 'value', text: '0xff' } },
];

const TEXT = fc.constantFrom(
  '10.0.0.1',
  '10.0.0.2',
  '10.0.0.0',
  '010.0.0.2',
  '10.0.0.256',
  '10.0.0.1-10.0.0.9',
  '192.168.1.1',
  '2001:db8::2',
  'fe80::1',
  '::1',
  '2001:db8::1-2001:db8::9',
  '22',
  '022',
  '0x16',
  '80',
  '1000-2000',
  '65536',
  '0',
  'ssh',
  'http',
  'tcp',
  'udp',
  '6',
  '17',
  '4294967295',
  '4294967296',
  'ipv4',
  'ip6',
  'eth0',
  'eth*',
  'lo',
  'docker0',
  '',
  'established',
  'related',
  'new',
  'invalid',
  'untracked',
  'established,related',
  'syn',
  '0x10',
  'exists',
  'missing',
  'a-very-long-interface-name',
);
const value = fc
  .tuple(TEXT, fc.boolean())
  .map(
    ([text, quoted]): Expr => (quoted ? { kind: 'value', text, quoted } : { kind: 'value', text }),
  );
const right: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 6, arbitrary: value },
  {
    weight: 2,
    arbitrary: fc
      .tuple(value, fc.integer({ min: -1, max: 129 }))
      .map(([expr, length]): Expr => ({ kind: 'prefix', expr, length })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(value, value).map(([low, high]): Expr => ({ kind: 'range', low, high })),
  },
  {
    weight: 2,
    arbitrary: fc.array(value, { minLength: 1, maxLength: 3 }).map(
      (items): Expr => ({
        kind: 'list',
        items,
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(value, { minLength: 1, maxLength: 3 })
      .map((keys): Expr => ({ kind: 'set', elements: keys.map((key) => ({ key })) })),
  },
  { weight: 1, arbitrary: fc.constant<Expr>({ kind: 'symbol', name: '*' }) },
  { weight: 1, arbitrary: fc.constant<Expr>(pl('ip', 'saddr')) },
);
const op = fc.constantFrom<RelOp>('==', '==', '!=', '<', '>', '<=', '>=');

const match: fc.Arbitrary<Statement> = fc
  .tuple(
    fc.constantFrom(...LEFT),
    op,
    right,
    fc.boolean(),
    fc.option(value, { freq: 8, nil: undefined }),
  )
  .map(
    ([left, o, r, implicitOp, mask]): Statement => ({
      kind: 'match',
      left,
      op: implicitOp ? '==' : o,
      right: r,
      ...(implicitOp ? { implicitOp } : {}),
      ...(mask ? { mask } : {}),
    }),
  );

/** Matches whose constant suits the left side, as real rules have them (most compile). */
const SUITED: [Expr, string[]][] = [
  [
    pl('ip', 'saddr'),
    ['10.0.0.1', '10.0.0.2', '10.0.0.0', '192.168.1.1', '10.0.0.256', '010.0.0.1'],
  ],
  [pl('ip', 'daddr'), ['10.0.0.1', '10.0.0.2', '10.0.0.5', '192.168.0.0', '10.0.0.1-10.0.0.3']],
  [pl('ip6', 'daddr'), ['2001:db8::1', '2001:db8::2', 'fe80::1', '::1', '2001:db8::']],
  [pl('tcp', 'dport'), ['22', '80', '1500', '40000', '1000-2000', 'ssh']],
  [pl('udp', 'dport'), ['22', '80', '1500', '40000', '53']],
  [pl('th', 'dport'), ['22', '80', '1500']],
  [meta('l4proto'), ['tcp', 'udp', '6', '17', 'icmp', 'ipv6-icmp']],
  [pl('ip', 'protocol'), ['tcp', 'udp', '6', '1']],
  [pl('ip6', 'nexthdr'), ['tcp', 'udp', '0', '58']],
  [meta('iifname'), ['eth0', 'eth*', 'lo', 'docker0', 'e*']],
  [meta('oifname'), ['eth1', 'eth*', 'lo', '']],
  [meta('mark'), ['0', '0x10', '16', '0xffffffff']],
  [meta('nfproto'), ['ipv4', 'ipv6']],
  [{ kind: 'ct', key: 'state' }, ['new', 'established', 'related', 'invalid', 'untracked']],
];
const suited: fc.Arbitrary<Statement> = fc
  .tuple(fc.constantFrom(...SUITED), fc.nat(), fc.nat(), op, fc.nat(5), fc.nat(32))
  .map(([[left, pool], a, b, o, shape, len]): Statement => {
    const x: Expr = { kind: 'value', text: pool[a % pool.length]! };
    const y: Expr = { kind: 'value', text: pool[b % pool.length]! };
    const r: Expr =
      shape === 0
        ? { kind: 'prefix', expr: x, length: len }
        : shape === 1
          ? { kind: 'list', items: [x, y] }
          : x;
    const implicit = shape >= 3;
    return implicit
      ? { kind: 'match', left, op: '==', right: r, implicitOp: true }
      : { kind: 'match', left, op: o, right: r };
  });

const other: fc.Arbitrary<Statement> = fc.constantFrom<Statement>(
  { kind: 'counter' },
  { kind: 'verdict', verdict: { kind: 'accept' } },
  { kind: 'verdict', verdict: { kind: 'jump', target: 'svc' } },
  { kind: 'mangle', target: meta('mark'), value: { kind: 'value', text: '0x10' } },
  { kind: 'log', options: [] },
  { kind: 'unsupported', what: 'xt match' },
  { kind: 'other', keyword: 'limit', args: ['rate', '1/second'] },
);

const statements = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: suited },
    { weight: 2, arbitrary: match },
    { weight: 1, arbitrary: other },
  ),
  {
    minLength: 1,
    maxLength: 4,
  },
);

const ADDR4 = ['10.0.0.1', '10.0.0.2', '10.0.0.5', '192.168.1.1', '0.0.0.0', 'not-an-address'];
const ADDR6 = ['2001:db8::1', '2001:db8::2', 'fe80::1', '::1', 'zz::'];
const NAMES = ['eth0', 'eth1', 'lo', 'docker0', 'a-very-long-interface-name', null];

const packet = fc.record({
  family: fc.constantFrom<Family>('ip', 'ip6', 'inet', 'bridge', 'netdev', 'arp'),
  l3: fc.constantFrom<'ip' | 'ip6'>('ip', 'ip6'),
  saddr: fc.nat(5),
  daddr: fc.nat(5),
  proto: fc.constantFrom(6, 17, 1, 58, 132, 300),
  sport: fc.option(fc.constantFrom(22, 80, 1500, 40000, 70000), { freq: 6, nil: undefined }),
  dport: fc.option(fc.constantFrom(22, 80, 1500, 40000, 70000), { freq: 6, nil: undefined }),
  iif: fc.constantFrom(...NAMES),
  oif: fc.constantFrom(...NAMES),
  mark: fc.constantFrom(0, 0x10, 0xffffffff, -1),
  ct: fc.constantFrom<'new' | 'established' | 'related' | 'invalid' | 'untracked' | null>(
    'new',
    'established',
    'related',
    'invalid',
    'untracked',
    null,
  ),
  raw: fc.boolean(),
});

function randomEnv(p: PacketSpec): EvalEnv {
  const addrs = p.l3 === 'ip' ? ADDR4 : ADDR6;
  return makeEnv({
    family: p.family,
    packet: {
      family: p.l3,
      saddr: addrs[p.saddr % addrs.length]!,
      daddr: addrs[p.daddr % addrs.length]!,
      protocolNumber: p.proto,
      l4proto: String(p.proto),
      sport: p.sport,
      dport: p.dport,
      ...(p.raw ? { bytes: new Uint8Array(64) } : {}),
    },
    meta: { iif: p.iif, oif: p.oif, mark: p.mark, nfproto: p.l3 },
    ct: p.ct === null ? null : { state: p.ct },
  });
}

type PacketSpec = typeof packet extends fc.Arbitrary<infer T> ? T : never;

describe('fast reject: random rules and packets', () => {
  it('never changes evaluateRule, and rejects only bare nomatches', () => {
    const tally: Tally = { rejected: 0, evaluations: 0 };
    fc.assert(
      fc.property(statements, packet, (stmts, p) => {
        checkRule(rule(...stmts), () => randomEnv(p), tally, JSON.stringify(stmts));
      }),
      { numRuns: 4000, seed: 20261126 },
    );
    // The property is not vacuous: the fast path answered for a good share of the rules.
    expect(tally.rejected / tally.evaluations).toBeGreaterThan(0.1);
  });

  it('rejects a frozen rule too, and leaves no visible trace on the rules it compiles', () => {
    const stmts: Statement[] = [
      {
        kind: 'match',
        left: pl('ip', 'daddr'),
        op: '==',
        right: { kind: 'value', text: '10.9.9.9' },
        implicitOp: true,
      },
      { kind: 'verdict', verdict: { kind: 'accept' } },
    ];
    const frozen = Object.freeze(rule(...stmts));
    const plain = rule(...stmts);
    const before = JSON.stringify(plain);
    for (const r of [frozen, plain]) {
      expect(certainlyNoMatch(r, makeEnv({ family: 'ip' }))).toBe(true);
      expect(evaluateRule(r, makeEnv({ family: 'ip', packet: { daddr: '10.9.9.9' } })).kind).toBe(
        'match',
      );
    }
    expect(JSON.stringify(plain)).toBe(before);
    expect(Object.keys(plain)).toEqual(Object.keys(rule(...stmts)));
    expect(plain).toEqual(rule(...stmts));
  });

  it('reads plain IPv4 addresses and decimal numbers as literalInterval does', () => {
    const types = [
      TYPES.ipv4_addr,
      TYPES.inet_service,
      TYPES.inet_proto,
      TYPES.mark,
      TYPES.nf_proto,
    ];
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.array(fc.nat(300), { minLength: 1, maxLength: 5 }).map((q) => q.join('.')),
      fc.nat().map(String),
      fc.stringMatching(/^[0-9.x]{1,16}$/),
    );
    let quick = 0;
    fc.assert(
      fc.property(text, fc.constantFrom(...types), (t, type) => {
        const q = quickNumber(t, type);
        if (q === undefined) return;
        quick++;
        const iv = literalInterval({ kind: 'value', text: t }, type);
        const asNumber = (b: Uint8Array) => b.reduce((n, x) => n * 256 + x, 0);
        expect(iv.low.length, `${type.name} ${t}`).toBe(type.size);
        expect([asNumber(iv.low), asNumber(iv.high)], `${type.name} ${t}`).toEqual([q, q]);
      }),
      { numRuns: 5000, seed: 7 },
    );
    expect(quick).toBeGreaterThan(300);
  });
});

// ---------------------------------------------------------------------------------------------
// The corpus

function corpusFiles(): [string, RulesetFormat][] {
  const out: [string, RulesetFormat][] = [];
  const add = (source: string, format: RulesetFormat, pick: (f: string) => boolean) => {
    const dir = join(corpus, source);
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) if (pick(f)) out.push([join(dir, f), format]);
  };
  for (const s of SOURCES) {
    add(
      s,
      'nft',
      (f) =>
        /\.(nft|golden)$/.test(f) || s === 'firewalld-tests' || s === 'nftables-shell-embedded',
    );
  }
  // The same rules as the iptables-save and `nft -j` front ends build them.
  add('iptables-semantics', 'iptables-save', () => true);
  add('kube-proxy-iptables-embedded', 'iptables-save', () => true);
  add('nftables-json-dumps', 'nft-json', (f) => /json/.test(f));
  return out;
}

/** Packets that the corpus' matches select on: loopback, Docker, SSH, DNS, ICMP, IPv6. */
const CORPUS_PACKETS: EnvOptions[] = [
  {},
  { meta: { iif: 'lo' }, packet: { saddr: '127.0.0.1', daddr: '127.0.0.1' } },
  {
    packet: {
      saddr: '172.17.0.2',
      daddr: '192.0.2.10',
      l4proto: 'udp',
      protocolNumber: 17,
      tcp: undefined,
      sport: 40000,
      dport: 53,
    },
    meta: { iif: 'docker0', oif: 'eth0' },
    ct: { state: 'established' },
  },
  {
    packet: { saddr: '192.168.1.5', daddr: '192.168.1.1', dport: 443 },
    meta: { iif: 'br-lan', mark: 0x4000 },
  },
  {
    packet: icmpEcho(),
    ct: null,
  },
  {
    packet: { family: 'ip6', saddr: 'fe80::1', daddr: '2001:db8::2', dport: 22 },
    meta: { nfproto: 'ip6', iif: 'wan' },
    ct: { state: 'related' },
  },
  {
    packet: {
      family: 'ip6',
      saddr: '2001:db8::5',
      daddr: 'ff02::1',
      l4proto: 'udp',
      protocolNumber: 17,
      tcp: undefined,
      sport: 546,
      dport: 547,
    },
    meta: { nfproto: 'ip6', iif: 'eth1', oif: null },
    ct: { state: 'invalid' },
  },
];

const haveCorpus = existsSync(corpus);

describe('fast reject: every corpus rule', () => {
  it.skipIf(!haveCorpus)(`never changes evaluateRule (corpus: ${corpus})`, () => {
    const tally: Tally = { rejected: 0, evaluations: 0 };
    let rules = 0;
    const formats = new Set<string>();
    for (const [file, format] of corpusFiles()) {
      let tables: Ruleset['tables'];
      try {
        tables = parseRuleset(readFileSync(file, 'utf8'), format, file).tables;
      } catch {
        continue;
      }
      formats.add(format);
      for (const table of tables) {
        for (const chain of table.chains) {
          for (const r of chain.rules) {
            rules++;
            for (const [i, o] of CORPUS_PACKETS.entries()) {
              const env = () =>
                makeEnv({ ...o, family: table.family, table: { ...table }, sets: table.sets });
              checkRule(r, env, tally, `${file}: ${r.text} (packet ${i})`);
            }
          }
        }
      }
    }
    expect([...formats].sort()).toEqual(['iptables-save', 'nft', 'nft-json']);
    expect(rules).toBeGreaterThan(5000);
    expect(tally.rejected).toBeGreaterThan(rules);
  });
  it.skipIf(haveCorpus)(
    'skipped: the corpus (../shared/corpus) is not present in this clone',
    () => {},
  );
});
