import { describe, expect, it } from 'vitest';
import { HookTable } from '../../src/netfilter/hooks.ts';
import { nft } from './helpers.ts';

function order(
  t: HookTable,
  family: 'ip' | 'ip6' | 'bridge' | 'netdev',
  hook: 'prerouting' | 'forward' | 'postrouting' | 'ingress' | 'input',
  device?: string,
) {
  return t
    .entries(family, hook, device)
    .map((e) => (e.op.kind === 'chain' ? `${e.op.table.name}/${e.op.chain.name}` : e.op.kind));
}

describe('hook entries', () => {
  it('orders base chains by priority across tables', () => {
    const t = new HookTable(
      nft(`table ip a { chain late { type filter hook prerouting priority 10; } }
table ip b { chain early { type filter hook prerouting priority -10; } }`),
      { brNetfilter: false },
    );
    expect(order(t, 'ip', 'prerouting')).toEqual(['b/early', 'a/late']);
  });

  it('runs the later registered chain first among equal priorities (nf_hook_entries_grow)', () => {
    const t = new HookTable(
      nft(`table ip A { chain pre { type filter hook prerouting priority 0; } }
table ip B { chain pre { type filter hook prerouting priority 0; } }`),
      { brNetfilter: false },
    );
    expect(order(t, 'ip', 'prerouting')).toEqual(['B/pre', 'A/pre']);
  });

  it('registers inet chains on both ip and ip6', () => {
    const t = new HookTable(
      nft('table inet f { chain fw { type filter hook forward priority 0; } }'),
      { brNetfilter: false },
    );
    expect(order(t, 'ip', 'forward')).toEqual(['f/fw']);
    expect(order(t, 'ip6', 'forward')).toEqual(['f/fw']);
  });

  it('keeps nat chains behind the NAT hook at -100, sorted by their own priority', () => {
    const t = new HookTable(
      nft(`table ip A {
  chain n1 { type nat hook prerouting priority -50; }
  chain f { type filter hook prerouting priority -80; ct state new counter; }
}
table ip B { chain n2 { type nat hook prerouting priority -60; } }`),
      { brNetfilter: false },
    );
    expect(order(t, 'ip', 'prerouting')).toEqual(['conntrack-in', 'nat', 'A/f']);
    expect(t.natChainsOf('ip', 'prerouting').map((c) => c.chain.name)).toEqual(['n2', 'n1']);
    expect(order(t, 'ip', 'postrouting')).toEqual(['nat', 'conntrack-confirm']);
  });

  it('registers conntrack only when a rule needs it, per family', () => {
    const plain = new HookTable(
      nft('table ip t { chain p { type filter hook prerouting priority 0; counter; } }'),
      { brNetfilter: false },
    );
    expect(order(plain, 'ip', 'prerouting')).toEqual(['t/p']);
    const v4 = new HookTable(
      nft(
        'table ip t { chain p { type filter hook prerouting priority 0; ct state new counter; } }',
      ),
      { brNetfilter: false },
    );
    expect(v4.conntrack).toEqual({ ip: true, ip6: false });
    const inet = new HookTable(
      nft('table inet t { chain p { type filter hook input priority 0; ct state new counter; } }'),
      { brNetfilter: false },
    );
    expect(inet.conntrack).toEqual({ ip: true, ip6: true });
    expect(order(inet, 'ip6', 'input')).toEqual(['t/p', 'conntrack-confirm']);
  });

  it('tracks only the NAT family for snat/dnat with a family in an inet table (nft_nat_init)', () => {
    const nat = (stmt: string) =>
      new HookTable(nft(`table inet t { chain i { type nat hook input priority 50; ${stmt}; } }`), {
        brNetfilter: false,
      }).conntrack;
    expect(nat('ip6 saddr fd00::/64 snat ip6 to 2001:db8::2')).toEqual({ ip: false, ip6: true });
    expect(nat('ip saddr 10.0.0.0/8 snat ip to 192.0.2.1')).toEqual({ ip: true, ip6: false });
    // masquerade and ct ask for the table's families (nf_ct_netns_get(ctx->family)).
    expect(nat('masquerade')).toEqual({ ip: true, ip6: true });
  });

  it('gives netdev ingress chains to their devices only', () => {
    const t = new HookTable(
      nft('table netdev n { chain i { type filter hook ingress device "ens1" priority 0; } }'),
      { brNetfilter: false },
    );
    expect(order(t, 'netdev', 'ingress', 'ens1')).toEqual(['n/i']);
    expect(order(t, 'netdev', 'ingress', 'ens2')).toEqual([]);
  });

  it('places br_netfilter in the bridge hooks: prerouting 0, forward 0 after the chains at 0', () => {
    const t = new HookTable(
      nft(`table bridge b {
  chain p { type filter hook prerouting priority -200; }
  chain f0 { type filter hook forward priority 0; }
  chain f { type filter hook forward priority -200; }
}`),
      { brNetfilter: true },
    );
    expect(order(t, 'bridge', 'prerouting')).toEqual(['b/p', 'br-nf-prerouting']);
    expect(order(t, 'bridge', 'forward')).toEqual(['b/f', 'b/f0', 'br-nf-forward']);
    expect(order(t, 'bridge', 'postrouting')).toEqual(['br-nf-postrouting']);
  });

  it('puts ip_sabotage_in first in ip prerouting when br_netfilter is loaded', () => {
    const t = new HookTable(
      nft(`table ip t {
  chain first { type filter hook prerouting priority -2147483648; }
  chain p { type filter hook prerouting priority -300; }
}`),
      { brNetfilter: true },
    );
    // The chain at INT_MIN registered after br_netfilter, so it runs before the sabotage.
    expect(order(t, 'ip', 'prerouting')).toEqual(['t/first', 'br-nf-sabotage', 't/p']);
    expect(order(t, 'ip6', 'prerouting')).toEqual(['br-nf-sabotage']);
  });
});
