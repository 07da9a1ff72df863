import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleConversation, assembleRun, groupPackets } from '../../src/kernel/assemble.ts';
import { parseMonitorLine, parseMonitorTrace } from '../../src/kernel/monitor-parse.ts';
import { buildRulesetIndex } from '../../src/kernel/ruleset-index.ts';
import { comparedEvents } from '../../src/netfilter/trace.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

describe('parsing nft monitor trace text (captured from nft 1.0.6 on kernel 6.18)', () => {
  it('reads packet, rule and policy lines', () => {
    const lines = parseMonitorTrace(fixture('seed-radius-udp.trace.txt'));
    // Every line of the capture is a trace message.
    expect(lines.length).toBe(fixture('seed-radius-udp.trace.txt').trim().split('\n').length);
    const enter = lines.find((l) => l.kind === 'packet' && l.chain === 'FORWARD');
    expect(enter).toEqual({
      kind: 'packet',
      offset: expect.any(Number),
      id: 'de915a1b',
      family: 'ip',
      table: 'filter',
      chain: 'FORWARD',
      headers: {
        iif: 'ens192',
        oif: 'docker1',
        l3: 'ip',
        saddr: '10.254.10.105',
        daddr: '172.20.0.4',
        protocol: 'udp',
        sport: 40000,
        dport: 1812,
        ipId: 49135,
        length: 31,
        tcpFlags: null,
        icmpType: null,
      },
    });
    expect(
      lines.find((l) => l.kind === 'rule' && l.chain === 'DOCKER' && l.table === 'nat'),
    ).toEqual({
      kind: 'rule',
      offset: expect.any(Number),
      id: 'de915a1b',
      family: 'ip',
      table: 'nat',
      chain: 'DOCKER',
      handle: 17,
      text: 'udp dport 1812 counter packets 0 bytes 0 dnat to 172.20.0.4:1812',
      verdict: 'accept',
    });
    expect(parseMonitorLine('trace id de915a1b ip nat POSTROUTING policy accept ')).toMatchObject({
      kind: 'policy',
      verdict: 'accept',
    });
    expect(
      parseMonitorLine(
        'trace id 1 ip filter X rule ip saddr 1.2.3.4 jump A # handle 9 (verdict jump A)',
      ),
    ).toMatchObject({
      handle: 9,
      verdict: 'jump A',
      text: 'ip saddr 1.2.3.4 jump A',
    });
    expect(parseMonitorLine('something else')).toBeUndefined();
  });

  it('reads tcp flags, icmp types and IPv6 headers', () => {
    const tcp = parseMonitorLine(
      'trace id 1 ip filter INPUT packet: iif "ens192" ip saddr 10.0.0.2 ip daddr 10.0.0.1 ip id 7 ip length 60 tcp sport 40000 tcp dport 22 tcp flags == syn tcp window 64240',
    );
    expect(tcp).toMatchObject({
      headers: { protocol: 'tcp', sport: 40000, dport: 22, tcpFlags: ['syn'] },
    });
    const synack = parseMonitorLine(
      'trace id 1 ip filter INPUT packet: iif "ens192" ip saddr 10.0.0.2 ip daddr 10.0.0.1 ip id 7 ip length 60 tcp sport 22 tcp dport 4 tcp flags == 0x12 tcp window 1',
    );
    expect(synack).toMatchObject({ headers: { tcpFlags: ['syn', 'ack'] } });
    const icmp6 = parseMonitorLine(
      'trace id 2 inet t c packet: oif "ens192" ip6 saddr 2001:db8::1 ip6 daddr 2001:db8::2 ip6 dscp cs0 ip6 ecn not-ect ip6 hoplimit 64 ip6 flowlabel 0 ip6 nexthdr ipv6-icmp ip6 length 64 icmpv6 type echo-request icmpv6 code no-route',
    );
    expect(icmp6).toMatchObject({
      headers: {
        l3: 'ip6',
        saddr: '2001:db8::1',
        protocol: 'icmpv6',
        icmpType: 'echo-request',
        length: 64,
        sport: null,
      },
    });
  });
});

