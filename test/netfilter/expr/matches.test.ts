import { describe, expect, it } from 'vitest';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import type { Expr, Statement } from '../../../src/ruleset/model.ts';
import {
  accept,
  concat,
  ct,
  type EnvOptions,
  icmpEcho,
  list,
  m,
  makeEnv,
  meta,
  pl,
  prefix,
  range,
  rule,
  set,
  v,
} from './env-factory.ts';

/** Whether `statements accept` matches the packet the options describe. */
function matches(stmts: Statement | Statement[], o: EnvOptions = {}): boolean {
  const s = Array.isArray(stmts) ? stmts : [stmts];
  const out = evaluateRule(rule(...s, accept), makeEnv(o));
  if (out.kind === 'unsupported') throw new Error(`unsupported: ${out.reason}`);
  return out.kind === 'match';
}

const synAck: EnvOptions = {
  packet: { tcp: { flags: ['syn', 'ack'], seq: 1, ackSeq: 1, window: 1 } },
};
const udp: EnvOptions = {
  packet: { l4proto: 'udp', protocolNumber: 17, tcp: undefined, sport: 5353, dport: 1812 },
};
const ip6: EnvOptions = {
  packet: { family: 'ip6', saddr: '2001:db8::1', daddr: '2001:db8::2' },
  meta: { nfproto: 'ip6' },
};

describe('payload: addresses', () => {
  it('ip saddr equals a literal address', () => {
    expect(matches(m(pl('ip', 'saddr'), v('10.0.0.1')))).toBe(true);
    expect(matches(m(pl('ip', 'saddr'), v('10.0.0.9')))).toBe(false);
  });
  it('ip daddr in a prefix, written as a prefix expression or as text', () => {
    expect(matches(m(pl('ip', 'daddr'), prefix('10.0.0.0', 8)))).toBe(true);
    expect(matches(m(pl('ip', 'daddr'), v('10.0.0.0/30')))).toBe(true);
    expect(matches(m(pl('ip', 'daddr'), v('10.0.0.4/30')))).toBe(false);
  });
  it('ip daddr != { 10.0.0.0/8 } does not match 10.0.0.2 but matches 192.168.1.1', () => {
    const st = m(pl('ip', 'daddr'), set(prefix('10.0.0.0', 8)), '!=');
    expect(matches(st)).toBe(false);
    expect(matches(st, { packet: { daddr: '192.168.1.1' } })).toBe(true);
  });
  it('an address range', () => {
    expect(matches(m(pl('ip', 'saddr'), range('10.0.0.0', '10.0.0.5')))).toBe(true);
    expect(matches(m(pl('ip', 'saddr'), v('10.0.0.2-10.0.0.5')))).toBe(false);
  });
  it('ip saddr on an IPv6 packet in an inet table does not match (nfproto dependency)', () => {
    expect(matches(m(pl('ip', 'saddr'), v('10.0.0.1'), '!='), ip6)).toBe(false);
  });
  it('ip6 saddr prefix, written in any IPv6 form', () => {
    expect(matches(m(pl('ip6', 'saddr'), v('2001:0db8:0::/32')), ip6)).toBe(true);
    expect(matches(m(pl('ip6', 'daddr'), v('2001:db8:0:0:0:0:0:2')), ip6)).toBe(true);
  });
});

