/**
 * Conntrack in the bridge family (net/bridge/netfilter/nf_conntrack_bridge.c): a bridge
 * table's `ct` rule registers nf_ct_bridge_pre at -200 in bridge prerouting and the confirm at
 * INT_MAX in bridge postrouting; br_netfilter's ip prerouting then finds the entry attached.
 */
import { describe, expect, it } from 'vitest';
import { HookTable } from '../../src/netfilter/hooks.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { compact, infoEvents, nft, packetEvents, roles, router, udp } from './helpers.ts';

const STATEFUL_BRIDGE = `table bridge filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state new iifname "vethc1" accept
  }
}`;

const NO_BRNF = {
  'net.bridge.bridge-nf-call-iptables': 0,
  'net.bridge.bridge-nf-call-ip6tables': 0,
};

describe('nf_conntrack_bridge', () => {
  it('tracks bridged packets for a bridge table: new out of vethc1, the reply established', () => {
    const sc = router({
      bridge: true,
      sysctl: NO_BRNF,
      packets: [udp('c1', '172.30.0.3', 40000, 5000), udp('c2', '172.30.0.2', 40001, 5000)],
    });
    const t = simulate(sc, nft(STATEFUL_BRIDGE));
    expect(roles(t, 0)).toEqual(['request', 'reply']);
    const req = packetEvents(t, 0, 0);
    expect(compact(req)).toEqual([
      'enter bridge filter forward vethc1>vethc2 172.30.0.2:40000>172.30.0.3:5000',
      'rule filter forward #1 accept',
    ]);
    const cts = infoEvents(req, 'conntrack').map((e) => e.detail);
    expect(cts[0]).toMatchObject({ lookup: 'created', family: 'bridge', hook: 'prerouting' });
    expect(cts[1]).toMatchObject({ lookup: 'confirmed' });
    expect(compact(packetEvents(t, 0, 1))).toContain('rule filter forward #0 accept');
    // From c2, a new connection: not from vethc1, the policy drops it.
    expect(compact(packetEvents(t, 1, 0))).toContain('policy filter forward drop');
  });

  it('registers its hooks only for a bridge table that uses conntrack', () => {
    const without = new HookTable(
      nft(
        'table bridge f {\n  chain fw {\n    type filter hook forward priority 0;\n    accept\n  }\n}',
      ),
      { brNetfilter: false },
    );
    expect(without.bridgeConntrack).toBe(false);
    const ipOnly = new HookTable(
      nft(
        'table ip f {\n  chain fw {\n    type filter hook forward priority 0;\n    ct state new accept\n  }\n}',
      ),
      { brNetfilter: true },
    );
    expect(ipOnly.bridgeConntrack).toBe(false);
    const hooks = new HookTable(nft(STATEFUL_BRIDGE), { brNetfilter: true });
    expect(hooks.bridgeConntrack).toBe(true);
    // -200 runs before br_netfilter's prerouting (0), confirm before br_nf_post_routing (both INT_MAX, later registered first).
    expect(hooks.entries('bridge', 'prerouting').map((e) => e.op.kind)).toEqual([
      'conntrack-in',
      'br-nf-prerouting',
    ]);
    expect(hooks.entries('bridge', 'postrouting').map((e) => e.op.kind)).toEqual([
      'conntrack-confirm',
      'br-nf-postrouting',
    ]);
    // The bridge's conntrack is no ip conntrack: no ip hook comes with it.
    expect(hooks.conntrack).toEqual({ ip: false, ip6: false });
  });

  it('with br_netfilter, the ip prerouting chains see the entry the bridge attached', () => {
    const rs = nft(`${STATEFUL_BRIDGE}
table ip f {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
    ct state new counter
  }
}`);
    const sc = router({ bridge: true, packets: [udp('c1', '172.30.0.3', 40000, 5000)] });
    const t = simulate(sc, rs);
    // One entry, created at -200 in bridge prerouting; ip conntrack keeps it (nf_conntrack_in
    // returns at once for an skb with an entry), and the bridge's confirm inserts it.
    const cts = infoEvents(packetEvents(t, 0, 0), 'conntrack').map((e) => e.detail);
    expect(cts.map((c) => [c.lookup, c.family ?? null])).toEqual([
      ['created', 'bridge'],
      ['confirmed', null],
    ]);
    expect(compact(packetEvents(t, 0, 0))).toContain('rule f pre #0 continue');
  });
});