describe('assembling a conversation from the captured RADIUS trace', () => {
  // The ruleset listing is reduced to what the fixture's chains need (handles as the kernel gave).
  const chain = (family: string, table: string, name: string, hook: string, prio: number) => ({
    chain: { family, table, name, hook, prio },
  });
  const rules = (family: string, table: string, chainName: string, handles: number[]) =>
    handles.map((handle) => ({ rule: { family, table, chain: chainName, handle } }));
  const index = buildRulesetIndex({
    nftables: [
      chain('ip', 'nat', 'PREROUTING', 'prerouting', -100),
      chain('ip', 'nat', 'POSTROUTING', 'postrouting', 100),
      chain('ip', 'filter', 'FORWARD', 'forward', 0),
      chain('inet', 'firewalld', 'raw_PREROUTING', 'prerouting', -290),
      chain('inet', 'firewalld', 'mangle_PREROUTING', 'prerouting', -140),
      chain('inet', 'firewalld', 'filter_FORWARD', 'forward', 10),
      chain('ip', 'firewalld', 'nat_POSTROUTING', 'postrouting', 110),
      chain('bridge', 'filter', 'PREROUTING', 'prerouting', -200),
      chain('bridge', 'filter', 'INPUT', 'input', -200),
      chain('bridge', 'filter', 'OUTPUT', 'output', -200),
      chain('bridge', 'filter', 'POSTROUTING', 'postrouting', -200),
      ...rules('ip', 'nat', 'DOCKER', [14, 15, 16, 17]),
      ...rules('inet', 'firewalld', 'filter_FORWARD', [62, 63, 64]),
    ],
  });
  const lines = parseMonitorTrace(fixture('seed-radius-udp.trace.txt'));

  it('follows the reply across its change of trace id (bridge input → ip forward)', () => {
    const packets = groupPackets(lines);
    expect(packets.length).toBe(2);
    expect(packets[1]!.ids).toEqual(new Set(['e9f28cc9', '69532b91']));
  });

  it('gives request and reply with the trace tables left out', () => {
    const spec = {
      from: 'client',
      to: '10.254.10.252',
      protocol: 'udp' as const,
      sport: 40000,
      dport: 1812,
    };
    const [request, reply] = assembleConversation(lines, spec, index);
    expect(request!.role).toBe('request');
    expect(reply!.role).toBe('reply');
    const chains = (events: ReturnType<typeof comparedEvents>) =>
      events.filter((e) => e.type === 'enter').map((e) => `${e.family} ${e.table} ${e.chain}`);
    expect(chains(comparedEvents(request!.events))).toEqual([
      'inet firewalld raw_PREROUTING',
      'inet firewalld mangle_PREROUTING',
      'ip nat PREROUTING',
      'ip filter FORWARD',
      'inet firewalld filter_FORWARD',
      'ip nat POSTROUTING',
      'ip firewalld nat_POSTROUTING',
      'bridge filter OUTPUT',
      'bridge filter POSTROUTING',
    ]);
    expect(chains(comparedEvents(reply!.events))).toEqual([
      'bridge filter PREROUTING',
      'inet firewalld raw_PREROUTING',
      'inet firewalld mangle_PREROUTING',
      'bridge filter INPUT',
      'ip filter FORWARD',
      'inet firewalld filter_FORWARD',
    ]);
    const dnat = request!.events.find(
      (e) => e.type === 'rule' && e.chain === 'DOCKER' && e.table === 'nat',
    );
    expect(dnat).toMatchObject({ index: 3, verdict: 'accept' });
    const bridgeInput = reply!.events.find((e) => e.type === 'enter' && e.chain === 'INPUT');
    expect(bridgeInput).toMatchObject({
      hook: 'input',
      priority: -200,
      packet: {
        iif: 'vethradius',
        oif: null,
        saddr: '172.20.0.4',
        daddr: '10.254.10.105',
        sport: 1812,
        dport: 40000,
      },
    });
    expect(request!.events.some((e) => e.type === 'enter' && e.table === 'nfwalk_trace')).toBe(
      false,
    );
  });

  it('keeps conversations apart even when the kernel reuses trace ids', () => {
    const text = fixture('seed-radius-udp.trace.txt');
    const spec = {
      from: 'client',
      to: '10.254.10.252',
      protocol: 'udp' as const,
      sport: 40000,
      dport: 1812,
    };
    // The same capture twice: the same ids and headers in two conversations.
    const [first, second] = assembleRun(`${text}${text}`, [spec, spec], [0, text.length], index);
    const one = assembleConversation(lines, spec, index);
    expect(first).toEqual(one);
    expect(second).toEqual(one);
  });

  it('finds no conversation when the request is not in the trace', () => {
    const spec = {
      from: 'client',
      to: '10.254.10.252',
      protocol: 'udp' as const,
      sport: 40000,
      dport: 9,
    };
    expect(assembleConversation(lines, spec, index)).toEqual([]);
  });
});