describe('payload: transport', () => {
  it('tcp dport with a number and a service name', () => {
    expect(matches(m(pl('tcp', 'dport'), v('22')))).toBe(true);
    expect(matches(m(pl('tcp', 'dport'), v('ssh')))).toBe(true);
    expect(matches(m(pl('tcp', 'dport'), v('http')))).toBe(false);
  });
  it('tcp dport on a UDP packet does not match (l4proto dependency)', () => {
    expect(matches(m(pl('tcp', 'dport'), v('1812'), '!='), udp)).toBe(false);
    expect(matches(m(pl('udp', 'dport'), v('radius')), udp)).toBe(true);
  });
  it('ordered comparisons compare numerically', () => {
    expect(matches(m(pl('tcp', 'sport'), v('1024'), '>'))).toBe(true);
    expect(matches(m(pl('tcp', 'sport'), v('40000'), '<'))).toBe(false);
    expect(matches(m(pl('tcp', 'sport'), v('40000'), '<='))).toBe(true);
    expect(matches(m(pl('tcp', 'dport'), v('1024-65535')))).toBe(false);
    expect(matches(m(pl('tcp', 'sport'), v('1024-65535')))).toBe(true);
  });
  it('th dport reads the port of tcp and udp alike', () => {
    expect(matches(m(pl('th', 'dport'), v('1812')), udp)).toBe(true);
    expect(matches(m(pl('th', 'dport'), v('22')))).toBe(true);
  });
  it('an unknown service name is reported, not guessed', () => {
    const out = evaluateRule(rule(m(pl('tcp', 'dport'), v('no-such-service')), accept), makeEnv());
    expect(out.kind).toBe('unsupported');
    if (out.kind === 'unsupported') expect(out.reason).toMatch(/unknown service name/);
  });
  it('icmp type by name', () => {
    const ping: EnvOptions = {
      packet: icmpEcho(7),
    };
    expect(matches(m(pl('icmp', 'type'), v('echo-request')), ping)).toBe(true);
    expect(matches(m(pl('icmp', 'type'), set('echo-reply', 'destination-unreachable')), ping)).toBe(
      false,
    );
    expect(matches(m(pl('icmpv6', 'type'), v('echo-request')), ping)).toBe(false);
  });
  it('icmp gateway is a 32-bit integer, as nft has it: an address there is refused', () => {
    // nft 1.0.6: `icmp gateway 10.0.0.20` → "Could not parse integer"; 167772180 is accepted.
    const redirect: EnvOptions = {
      packet: {
        l4proto: 'icmp',
        protocolNumber: 1,
        tcp: undefined,
        sport: undefined,
        dport: undefined,
        icmp: { type: 5, code: 1, gateway: '10.0.0.20' },
      },
    };
    expect(matches(m(pl('icmp', 'gateway'), v('167772180')), redirect)).toBe(true);
    expect(matches(m(pl('icmp', 'gateway'), v('0x0a000015')), redirect)).toBe(false);
    expect(() => matches(m(pl('icmp', 'gateway'), v('10.0.0.20')), redirect)).toThrow(
      /unsupported/,
    );
  });
});

describe('tcp flags (bitmask)', () => {
  it('tcp flags syn (implicit) is a flag test: matches SYN-ACK too', () => {
    expect(matches(m(pl('tcp', 'flags'), v('syn')), synAck)).toBe(true);
  });
  it('tcp flags == syn is exact: does not match SYN-ACK', () => {
    expect(matches(m(pl('tcp', 'flags'), v('syn'), '=='), synAck)).toBe(false);
    expect(matches(m(pl('tcp', 'flags'), v('syn'), '=='))).toBe(true);
  });
  it('tcp flags syn / fin,syn,rst,ack matches a SYN, not a SYN-ACK', () => {
    const st = m(pl('tcp', 'flags'), v('syn'), '==', list('fin', 'syn', 'rst', 'ack'));
    expect(matches(st)).toBe(true);
    expect(matches(st, synAck)).toBe(false);
  });
  it('tcp flags != syn / fin,syn,rst,ack matches the SYN-ACK', () => {
    const st = m(pl('tcp', 'flags'), v('syn'), '!=', list('fin', 'syn', 'rst', 'ack'));
    expect(matches(st, synAck)).toBe(true);
  });
  it('tcp flags { syn, ack } is a set lookup: exact values only', () => {
    expect(matches(m(pl('tcp', 'flags'), set('syn', 'ack')))).toBe(true);
    expect(matches(m(pl('tcp', 'flags'), set('syn', 'ack')), synAck)).toBe(false);
  });
  it('tcp flags & (syn|ack) == syn|ack', () => {
    const mask: Expr = { kind: 'binop', op: '|', left: v('syn'), right: v('ack') };
    const left: Expr = { kind: 'binop', op: '&', left: pl('tcp', 'flags'), right: mask };
    expect(matches(m(left, mask, '=='), synAck)).toBe(true);
    expect(matches(m(left, mask, '=='))).toBe(false);
  });
});

describe('meta', () => {
  it('iifname "dock*" matches docker0 and not eth0', () => {
    expect(matches(m(meta('iifname'), v('dock*', true)), { meta: { iif: 'docker0' } })).toBe(true);
    expect(matches(m(meta('iifname'), v('dock*', true)))).toBe(false);
  });
  it('iifname "docker0" matches exactly, not as a prefix of docker01', () => {
    expect(matches(m(meta('iifname'), v('docker0', true)), { meta: { iif: 'docker01' } })).toBe(
      false,
    );
  });
  it('iifname != "dock*"', () => {
    expect(matches(m(meta('iifname'), v('dock*', true), '!='))).toBe(true);
  });
  it('oifname of a packet without an output device reads as the empty name', () => {
    expect(matches(m(meta('oifname'), v('eth0', true), '!='))).toBe(true);
    expect(matches(m(meta('oifname'), v('', true)))).toBe(true);
  });
  it('oif 0 means "no output device" (the index a missing device reads as)', () => {
    expect(matches(m(meta('oif'), v('0')))).toBe(true);
    expect(matches(m(meta('oif'), v('0')), { meta: { oif: 'eth1' } })).toBe(false);
  });
  it('iifname in a set with a wildcard element', () => {
    const st = m(meta('iifname'), set(v('lo', true), v('br-*', true)));
    expect(matches(st, { meta: { iif: 'br-1a2b' } })).toBe(true);
    expect(matches(st)).toBe(false);
  });
  it('meta l4proto and nfproto', () => {
    expect(matches(m(meta('l4proto'), set('tcp', 'udp')))).toBe(true);
    expect(matches(m(meta('l4proto'), v('ipv6-icmp')))).toBe(false);
    expect(matches(m(meta('nfproto'), v('ipv4')))).toBe(true);
    expect(matches(m(meta('nfproto'), v('ipv6')), ip6)).toBe(true);
  });
  it('meta mark in hex, decimal and with a mask', () => {
    const o: EnvOptions = { meta: { mark: 0x4001 } };
    expect(matches(m(meta('mark'), v('0x4001')), o)).toBe(true);
    expect(matches(m(meta('mark'), v('16385')), o)).toBe(true);
    const masked: Expr = { kind: 'binop', op: '&', left: meta('mark'), right: v('0xff00') };
    expect(matches(m(masked, v('0x4000'), '=='), o)).toBe(true);
    expect(matches(m(masked, v('0x0'), '=='), o)).toBe(false);
  });
});

