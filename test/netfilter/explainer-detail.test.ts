/**
 * The structured detail the explainer reads (documented in src/netfilter/trace.ts): conntrack
 * for every packet, the statement behind reverse NAT, br_netfilter's route lookups, the bridge
 * of ip_sabotage_in, who a packet is delivered to, note kinds, the mark and ICMP type of
 * enter events, and hooks crossed without any chain.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import type {
  EnterEvent,
  InfoEvent,
  InfoType,
  Trace,
  TraceEvent,
} from '../../src/netfilter/trace.ts';
import { nft, router, tcp, udp } from './helpers.ts';

const infos = <T extends InfoType>(events: readonly TraceEvent[], type: T) =>
  events.filter((e): e is Extract<InfoEvent, { type: T }> => e.type === type);
const allPackets = (t: Trace) => t.conversations.flatMap((c) => c.packets);

const natRouter = `table ip n {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "ens1" tcp dport 8080 dnat to 10.2.0.5:80
  }
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ens2" masquerade
  }
}
table ip f {
  chain fw {
    type filter hook forward priority 0; policy accept;
    udp dport 9 reject
    meta mark set 0x2a
  }
}`;

describe('detail for the explainer', () => {
  it('gives every packet a conntrack event with state and direction, answers of a reject too', () => {
    const t = simulate(
      router({
        packets: [tcp('client', '10.1.0.1', 40000, 8080), udp('client', '10.2.0.5', 40001, 9)],
      }),
      nft(natRouter),
    );
    const packets = allPackets(t);
    // The second request is rejected in forward: the host's ICMP error carries its entry.
    expect(packets.map((p) => p.role)).toEqual(['request', 'reply', 'request', 'icmp-error']);
    for (const p of packets) {
      const ct = infos(p.events, 'conntrack')[0];
      expect(ct?.detail).toHaveProperty('state');
      expect(ct?.detail).toHaveProperty('direction');
    }
    const err = infos(packets[3]!.events, 'conntrack')[0];
    expect(err?.detail).toMatchObject({ state: 'related', direction: 'reply', attached: true });
  });

  it('says conntrack did not run where no rule needs it', () => {
    const t = simulate(
      router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }),
      nft('table ip f { chain fw { type filter hook forward priority 0; policy accept; } }'),
    );
    for (const p of allPackets(t)) {
      expect(infos(p.events, 'conntrack').map((e) => e.detail)).toEqual([
        {
          lookup: 'no-conntrack-hook',
          state: 'none',
          direction: null,
          reason: 'no-conntrack-hook',
        },
      ]);
    }
  });

  it('names the statement behind forward and reverse NAT', () => {
    // The client's SYN to 10.1.0.1:8080 is DNATed to the server and masqueraded out of ens2.
    const [req, reply] = allPackets(
      simulate(router({ packets: [tcp('client', '10.1.0.1', 40000, 8080)] }), nft(natRouter)),
    );
    const rewrites = (events: readonly TraceEvent[]) =>
      infos(events, 'nat').flatMap((e) =>
        e.detail.step === 'rewrite' ? [[e.detail.manip, e.detail.reverse, e.detail.statement]] : [],
      );
    expect(rewrites(req!.events)).toEqual([
      ['dst', false, 'dnat'],
      ['src', false, 'masquerade'],
    ]);
    expect(rewrites(reply!.events)).toEqual([
      ['dst', true, 'masquerade'],
      ['src', true, 'dnat'],
    ]);
  });

  it('puts the mark and the ICMP type in the enter events, without touching the packet view', () => {
    const withOutput = `${natRouter}
table ip o {
  chain out {
    type filter hook output priority 0; policy accept;
  }
}`;
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40001, 9)] }), nft(withOutput));
    const [req, err] = allPackets(t);
    const enters = (events: readonly TraceEvent[]) =>
      events.filter((e): e is EnterEvent => e.type === 'enter');
    expect(enters(req!.events).map((e) => e.detail)).toContainEqual({ mark: 0 });
    const icmp = enters(err!.events)[0];
    expect(icmp?.detail).toMatchObject({ icmpType: 3, icmpCode: 3 });
    expect(Object.keys(icmp?.packet ?? {}).sort()).toEqual(
      ['daddr', 'dport', 'iif', 'oif', 'protocol', 'saddr', 'sport'].sort(),
    );
    expect(infos(req!.events, 'note').find((n) => n.detail.kind === 'reject-answer')).toBeDefined();
  });

  it('marks the mark set by a rule in the next chain that sees it', () => {
    const t = simulate(
      router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }),
      nft(`${natRouter}
table ip g {
  chain post {
    type filter hook postrouting priority 0; policy accept;
  }
}`),
    );
    const post = allPackets(t)[0]!.events.find(
      (e): e is EnterEvent => e.type === 'enter' && e.table === 'g',
    );
    expect(post?.detail?.mark).toBe(0x2a);
  });

  it('says who a packet is delivered to, with the socket asked for', () => {
    const t = simulate(
      router({
        listens: ['tcp/22'],
        packets: [tcp('client', '10.1.0.1', 40000, 22), udp('client', '10.2.0.5', 40000, 53)],
      }),
      nft('table ip f { chain in { type filter hook input priority 0; policy accept; } }'),
    );
    const delivers = allPackets(t).flatMap((p) => infos(p.events, 'deliver').map((e) => e.detail));
    expect(delivers).toContainEqual(
      expect.objectContaining({ to: 'host', protocol: 'tcp', port: 22, open: true }),
    );
    expect(delivers).toContainEqual(
      expect.objectContaining({ to: 'server', protocol: 'udp', port: 53, open: true }),
    );
    for (const d of delivers) expect(d).toHaveProperty('to');
  });

  it('reports every hook crossed, with family, hook, its chains and the packet before and after', () => {
    const t = simulate(
      router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }),
      nft('table ip f { chain fw { type filter hook forward priority 0; policy accept; } }'),
    );
    const hooks = infos(allPackets(t)[0]!.events, 'hook').map(
      (n) =>
        `${n.detail.family} ${n.detail.hook}${n.detail.device ? ` ${n.detail.device}` : ''} ${n.detail.chains}`,
    );
    expect(hooks).toEqual([
      'netdev ingress ens1 0',
      'ip prerouting 0',
      'ip forward 1',
      'ip postrouting 0',
      'netdev egress ens2 0',
    ]);
    const forward = infos(allPackets(t)[0]!.events, 'hook')[2]!.detail;
    expect(forward).toMatchObject({
      verdict: 'accept',
      packet: { iif: 'ens1', oif: 'ens2', saddr: '10.1.0.5', daddr: '10.2.0.5', dport: 53 },
      after: { saddr: '10.1.0.5', daddr: '10.2.0.5' },
    });
    // Every note says what kind it is.
    for (const p of allPackets(t))
      for (const n of infos(p.events, 'note')) expect(n.detail).toHaveProperty('kind');
  });

  it('names the bridge of ip_sabotage_in', () => {
    const t = simulate(
      router({
        bridge: true,
        packets: [udp('c1', '172.30.0.1', 40000, 5000)],
        listens: ['udp/5000'],
      }),
      nft('table ip t { chain pre { type filter hook prerouting priority 0; policy accept; } }'),
    );
    const events = allPackets(t)[0]!.events;
    expect(
      infos(events, 'bridge').find((e) => e.detail.step === 'ip_sabotage_in')?.detail,
    ).toMatchObject({
      bridge: 'br0',
    });
  });

  it('marks the route lookup br_netfilter makes after a DNAT, and the decision that uses it', () => {
    const t = simulate(
      router({ bridge: true, packets: [udp('c1', '172.30.0.1', 40000, 6000)] }),
      nft(`table ip n {
  chain pre {
    type nat hook prerouting priority dstnat; policy accept;
    udp dport 6000 dnat to 10.2.0.5:53
  }
}`),
    );
    const routes = infos(allPackets(t)[0]!.events, 'route').map((e) => e.detail);
    expect(routes[0]).toMatchObject({ inBrNetfilter: true, step: 'br_nf_pre_routing_finish' });
    expect(routes[1]).toMatchObject({ inBrNetfilter: true });
  });

  it('starts every packet with a send carrying the packet as it is on the wire', () => {
    // The reply of a masqueraded connection is sent to the masquerade address; conntrack
    // rewrites it only inside the host.
    const [req, reply] = allPackets(
      simulate(router({ packets: [tcp('client', '10.1.0.1', 40000, 8080)] }), nft(natRouter)),
    );
    const first = (events: readonly TraceEvent[]) =>
      events.find((e) => e.type === 'send' || e.type === 'hook' || e.type === 'enter');
    expect(first(req!.events)).toMatchObject({
      type: 'send',
      detail: { way: 'in', machine: 'client', dev: 'ens1' },
    });
    const sent = first(reply!.events);
    expect(sent?.type).toBe('send');
    if (sent?.type !== 'send') return;
    expect(sent.detail).toMatchObject({ way: 'in', machine: 'server', dev: 'ens2' });
    expect(sent.detail.packet).toMatchObject({
      family: 'ip',
      protocol: 'tcp',
      saddr: '10.2.0.5',
      daddr: '10.2.0.1',
      sport: 80,
      dport: 40000,
    });
    // The first chain sees it after conntrack undid the masquerade.
    const enter = reply!.events.find((e): e is EnterEvent => e.type === 'enter');
    expect(enter?.packet.daddr).toBe('10.1.0.5');
  });
});
