import { describe, expect, it } from 'vitest';
import { sourceAnyDevice6 } from '../../src/routing/source6.ts';
import type { HostInterface } from '../../src/scenario/model.ts';

const iface = (name: string, ...cidrs: string[]): HostInterface => ({
  name,
  kind: 'link',
  addresses: cidrs.map((c) => {
    const [address, prefix] = c.split('/');
    return { address: address as string, prefix: Number(prefix), family: 6 };
  }),
});

describe('IPv6 source selection without a route (ipv6_dev_get_saddr, no device)', () => {
  const host = [
    iface('lo', '::1/128'),
    iface('wan0', 'fe80::1/64', '2001:db8:1::2/64'),
    iface('wan1', '2001:db8:a028::2/64'),
    iface('lan0', 'fd00:50::1/64'),
  ];

  it('takes the longest common prefix among addresses of the same scope and label', () => {
    // 2001:db8:b028:: shares 35 bits with 2001:db8:a028::2, 32 with 2001:db8:1::2.
    expect(sourceAnyDevice6(host, '2001:db8:b028::10')).toBe('2001:db8:a028::2');
    // 2001:db8:0:5:: shares 47 bits with 2001:db8:1::2.
    expect(sourceAnyDevice6(host, '2001:db8:0:5::10')).toBe('2001:db8:1::2');
  });

  it('caps the common prefix at the address’s own prefix length', () => {
    const two = [iface('a', '2001:db8:1::2/48'), iface('b', '2001:db8:1::3/64')];
    // Both share 126 bits with ::1 but a's /48 counts 48: b wins.
    expect(sourceAnyDevice6(two, '2001:db8:1::1')).toBe('2001:db8:1::3');
  });

  it('prefers the label of the destination (a ULA for a ULA) over a longer prefix', () => {
    // fd00:50:: shares no leading bit with 2001:db8::, yet it is the only label-5 address.
    expect(sourceAnyDevice6(host, 'fd99::1')).toBe('fd00:50::1');
    expect(sourceAnyDevice6([iface('a', '2001:db8:1::2/64')], 'fd99::1')).toBe('2001:db8:1::2');
  });

  it('never picks a narrower scope than the destination’s while a wide enough one exists', () => {
    // fe00::1 (global scope) shares 8 bits with the link-local fe80::1 and none with
    // 2001:db8:…: a global address all the same, the first of the two with its label.
    expect(sourceAnyDevice6(host, 'fe00::1')).toBe('2001:db8:1::2');
    // Only a narrower one: taken.
    expect(sourceAnyDevice6([iface('wan0', 'fe80::1/64')], '2001:db8::1')).toBe('fe80::1');
  });

  it('keeps the first address on a tie, and the destination itself first of all', () => {
    const tie = [iface('a', '2001:db8:1::2/64'), iface('b', '2001:db8:1::3/64')];
    expect(sourceAnyDevice6(tie, '2001:db8:9::1')).toBe('2001:db8:1::2');
    expect(sourceAnyDevice6(tie, '2001:db8:1::3')).toBe('2001:db8:1::3');
  });
});