describe('conntrack', () => {
  const est: EnvOptions = {
    ct: { state: 'established', status: ['seen-reply', 'assured', 'confirmed'] },
  };
  it('ct state established,related matches established, not new', () => {
    const st = m(ct('state'), list('established', 'related'));
    expect(matches(st, est)).toBe(true);
    expect(matches(st)).toBe(false);
  });
  it('ct state { established, related } (a set) matches established', () => {
    expect(matches(m(ct('state'), set('established', 'related')), est)).toBe(true);
  });
  it('ct state == established,related is exact (nft 1.0.6: cmp eq 0x6): never true for one state', () => {
    expect(matches(m(ct('state'), list('established', 'related'), '=='), est)).toBe(false);
  });
  it('ct state != established,related is exact too (cmp neq 0x6): true for established', () => {
    expect(matches(m(ct('state'), list('established', 'related'), '!='), est)).toBe(true);
  });
  it('ct state != established (single value) is exact: false for established', () => {
    expect(matches(m(ct('state'), v('established'), '!='), est)).toBe(false);
    expect(matches(m(ct('state'), v('established'), '!='))).toBe(true);
  });
  it('without a conntrack entry ct state reads invalid and other keys do not match', () => {
    expect(matches(m(ct('state'), v('invalid')), { ct: null })).toBe(true);
    expect(matches(m(ct('mark'), v('0'), '=='), { ct: null })).toBe(false);
    expect(matches(m(ct('state'), v('untracked')), { ct: { state: 'untracked' } })).toBe(true);
  });
  it('ct status dnat (flag test) and ct direction', () => {
    expect(matches(m(ct('status'), v('dnat')), { ct: { status: ['confirmed', 'dnat'] } })).toBe(
      true,
    );
    expect(matches(m(ct('status'), v('dnat')), est)).toBe(false);
    expect(matches(m(ct('direction'), v('reply')), { ct: { direction: 'reply' } })).toBe(true);
    expect(matches(m(ct('direction'), v('reply')))).toBe(false);
  });
  it('ct status reads every kernel status bit the scenario lists (dnat-done is not dnat)', () => {
    const o: EnvOptions = { ct: { state: 'new', status: ['confirmed', 'dnat-done'] } };
    expect(matches(m(ct('status'), v('dnat')), o)).toBe(false);
    expect(matches(m(ct('status'), v('0x108'), '=='), o)).toBe(true);
  });
  it('ct mark and ct original saddr', () => {
    expect(matches(m(ct('mark'), v('0x10')), { ct: { mark: 16 } })).toBe(true);
    expect(matches(m(ct('saddr', 'original'), v('10.0.0.1')))).toBe(true);
    expect(matches(m(ct('saddr', 'reply'), v('10.0.0.1')))).toBe(false);
  });
});

describe('fib', () => {
  it('fib daddr type local', () => {
    const f: Expr = { kind: 'fib', flags: ['daddr'], result: 'type' };
    expect(matches(m(f, v('local')))).toBe(true);
    expect(matches(m(f, set('broadcast', 'multicast')))).toBe(false);
    expect(matches(m(f, v('local'), '!='), { fib: { type: 'unicast' } })).toBe(true);
  });
  it('fib saddr . iif oif missing matches when there is no reverse route', () => {
    const f: Expr = { kind: 'fib', flags: ['saddr', 'iif'], result: 'oif' };
    // nft writes `missing` on the boolean form; with oif the kernel compares the index with 0.
    const check: Expr = { kind: 'fib', flags: ['saddr', 'iif'], result: 'check' };
    expect(matches(m(check, { kind: 'symbol', name: 'missing' }), { fib: { oif: null } })).toBe(
      true,
    );
    expect(matches(m(check, { kind: 'symbol', name: 'missing' }))).toBe(false);
    expect(matches(m(f, v('eth0')))).toBe(true);
  });
});

