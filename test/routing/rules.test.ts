/**
 * Policy routing lookups (net/core/fib_rules.c, net/ipv4/fib_rules.c): rules in priority
 * order, selectors, `not`, suppress_prefixlength, a table without a route passing the lookup on.
 */
import { describe, expect, it } from 'vitest';
import { RoutingTable } from '../../src/routing/table.ts';
import type { PolicyRule, Scenario } from '../../src/scenario/model.ts';
import { router } from '../netfilter/helpers.ts';

const v4 = (address: string, prefix: number) => ({ address, prefix, family: 4 as const });

function host(rules: PolicyRule[], extra = true): Scenario['host'] {
  const sc = router({ packets: [] });
  sc.host.routes.push({ to: v4('0.0.0.0', 0), via: '10.1.0.254' });
  if (extra)
    sc.host.tables = [
      { id: 51820, routes: [{ to: v4('0.0.0.0', 0), dev: 'ens2' }] },
      { id: 200, routes: [{ to: v4('198.51.100.0', 24), via: '10.2.0.9' }] },
    ];
  sc.host.rules = rules;
  return sc.host;
}
const rule = (over: Partial<PolicyRule>): PolicyRule => ({
  family: 4,
  priority: 100,
  not: false,
  table: 254,
  ...over,
});
const wg = [
  rule({ priority: 32764, table: 254, tableName: 'main', suppressPrefixlength: 0 }),
  rule({ priority: 32765, not: true, fwmark: { value: 0xca6c, mask: 0xffffffff }, table: 51820 }),
];

describe('policy routing', () => {
  it("wg-quick: main's default route suppressed, the rest of main kept, marked packets bypass", () => {
    const r = new RoutingTable(host(wg));
    expect(r.lookup('8.8.8.8', { iif: 'lo' })).toMatchObject({
      type: 'unicast',
      dev: 'ens2',
      policy: { priority: 32765, table: 51820, suppressed: [32764] },
    });
    // A connected /24 of main is longer than /0: rule 32764 takes it.
    expect(r.lookup('10.1.0.7', { iif: 'lo' })).toMatchObject({
      dev: 'ens1',
      policy: { priority: 32764, text: '32764: from all lookup main suppress_prefixlength 0' },
    });
    expect(r.lookup('8.8.8.8', { mark: 0xca6c })).toMatchObject({
      dev: 'ens1',
      via: '10.1.0.254',
      policy: { priority: 32766, suppressed: [32764] },
    });
    // The local table (rule 0) still comes first.
    expect(r.lookup('10.1.0.1', { mark: 0 })).toMatchObject({
      type: 'local',
      policy: { priority: 0 },
    });
  });

  it('a table without a route for the address passes the lookup on (-EAGAIN)', () => {
    const r = new RoutingTable(host([rule({ priority: 10, table: 200 })]));
    expect(r.lookup('198.51.100.5')).toMatchObject({ dev: 'ens2', policy: { priority: 10 } });
    expect(r.lookup('8.8.8.8')).toMatchObject({ dev: 'ens1', policy: { priority: 32766 } });
    // suppress_prefixlength 24 refuses table 200's /24: main's default route answers.
    const sup = new RoutingTable(
      host([rule({ priority: 10, table: 200, suppressPrefixlength: 24 })]),
    );
    expect(sup.lookup('198.51.100.5')).toMatchObject({
      dev: 'ens1',
      policy: { priority: 32766, suppressed: [10] },
    });
  });

  it('matches fwmark under its mask, from, to, iif, oif; not inverts', () => {
    const rules = [
      rule({ priority: 1, fwmark: { value: 0x1, mask: 0xff }, table: 51820 }),
      rule({ priority: 2, from: v4('10.1.0.0', 24), iif: 'ens1', table: 200 }),
      rule({ priority: 3, oif: 'ens2', table: 51820 }),
    ];
    const r = new RoutingTable(host(rules));
    expect(r.lookup('8.8.8.8', { mark: 0x301 })).toMatchObject({ policy: { priority: 1 } });
    expect(r.lookup('8.8.8.8', { mark: 0x302 })).toMatchObject({ policy: { priority: 32766 } });
    expect(r.lookup('198.51.100.5', { iif: 'ens1', saddr: '10.1.0.9' })).toMatchObject({
      policy: { priority: 2 },
    });
    expect(r.lookup('198.51.100.5', { iif: 'lo', saddr: '10.1.0.9' })).toMatchObject({
      policy: { priority: 32766 },
    });
    expect(r.lookup('8.8.8.8', { oif: 'ens2' })).toMatchObject({ policy: { priority: 3 } });
    const inverted = new RoutingTable(
      host([rule({ priority: 5, not: true, iif: 'ens1', table: 51820 })]),
    );
    expect(inverted.lookup('8.8.8.8', { iif: 'lo' })).toMatchObject({ dev: 'ens2' });
    expect(inverted.lookup('8.8.8.8', { iif: 'ens1' })).toMatchObject({ dev: 'ens1' });
  });

  it('orders equal priorities as added, the defaults first; a v1 host names no rule', () => {
    const r = new RoutingTable(
      host([rule({ priority: 32766, table: 51820 }), rule({ priority: 32766, table: 200 })]),
    );
    // 32766 main (the default rule, added first) answers with its default route.
    expect(r.lookup('198.51.100.5')).toMatchObject({ dev: 'ens1', policy: { table: 254 } });
    const plain = router({ packets: [] }).host;
    plain.routes.push({ to: v4('0.0.0.0', 0), via: '10.1.0.254' });
    expect(new RoutingTable(plain).lookup('8.8.8.8')).not.toHaveProperty('policy');
  });
});
