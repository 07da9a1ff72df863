/**
 * Flowtables (software offload): `flow add @ft` under nft_flow_offload_eval's conditions, and
 * the flowtable's ingress hook forwarding later packets of the connection itself
 * (nf_flow_offload_ip_hook), past prerouting, forward and postrouting.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import {
  compact,
  entered,
  infoEvents,
  nft,
  packetEvents,
  roles,
  router,
  tcp,
  udp,
} from './helpers.ts';

const RULESET = `table inet r {
  flowtable ft {
    hook ingress priority filter
    devices = { ens1, ens2 }
  }
  chain pre {
    type filter hook prerouting priority filter; policy accept;
  }
  chain fw {
    type filter hook forward priority filter; policy drop;
    meta l4proto { tcp, udp } flow add @ft counter
    ct state established,related accept
    iifname "ens1" ct state new accept
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ens2" masquerade
  }
}`;

const twice = [udp('client', '10.2.0.5', 40000, 53), udp('client', '10.2.0.5', 40000, 53)];

describe('flow add @ft (nft_flow_offload_eval)', () => {
  it('does not offload on the first packet (not confirmed): the rule breaks there', () => {
    const t = simulate(router({ packets: twice }), nft(RULESET));
    const req = packetEvents(t, 0, 0);
    const ft = infoEvents(req, 'flowtable');
    expect(ft.map((e) => e.detail.step)).toEqual(['refused']);
    expect(ft[0]?.detail).toMatchObject({ reason: 'not-confirmed', flowtable: 'ft', index: 0 });
    // NFT_BREAK: the counter after `flow add` does not run, its rule has no rule event.
    expect(compact(req).filter((l) => l.startsWith('rule r fw'))).toEqual(['rule r fw #2 accept']);
  });

  it('offloads on the reply (confirmed UDP) and the rule goes on', () => {
    const t = simulate(router({ packets: twice }), nft(RULESET));
    const reply = packetEvents(t, 0, 1);
    expect(infoEvents(reply, 'flowtable').map((e) => e.detail.step)).toEqual(['offload']);
    expect(compact(reply).filter((l) => l.startsWith('rule r fw'))).toEqual([
      'rule r fw #0 continue',
      'rule r fw #1 accept',
    ]);
  });

  it('forwards the next conversation of the flow from the ingress hook, NAT applied, no hook chain', () => {
    const t = simulate(router({ packets: twice }), nft(RULESET));
    expect(roles(t, 1)).toEqual(['request', 'reply']);
    const req = packetEvents(t, 1, 0);
    expect(entered(req)).toEqual([]);
    const fast = infoEvents(req, 'flowtable')[0]?.detail;
    expect(fast).toMatchObject({
      step: 'fast-path',
      dev: 'ens1',
      out: 'ens2',
      direction: 'original',
    });
    expect(fast && 'after' in fast ? fast.after : undefined).toEqual({
      saddr: '10.2.0.1',
      daddr: '10.2.0.5',
      sport: 40000,
      dport: 53,
    });
    const sent = infoEvents(req, 'send').at(-1)?.detail;
    expect(sent).toMatchObject({ machine: 'server', dev: 'ens2' });
    const reply = packetEvents(t, 1, 1);
    expect(entered(reply)).toEqual([]);
    expect(infoEvents(reply, 'flowtable')[0]?.detail).toMatchObject({
      step: 'fast-path',
      dev: 'ens2',
      out: 'ens1',
      direction: 'reply',
      after: { saddr: '10.2.0.5', daddr: '10.1.0.5', sport: 53, dport: 40000 },
    });
    // No conntrack lookup: no conntrack event, the flowtable found the connection.
    expect(infoEvents(reply, 'conntrack')).toEqual([]);
  });

  it('takes no fast path on a device outside the flowtable', () => {
    const rs = nft(RULESET.replace('devices = { ens1, ens2 }', 'devices = { ens2 }'));
    const t = simulate(router({ packets: twice }), rs);
    // The request comes in on ens1: the ordinary path, and `flow add` finds it offloaded already.
    expect(entered(packetEvents(t, 1, 0))).toContain('inet r fw');
    expect(infoEvents(packetEvents(t, 1, 0), 'flowtable')[0]?.detail).toMatchObject({
      step: 'refused',
      reason: 'already-offloaded',
    });
    // The reply comes in on ens2, a flowtable device: the fast path.
    expect(entered(packetEvents(t, 1, 1))).toEqual([]);
  });

  it('does not offload a TCP connection before it is established (SYN-ACK in forward)', () => {
    const t = simulate(router({ packets: [tcp('client', '10.2.0.5', 41000, 80)] }), nft(RULESET));
    const reasons = t.conversations[0]?.packets.flatMap((p) =>
      infoEvents(p.events, 'flowtable').map((e) => ('reason' in e.detail ? e.detail.reason : '')),
    );
    expect(reasons).toEqual(['tcp-not-established', 'tcp-not-established']);
  });

  it('makes the ruleset a conntrack user: flow add alone registers conntrack', () => {
    const rs = nft(`table ip r {
  flowtable ft {
    hook ingress priority 0
    devices = { ens1, ens2 }
  }
  chain fw {
    type filter hook forward priority 0; policy accept;
    flow add @ft
  }
}`);
    const t = simulate(router({ packets: twice }), rs);
    expect(infoEvents(packetEvents(t, 0, 0), 'conntrack')[0]?.detail.lookup).toBe('created');
    expect(entered(packetEvents(t, 1, 0))).toEqual([]);
  });

  it('reports flow add outside a forward chain as unsupported, at the rule', () => {
    const rs = nft(
      RULESET.replace(
        'priority filter; policy accept;\n  }',
        'priority filter; policy accept;\n    flow add @ft\n  }',
      ),
    );
    const t = simulate(router({ packets: twice }), rs);
    const u = infoEvents(packetEvents(t, 0, 0), 'unsupported')[0];
    expect(u?.message).toMatch(/only in a forward chain/);
  });
});

describe('flow add the simulator does not follow', () => {
  it('reports a hardware-offload flowtable as unsupported, at the rule', () => {
    const rs = nft(
      RULESET.replace(
        'hook ingress priority filter',
        'hook ingress priority filter\n    flags offload',
      ),
    );
    const t = simulate(router({ packets: twice }), rs);
    const u = infoEvents(packetEvents(t, 0, 0), 'unsupported')[0];
    expect(u?.message).toMatch(/hardware offload/);
    expect(u?.detail).toMatchObject({ chain: 'fw', index: 0 });
  });
});