describe('concatenations', () => {
  it('ip saddr . tcp dport in an anonymous set', () => {
    const key = concat(pl('ip', 'saddr'), pl('tcp', 'dport'));
    expect(
      matches(m(key, set(concat(v('10.0.0.1'), v('22')), concat(v('10.0.0.9'), v('80'))))),
    ).toBe(true);
    expect(matches(m(key, set(concat(v('10.0.0.1'), v('80')))))).toBe(false);
  });
  it('a concatenated interval set: prefix . port range', () => {
    const key = concat(pl('ip', 'saddr'), pl('tcp', 'dport'));
    const el = concat(prefix('10.0.0.0', 24), range('20', '30'));
    expect(matches(m(key, set(el)))).toBe(true);
    expect(matches(m(key, set(el)), { packet: { dport: 31 } })).toBe(false);
  });
  it('iifname . ip saddr concatenation with a wildcard part', () => {
    const key = concat(meta('iifname'), pl('ip', 'saddr'));
    const st = m(key, set(concat(v('eth*', true), v('10.0.0.1'))));
    expect(matches(st)).toBe(true);
    expect(matches(st, { meta: { iif: 'wlan0' } })).toBe(false);
  });
});

describe('ip frag-off of a packet that is not a fragment', () => {
  const fragOff = (mask: string): Expr => ({
    kind: 'binop',
    op: '&',
    left: pl('ip', 'frag-off'),
    right: v(mask),
  });
  it('offset and MF are known to be clear: ip frag-off & 0x1fff != 0 does not match', () => {
    expect(matches(m(fragOff('0x1fff'), v('0'), '!='))).toBe(false);
    expect(matches(m(fragOff('0x3fff'), v('0'), '=='))).toBe(true);
  });
  it('the DF bit is not given by the scenario: a test that needs it is unsupported', () => {
    const out = evaluateRule(rule(m(fragOff('0x4000'), v('0'), '!='), accept), makeEnv());
    expect(out.kind === 'unsupported' && out.reason).toMatch(/DF bit/);
    const whole = evaluateRule(rule(m(pl('ip', 'frag-off'), v('0')), accept), makeEnv());
    expect(whole.kind).toBe('unsupported');
  });
  it('with raw bytes the whole field is read', () => {
    const bytes = new Uint8Array(60);
    bytes[0] = 0x45;
    bytes[6] = 0x40;
    expect(matches(m(pl('ip', 'frag-off'), v('0x4000')), { packet: { bytes } })).toBe(true);
  });
});

describe('link layer (bridge and netdev families)', () => {
  const bridged: EnvOptions = {
    family: 'bridge',
    packet: { ether: { saddr: '02:42:ac:11:00:02', daddr: '02:42:ac:11:00:01', type: 0x0800 } },
    meta: { iif: 'veth1', ibrname: 'docker0' },
  };
  const tagged: EnvOptions = {
    ...bridged,
    packet: {
      ether: {
        saddr: '02:42:ac:11:00:02',
        daddr: '02:42:ac:11:00:01',
        type: 0x0800,
        vlan: { id: 10, pcp: 0, type: 0x0800 },
      },
    },
  };
  it('ether saddr and ether type', () => {
    expect(matches(m(pl('ether', 'saddr'), v('02:42:ac:11:00:02')), bridged)).toBe(true);
    expect(matches(m(pl('ether', 'type'), v('ip')), bridged)).toBe(true);
    expect(matches(m(pl('ether', 'type'), v('ip6')), bridged)).toBe(false);
  });
  it('a tagged frame reads ether type vlan and its vlan id; ip saddr still matches (meta protocol is the inner protocol)', () => {
    expect(matches(m(pl('vlan', 'id'), v('10')), tagged)).toBe(true);
    expect(matches(m(pl('ether', 'type'), v('vlan')), tagged)).toBe(true);
    expect(matches(m(pl('vlan', 'id'), v('10')), bridged)).toBe(false);
    expect(matches(m(pl('ip', 'saddr'), v('10.0.0.1')), tagged)).toBe(true);
  });
  it('meta ibrname names the bridge of the input port', () => {
    expect(matches(m(meta('ibrname'), v('docker0', true)), bridged)).toBe(true);
    expect(matches(m(meta('ibrname'), v('docker0', true)))).toBe(false);
  });
  it('without a link-layer header (locally generated) ether fields do not match', () => {
    expect(matches(m(pl('ether', 'saddr'), v('02:42:ac:11:00:02'), '!='))).toBe(false);
  });
});
