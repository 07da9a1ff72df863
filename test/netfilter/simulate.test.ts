import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import {
  compact,
  entered,
  infoEvents,
  machine,
  nft,
  packetEvents,
  roles,
  router,
  tcp,
  udp,
} from './helpers.ts';

const info = infoEvents;

describe('the chain loop (nft_do_chain)', () => {
  it('follows jump, goto, return and implicit return, and ends a base chain with its policy', () => {
    const rs = nft(`table ip t {
  chain fw {
    type filter hook forward priority 0; policy drop;
    jump a
    counter
    goto b
    accept
  }
  chain a {
    counter
  }
  chain b {
    jump c
  }
  chain c {
    return
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    expect(compact(packetEvents(t, 0, 0))).toEqual([
      'enter ip t fw ens1>ens2 10.1.0.5:40000>10.2.0.5:53',
      'rule t fw #0 jump a',
      'rule t a #0 continue',
      'rule t fw #1 continue',
      'rule t fw #2 goto b',
      'rule t b #0 jump c',
      'rule t c #0 return',
      'policy t fw drop',
    ]);
    // Dropped: the conversation ends with the request.
    expect(roles(t, 0)).toEqual(['request']);
  });

  it('stops the hook at a drop: later base chains of the hook do not run', () => {
    const rs = nft(`table ip a {
  chain fw {
    type filter hook forward priority 0; policy accept;
    drop
  }
}
table ip b {
  chain fw {
    type filter hook forward priority 10; policy accept;
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    expect(entered(packetEvents(t, 0, 0))).toEqual(['ip a fw']);
  });

  it('reports a rule it cannot evaluate, with its position, and stops the walk', () => {
    const rs = nft(`table ip t {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
    socket transparent 1 accept
  }
}`);
    const t = simulate(
      router({
        packets: [udp('client', '10.2.0.5', 40000, 53), udp('client', '10.2.0.5', 40001, 53)],
      }),
      rs,
    );
    const u = info(packetEvents(t, 0, 0), 'unsupported');
    expect(u).toHaveLength(1);
    expect(u[0]?.message).toMatch(/^test\.nft:4:5: rule 0 of chain pre/);
    expect(t.conversations).toHaveLength(1);
  });
});

const dnatRuleset = `table ip nat {
  chain pre {
    type nat hook prerouting priority -100; policy accept;
    udp dport 8053 dnat to 10.2.0.5:53
  }
  chain post {
    type nat hook postrouting priority 100; policy accept;
    oifname "ens2" masquerade
  }
}
table ip filter {
  chain fw {
    type filter hook forward priority 0; policy accept;
    ct state established counter
  }
}`;

describe('NAT', () => {
  it('rewrites the request at prerouting and postrouting, and the reply back without any nat chain', () => {
    const t = simulate(
      router({ packets: [udp('client', '10.1.0.1', 40000, 8053)] }),
      nft(dnatRuleset),
    );
    expect(roles(t, 0)).toEqual(['request', 'reply']);
    const req = compact(packetEvents(t, 0, 0));
    expect(req).toContain('enter ip filter fw ens1>ens2 10.1.0.5:40000>10.2.0.5:53');
    expect(req).toContain('enter ip nat post ens1>ens2 10.1.0.5:40000>10.2.0.5:53');
    const reply = packetEvents(t, 0, 1);
    expect(entered(reply)).toEqual(['ip filter fw']);
    // De-SNAT at prerouting (before forward), de-DNAT at postrouting.
    expect(compact(reply)[0]).toBe('enter ip filter fw ens2>ens1 10.2.0.5:53>10.1.0.5:40000');
    const nat = info(reply, 'nat').map((e) => e.detail);
    expect(nat).toMatchObject([
      { manip: 'dst', reverse: true, after: { daddr: '10.1.0.5', dport: 40000 } },
      { manip: 'src', reverse: true, after: { saddr: '10.1.0.1', sport: 8053 } },
    ]);
  });

  it("consults nat chains only for a connection's first packet, across conversations", () => {
    const t = simulate(
      router({
        packets: [
          udp('client', '10.1.0.1', 40000, 8053),
          udp('client', '10.1.0.1', 40000, 8053),
          udp('client', '10.1.0.1', 40001, 8053),
        ],
      }),
      nft(dnatRuleset),
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual(['ip nat pre', 'ip filter fw', 'ip nat post']);
    // Same tuple again: established, no nat chain, still DNATed.
    const again = packetEvents(t, 1, 0);
    expect(entered(again)).toEqual(['ip filter fw']);
    expect(compact(again)).toContain('rule filter fw #0 continue');
    expect(compact(again)[0]).toBe('enter ip filter fw ens1>ens2 10.1.0.5:40000>10.2.0.5:53');
    // A new source port is a new connection.
    expect(entered(packetEvents(t, 2, 0))).toEqual(['ip nat pre', 'ip filter fw', 'ip nat post']);
  });

  it('stops at the first nat chain of a hook that maps, and runs all when none does (null binding)', () => {
    const rs = nft(`table ip a {
  chain n1 {
    type nat hook prerouting priority -100; policy accept;
    udp dport 8053 dnat to 10.2.0.5:53
  }
}
table ip b {
  chain n2 {
    type nat hook prerouting priority -90; policy accept;
    counter
  }
}`);
    const t = simulate(
      router({
        packets: [udp('client', '10.1.0.1', 40000, 8053), udp('client', '10.2.0.5', 40001, 53)],
      }),
      rs,
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual(['ip a n1']);
    expect(entered(packetEvents(t, 1, 0))).toEqual(['ip a n1', 'ip b n2']);
  });

  it('routes again after DNAT: a destination rewritten to a host address goes to input', () => {
    const rs = nft(`table ip nat {
  chain pre {
    type nat hook prerouting priority -100; policy accept;
    udp dport 53 dnat to 10.1.0.1:5353
  }
}
table ip filter {
  chain fw {
    type filter hook forward priority 0; policy accept;
  }
  chain inp {
    type filter hook input priority 0; policy accept;
  }
}`);
    const t = simulate(
      router({ packets: [udp('client', '10.2.0.5', 40000, 53)], listens: ['udp/5353'] }),
      rs,
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual(['ip nat pre', 'ip filter inp']);
    // The host's socket answers; its reply crosses output and postrouting, DNAT undone.
    expect(roles(t, 0)).toEqual(['request', 'reply']);
    const out = info(packetEvents(t, 0, 1), 'nat').map((e) => e.detail);
    expect(out).toMatchObject([
      { manip: 'src', reverse: true, after: { saddr: '10.2.0.5', sport: 53 } },
    ]);
  });

  it('changes the masquerade source port only when the mapping clashes', () => {
    const sc = router({
      packets: [udp('client', '10.2.0.5', 40000, 53), udp('client2', '10.2.0.5', 40000, 53)],
    });
    sc.hosts.push(machine('client2', 'ens1', ['10.1.0.6']));
    const t = simulate(sc, nft(dnatRuleset));
    const first = info(packetEvents(t, 0, 0), 'nat').find(
      (e) => e.detail.step === 'binding' && e.detail.statement === 'masquerade',
    );
    expect(first?.detail).toMatchObject({ tuple: { saddr: '10.2.0.1', sport: 40000 } });
    const second = info(packetEvents(t, 1, 0), 'nat').find(
      (e) => e.detail.step === 'binding' && e.detail.statement === 'masquerade',
    );
    expect(second?.detail).toMatchObject({
      tuple: { saddr: '10.2.0.1' },
      portClash: { wanted: 40000 },
    });
    const tuple = second?.detail.step === 'binding' ? second.detail.tuple : undefined;
    expect(tuple?.sport).not.toBe(40000);
  });

  it('translates an ICMP error of a NATed connection: outer header and the embedded one', () => {
    const t = simulate(
      router({ packets: [udp('client', '10.1.0.1', 40000, 8054)] }),
      nft(dnatRuleset.replace('8053 dnat to 10.2.0.5:53', '8054 dnat to 10.2.0.5:54')),
    );
    expect(roles(t, 0)).toEqual(['request', 'icmp-error']);
    const err = packetEvents(t, 0, 1);
    // The server's error is for 10.2.0.1 (masquerade); conntrack sends it back to the client.
    expect(compact(err)[0]).toBe('enter ip filter fw ens2>ens1 10.2.0.5>10.1.0.5');
    const nat = info(err, 'nat').map((e) => e.detail);
    expect(nat).toMatchObject([
      {
        step: 'icmp-error',
        manip: 'dst',
        after: { daddr: '10.1.0.5' },
        inner: { after: { saddr: '10.1.0.5', sport: 40000 } },
      },
      {
        step: 'icmp-error',
        manip: 'src',
        after: { saddr: '10.1.0.1' },
        inner: { after: { daddr: '10.1.0.1', dport: 8054 } },
      },
    ]);
    expect(info(err, 'conntrack')[0]?.detail).toMatchObject({
      state: 'related',
      direction: 'reply',
    });
  });
});

describe('routing and the host', () => {
  it('drops without a forward hook when forwarding is off', () => {
    const rs = nft(`table ip t {
  chain fw {
    type filter hook forward priority 0; policy accept;
  }
}`);
    const t = simulate(
      router({
        packets: [udp('client', '10.2.0.5', 40000, 53)],
        sysctl: { 'net.ipv4.ip_forward': 0 },
      }),
      rs,
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual([]);
    expect(info(packetEvents(t, 0, 0), 'drop')[0]?.detail).toMatchObject({
      reason: 'forwarding-disabled',
    });
    expect(roles(t, 0)).toEqual(['request']);
  });

  it('sends the ICMP error of a reject in forward from the host, through output, as related', () => {
    const rs = nft(`table inet f {
  chain fw {
    type filter hook forward priority 0; policy accept;
    udp dport 9999 reject
  }
  chain out {
    type filter hook output priority 0; policy accept;
    ct state related counter
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 9999)] }), rs);
    expect(roles(t, 0)).toEqual(['request', 'icmp-error']);
    expect(compact(packetEvents(t, 0, 0)).at(-1)).toBe('rule f fw #0 drop');
    expect(compact(packetEvents(t, 0, 1))).toEqual([
      'enter inet f out ->ens1 10.1.0.1>10.1.0.5',
      'rule f out #0 continue',
      'policy f out accept',
    ]);
  });

  it("answers for the host's own sockets: SYN-ACK when listening, RST otherwise", () => {
    const rs = nft(`table ip t {
  chain inp {
    type filter hook input priority 0; policy accept;
    ct state new counter
  }
}`);
    const t = simulate(
      router({
        packets: [tcp('client', '10.1.0.1', 40000, 22), tcp('client', '10.1.0.1', 40001, 23)],
        listens: ['tcp/22'],
      }),
      rs,
    );
    expect(roles(t, 0)).toEqual(['request', 'reply']);
    expect(roles(t, 1)).toEqual(['request', 'reset']);
  });
});

describe('bridge and br_netfilter', () => {
  const rs = `table bridge b {
  chain pre {
    type filter hook prerouting priority -200; policy accept;
  }
  chain fw {
    type filter hook forward priority -200; policy accept;
  }
  chain post {
    type filter hook postrouting priority -200; policy accept;
  }
}
table ip t {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
  }
  chain fw {
    type filter hook forward priority 0; policy accept;
  }
  chain post {
    type filter hook postrouting priority 0; policy accept;
  }
}`;

  it('runs the ip hooks of a bridged packet inside the bridge hooks, with the bridge device', () => {
    const t = simulate(
      router({ bridge: true, packets: [udp('c1', '172.30.0.3', 40000, 5000)] }),
      nft(rs),
    );
    expect(compact(packetEvents(t, 0, 0)).filter((l) => l.startsWith('enter'))).toEqual([
      'enter bridge b pre vethc1>- 172.30.0.2:40000>172.30.0.3:5000',
      'enter ip t pre br0>- 172.30.0.2:40000>172.30.0.3:5000',
      'enter bridge b fw vethc1>vethc2 172.30.0.2:40000>172.30.0.3:5000',
      'enter ip t fw br0>br0 172.30.0.2:40000>172.30.0.3:5000',
      'enter bridge b post ->vethc2 172.30.0.2:40000>172.30.0.3:5000',
      'enter ip t post ->br0 172.30.0.2:40000>172.30.0.3:5000',
    ]);
  });

  it('runs no ip hook for bridged packets with bridge-nf-call-iptables off', () => {
    const t = simulate(
      router({
        bridge: true,
        packets: [udp('c1', '172.30.0.3', 40000, 5000)],
        sysctl: {
          'net.bridge.bridge-nf-call-iptables': 0,
          'net.bridge.bridge-nf-call-ip6tables': 0,
        },
      }),
      nft(rs),
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual([
      'bridge b pre',
      'bridge b fw',
      'bridge b post',
    ]);
  });

  it('routes a packet leaving through the bridge device, then bridges it to the port', () => {
    const t = simulate(
      router({ bridge: true, packets: [udp('client', '172.30.0.2', 40000, 5000)] }),
      nft(rs),
    );
    expect(entered(packetEvents(t, 0, 0))).toEqual([
      'ip t pre',
      'ip t fw',
      'ip t post',
      'bridge b post',
    ]);
    expect(compact(packetEvents(t, 0, 0))).toContain(
      'enter ip t fw ens1>br0 10.1.0.5:40000>172.30.0.2:5000',
    );
  });
});

describe("NAT of the host's own packets", () => {
  it('DNATs in output, routes again, and undoes the DNAT of the reply at input', () => {
    const rs = nft(`table ip nat {
  chain out {
    type nat hook output priority -100; policy accept;
    udp dport 2000 dnat to 10.2.0.5:53
  }
}
table ip t {
  chain out {
    type filter hook output priority 0; policy accept;
  }
  chain inp {
    type filter hook input priority 0; policy accept;
  }
}`);
    const t = simulate(router({ packets: [udp('host', '10.1.0.77', 40000, 2000)] }), rs);
    expect(roles(t, 0)).toEqual(['request', 'reply']);
    // Routed via ens1 first; the DNAT sends it out of ens2 instead (ip_route_me_harder).
    const req = compact(packetEvents(t, 0, 0));
    expect(req[0]).toBe('enter ip nat out ->ens1 10.1.0.1:40000>10.1.0.77:2000');
    expect(req).toContain('enter ip t out ->ens1 10.1.0.1:40000>10.2.0.5:53');
    // The host's own packet starts with its send from the host, then leaves out of ens2.
    expect(info(packetEvents(t, 0, 0), 'send').map((e) => e.detail)).toMatchObject([
      { way: 'local', packet: { saddr: '10.1.0.1', daddr: '10.1.0.77', dport: 2000 } },
      { way: 'out', dev: 'ens2', machine: 'server' },
    ]);
    // The reply: the input hook's NAT (source manip) restores the address the socket sent to.
    expect(compact(packetEvents(t, 0, 1))[0]).toBe(
      'enter ip t inp ens2>- 10.2.0.5:53>10.1.0.1:40000',
    );
    expect(info(packetEvents(t, 0, 1), 'nat').map((e) => e.detail)).toMatchObject([
      { manip: 'src', reverse: true, after: { saddr: '10.1.0.77', sport: 2000 } },
    ]);
  });
});

describe('the end of the road', () => {
  it('ends a packet routed back out of the link it came from with a clear event', () => {
    const rs = nft(`table ip t {
  chain fw {
    type filter hook forward priority 0; policy accept;
  }
}`);
    const sc = router({
      packets: [udp('client', '10.9.0.7', 40000, 53)],
      routes: [{ to: { address: '10.9.0.0', prefix: 24, family: 4 }, via: '10.1.0.5' }],
    });
    const t = simulate(sc, rs);
    const events = packetEvents(t, 0, 0);
    expect(compact(events)[0]).toBe('enter ip t fw ens1>ens1 10.1.0.5:40000>10.9.0.7:53');
    expect(
      info(events, 'note')
        .map((e) => e.message)
        .join('\n'),
    ).toMatch(/ICMP redirect/);
    expect(info(events, 'note').at(-1)?.message).toMatch(
      /client is not 10\.9\.0\.7; it does not answer/,
    );
    expect(roles(t, 0)).toEqual(['request', 'redirect']);
  });
});

describe('the ICMP redirect of a packet forwarded back out of the link it came from', () => {
  const rs = nft(`table ip t {
  chain out {
    type filter hook output priority raw; policy accept;
    ct state related counter
  }
}`);
  const hairpin = (o: { sysctl?: Record<string, number>; saddr?: string } = {}) =>
    router({
      packets: [
        { ...udp('client', '10.9.0.7', 40000, 53), ...(o.saddr ? { saddr: o.saddr } : {}) },
      ],
      routes: [{ to: { address: '10.9.0.0', prefix: 24, family: 4 }, via: '10.1.0.5' }],
      ...(o.sysctl ? { sysctl: o.sysctl } : {}),
    });

  it('is a packet of its own: from the host to the sender, type 5 code 1, related, through output', () => {
    const t = simulate(hairpin(), rs);
    expect(roles(t, 0)).toEqual(['request', 'redirect']);
    expect(compact(packetEvents(t, 0, 1))).toEqual([
      'enter ip t out ->ens1 10.1.0.1>10.1.0.5',
      'rule t out #0 continue',
      'policy t out accept',
    ]);
    const sent = info(packetEvents(t, 0, 1), 'send').map((e) => e.detail);
    expect(sent.at(-1)).toMatchObject({ way: 'out', machine: 'client', dev: 'ens1' });
  });

  it('is not sent with send_redirects off on both conf.all and the device (IN_DEV_ORCONF)', () => {
    const off = { 'net.ipv4.conf.all.send_redirects': 0, 'net.ipv4.conf.ens1.send_redirects': 0 };
    expect(roles(simulate(hairpin({ sysctl: off }), rs), 0)).toEqual(['request']);
    const allOnly = { 'net.ipv4.conf.all.send_redirects': 0 };
    expect(roles(simulate(hairpin({ sysctl: allOnly }), rs), 0)).toEqual(['request', 'redirect']);
  });

  it('is not sent to a sender that is not on the link (inet_addr_onlink)', () => {
    const t = simulate(hairpin({ saddr: '192.0.2.9' }), rs);
    expect(roles(t, 0)).toEqual(['request']);
  });
});
