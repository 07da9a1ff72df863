/**
 * Random rules over random packets: evaluation always ends in match, nomatch or unsupported,
 * never an exception (a crash would stop a whole walk without saying where).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import type { Expr, RelOp, Statement } from '../../../src/ruleset/model.ts';
import { ct, makeEnv, meta, pl, rule } from './env-factory.ts';

const LEFT: Expr[] = [
  pl('ip', 'saddr'),
  pl('ip6', 'daddr'),
  pl('tcp', 'dport'),
  pl('tcp', 'flags'),
  pl('th', 'sport'),
  pl('icmp', 'type'),
  pl('ip', 'frag-off'),
  pl('ether', 'saddr'),
  pl('vlan', 'id'),
  meta('iifname'),
  meta('oif'),
  meta('mark'),
  meta('l4proto'),
  meta('skuid'),
  meta('priority'),
  ct('state'),
  ct('status'),
  ct('mark'),
  ct('saddr', 'original'),
  { kind: 'fib', flags: ['daddr'], result: 'type' },
  { kind: 'fib', flags: ['saddr', 'iif'], result: 'check' },
  { kind: 'numgen', mode: 'inc', mod: 3 },
  { kind: 'hash', fn: 'jhash', expr: pl('ip', 'saddr'), mod: 7, seed: '0x1' },
  { kind: 'raw', base: 'nh', offset: 8, length: 8 },
  { kind: 'concat', parts: [pl('ip', 'saddr'), pl('tcp', 'dport')] },
  { kind: 'binop', op: '&', left: meta('mark'), right: { kind: 'value', text: '0xff' } },
];

const TEXT = fc.oneof(
  fc.constantFrom(
    '22',
    'ssh',
    '0x10',
    '010',
    '10.0.0.1',
    '10.0.0.0/8',
    '1-100',
    '::1',
    'eth*',
    'established',
    'syn',
    'local',
    '*',
    '',
    '-',
    '/',
    '0x',
    '99999999999999999999',
    'fe80::1-fe80::2',
    '02:42:ac:11:00:02',
    'missing',
  ),
  fc.string({ maxLength: 12 }),
);
const value = TEXT.map((text): Expr => ({ kind: 'value', text }));
const literal: fc.Arbitrary<Expr> = fc.oneof(
  value,
  fc
    .tuple(value, fc.integer({ min: -2, max: 140 }))
    .map(([expr, length]): Expr => ({ kind: 'prefix', expr, length })),
  fc.tuple(value, value).map(([low, high]): Expr => ({ kind: 'range', low, high })),
  fc.array(value, { maxLength: 3 }).map((items): Expr => ({ kind: 'list', items })),
  fc.array(value, { maxLength: 3 }).map((parts): Expr => ({ kind: 'concat', parts })),
  fc.constantFrom<Expr>({ kind: 'symbol', name: '*' }, { kind: 'symbol', name: 'exists' }),
);
const right: fc.Arbitrary<Expr> = fc.oneof(
  literal,
  fc
    .array(literal, { maxLength: 3 })
    .map((keys): Expr => ({ kind: 'set', elements: keys.map((key) => ({ key })) })),
);
const op = fc.constantFrom<RelOp>('==', '!=', '<', '>', '<=', '>=');

const statement: fc.Arbitrary<Statement> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...LEFT),
      op,
      right,
      fc.boolean(),
      fc.option(literal, { nil: undefined }),
    )
    .map(
      ([left, o, r, implicitOp, mask]): Statement => ({
        kind: 'match',
        left,
        op: o,
        right: r,
        ...(implicitOp ? { implicitOp } : {}),
        ...(mask ? { mask } : {}),
      }),
    ),
  fc
    .tuple(fc.constantFrom(...LEFT), right)
    .map(([key, r]): Statement => ({ kind: 'vmap', key, map: r })),
  fc
    .tuple(
      fc.constantFrom(meta('mark'), ct('mark'), pl('ip', 'dscp'), meta('priority')),
      fc.oneof(value, fc.constantFrom(...LEFT)),
    )
    .map(([target, v]): Statement => ({ kind: 'mangle', target, value: v })),
  fc.tuple(fc.option(literal, { nil: undefined }), fc.option(literal, { nil: undefined })).map(
    ([addr, port]): Statement => ({
      kind: 'nat',
      type: 'dnat',
      flags: [],
      ...(addr ? { addr } : {}),
      ...(port ? { port } : {}),
    }),
  ),
);

const packet = fc.record({
  family: fc.constantFrom<'ip' | 'ip6'>('ip', 'ip6'),
  proto: fc.constantFrom(6, 17, 1, 58, 132),
  mark: fc.nat(),
  ct: fc.constantFrom<'new' | 'established' | 'invalid' | 'untracked' | null>(
    'new',
    'established',
    'invalid',
    'untracked',
    null,
  ),
});

describe('random rules', () => {
  it('never throw', () => {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), packet, (stmts, p) => {
        const env = makeEnv({
          packet: {
            family: p.family,
            saddr: p.family === 'ip' ? '10.0.0.1' : '2001:db8::1',
            daddr: p.family === 'ip' ? '10.0.0.2' : '2001:db8::2',
            protocolNumber: p.proto,
            l4proto: String(p.proto),
            ...(p.proto === 1 || p.proto === 58
              ? { sport: undefined, dport: undefined, tcp: undefined, icmp: { type: 8, code: 0 } }
              : {}),
          },
          meta: { mark: p.mark, nfproto: p.family },
          ct: p.ct === null ? null : { state: p.ct },
        });
        const out = evaluateRule(rule(...stmts), env);
        expect(['match', 'nomatch', 'unsupported']).toContain(out.kind);
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });
});
