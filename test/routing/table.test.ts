import { describe, expect, it } from 'vitest';
import { RoutingTable } from '../../src/routing/table.ts';
import { router } from '../netfilter/helpers.ts';

const host = () => {
  const sc = router({ packets: [], bridge: true });
  sc.host.routes.push({ to: { address: '0.0.0.0', prefix: 0, family: 4 }, via: '10.1.0.254' });
  sc.host.routes.push({
    to: { address: '10.9.0.0', prefix: 16, family: 4 },
    via: '10.2.0.9',
    dev: 'ens2',
  });
  return new RoutingTable(sc.host);
};

describe('routing', () => {
  it('knows the local table: every address, broadcasts, 127/8 on lo', () => {
    const r = host();
    expect(r.addressType('10.1.0.1')).toBe('local');
    expect(r.addressType('172.30.0.1')).toBe('local');
    expect(r.addressType('127.0.0.53')).toBe('local');
    expect(r.addressType('10.1.0.255')).toBe('broadcast');
    expect(r.addressType('10.1.0.5')).toBeUndefined();
    // `fib daddr . iif type`: local only on its own device.
    expect(r.addressType('10.1.0.1', 'ens2')).toBeUndefined();
  });

  it('takes the longest prefix, then the default route (its device from the gateway)', () => {
    const r = host();
    expect(r.lookup('10.2.0.5')).toMatchObject({
      type: 'unicast',
      dev: 'ens2',
      nexthop: '10.2.0.5',
    });
    expect(r.lookup('10.9.1.1')).toMatchObject({ type: 'unicast', dev: 'ens2', via: '10.2.0.9' });
    expect(r.lookup('8.8.8.8')).toMatchObject({ type: 'unicast', dev: 'ens1', via: '10.1.0.254' });
    expect(r.lookup('10.1.0.1')).toMatchObject({ type: 'local', dev: 'ens1' });
    expect(new RoutingTable(router({ packets: [] }).host).lookup('8.8.8.8').type).toBe(
      'unreachable',
    );
  });

  it('picks the source address of the outgoing device', () => {
    const r = host();
    expect(r.sourceFor('br0', 4, '172.30.0.2')).toBe('172.30.0.1');
    expect(r.sourceFor('ens1', 4, '10.1.0.254')).toBe('10.1.0.1');
  });
});