describe('netdev egress packet lines: raw @nh/@th bytes (captured from nft 1.0.6 on kernel 6.18)', () => {
  const lines = parseMonitorTrace(fixture('netdev-egress.trace.txt'));
  const packets = lines.filter((l) => l.kind === 'packet' && l.family === 'netdev');

  it('decodes an IPv4 UDP datagram as the ip chain before it printed it', () => {
    const udp = lines.find((l) => l.kind === 'packet' && l.id === '2b0b15be' && l.family === 'ip');
    const raw = packets.find((l) => l.id === '2b0b15be');
    expect(raw?.kind === 'packet' ? raw.headers : undefined).toEqual({
      ...(udp?.kind === 'packet' ? udp.headers : {}),
      tcpFlags: null,
      icmpType: null,
    });
    expect(raw?.kind === 'packet' ? raw.headers : undefined).toMatchObject({
      oif: 'nfwa0',
      l3: 'ip',
      saddr: '10.77.0.1',
      daddr: '10.77.0.2',
      protocol: 'udp',
      sport: 60554,
      dport: 5555,
      ipId: 9918,
      length: 31,
    });
  });

  it('decodes a TCP SYN with its flags', () => {
    const raw = packets.find((l) => l.id === '49aac006');
    expect(raw?.kind === 'packet' ? raw.headers : undefined).toMatchObject({
      protocol: 'tcp',
      sport: 47894,
      dport: 80,
      ipId: 62798,
      length: 60,
      tcpFlags: ['syn'],
    });
  });

  it('decodes IPv6 ICMPv6 (neighbour solicitation, MLD) with compact addresses', () => {
    const ns = packets.find((l) => l.id === 'd09c2a33');
    expect(ns?.kind === 'packet' ? ns.headers : undefined).toMatchObject({
      l3: 'ip6',
      saddr: '::',
      daddr: 'ff02::1:ffa6:1688',
      protocol: 'icmpv6',
      icmpType: 'nd-neighbor-solicit',
    });
    const rs = packets.find((l) => l.id === '95778c40');
    expect(rs?.kind === 'packet' ? rs.headers.icmpType : undefined).toBe('nd-router-solicit');
  });

  it('leaves an ARP frame (hex with its leading zeros dropped) without IP headers', () => {
    const arp = packets.find((l) => l.id === '13f2f704');
    expect(arp?.kind === 'packet' ? arp.headers : undefined).toMatchObject({
      l3: null,
      saddr: null,
      protocol: null,
    });
  });
});

describe('link noise in the trace (captured: the IPv6 router fixture on kernel 6.18)', () => {
  const text = fixture('ipv6-router-mld.trace.txt');
  const lines = parseMonitorTrace(text);

  it('the capture holds MLD reports, some sharing a trace id, one through the ruleset', () => {
    const mld = lines.filter((l) => l.kind === 'packet' && l.headers.daddr === 'ff02::16');
    expect(mld.length).toBeGreaterThan(2);
    expect(mld.some((l) => l.table === 'f')).toBe(true);
  });

  it('groups no packet and no event of link noise', () => {
    const packets = groupPackets(lines);
    expect(packets.length).toBeGreaterThan(0);
    for (const p of packets) for (const r of p.runs) expect(r.headers.daddr).not.toBe('ff02::16');
  });

  it("keeps a packet's lines when noise with the same trace id interleaves with them", () => {
    const real = lines.filter(
      (l) => l.id === lines.find((x) => x.kind === 'packet' && x.table === 'f')?.id,
    );
    const runs = groupPackets(real);
    const noise = text
      .split('\n')
      .filter((l) => l.includes('ff02::16') && l.includes(' inet f out packet:'))[0]!
      .replace(/^trace id \S+/, `trace id ${real[0]!.id}`);
    const policy = `trace id ${real[0]!.id} inet f out policy accept `;
    // The noise's packet line and its policy line fall between the real packet's lines.
    const mixed = [
      ...real.slice(0, 2),
      parseMonitorLine(noise)!,
      parseMonitorLine(policy)!,
      ...real.slice(2),
    ];
    const grouped = groupPackets(mixed);
    expect(grouped.map((p) => p.runs.map((r) => [r.table, r.chain, r.lines.length]))).toEqual(
      runs.map((p) => p.runs.map((r) => [r.table, r.chain, r.lines.length])),
    );
  });
});

describe('ICMPv6 errors with equal headers (captured: v6-neighbour-failure-retransmits, seed 487, kernel 6.18)', () => {
  // Three SYN-ACKs (the first and the server's two retransmissions) queued on a neighbour that
  // never resolves; when it fails, ip6_link_failure sends one ICMPv6 address unreachable per
  // queued packet, all with the same headers (IPv6 has no id field) and new trace ids.
  const lines = parseMonitorTrace(fixture('v6-neighbour-failure-retransmits.trace.txt'));
  const errors = (packets: ReturnType<typeof groupPackets>) =>
    packets.filter((p) => p.first.icmpType === 'destination-unreachable');

  it('keeps each error its own packet: none continues another from the trace table on', () => {
    const packets = groupPackets(lines);
    expect(errors(packets).map((p) => p.runs.filter((r) => r.table === 't').length)).toEqual([
      1, 1, 1,
    ]);
  });

  it('picks the first error after the first SYN-ACK, as for IPv4', () => {
    const index = buildRulesetIndex({
      nftables: [
        { chain: { family: 'inet', table: 't', name: 'forward_c', hook: 'forward', prio: 0 } },
        { chain: { family: 'inet', table: 't', name: 'out', hook: 'output', prio: 0 } },
        { rule: { family: 'inet', table: 't', chain: 'forward_c', handle: 3 } },
        { rule: { family: 'inet', table: 't', chain: 'out', handle: 4 } },
      ],
    });
    const spec = {
      from: 'pc1',
      to: '2001:db8:a054::1',
      protocol: 'tcp' as const,
      sport: 25459,
      dport: 80,
    };
    const picked = assembleConversation(lines, spec, index);
    expect(picked.map((p) => [p.role, p.events.filter((e) => e.type === 'enter').length])).toEqual([
      ['request', 1],
      ['reply', 1],
      ['icmp-error', 1],
    ]);
  });
});
