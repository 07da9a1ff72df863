/** Why a rule matched, and why the rules before it did not, in words taken from the facts. */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { findChain } from '../../src/explain/listing.ts';
import { matchReasons, whyNot } from '../../src/explain/matches.ts';
import { plain } from '../../src/explain/phrase.ts';
import type { PacketView } from '../../src/netfilter/trace.ts';
import { parseRuleset } from '../../src/ruleset/load.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

const scenario = fixtureScenario();
const ruleset = fixtureRuleset();
const packet: PacketView = {
  iif: 'ens192',
  oif: null,
  saddr: '10.254.10.105',
  daddr: '10.254.10.252',
  protocol: 'udp',
  sport: 40000,
  dport: 1812,
};
const ctx = { scenario, packet, ct: { state: 'new', status: [] } };
const rules = (chain: string, table = 'nat') => findChain(ruleset, 'ip', table, chain)!.chain.rules;

describe('match reasons', () => {
  it('fib daddr type local names every local address of the scenario', () => {
    const [reason] = matchReasons(rules('PREROUTING')[0]!, ctx, en);
    expect(plain(reason!)).toBe(
      "the destination address 10.254.10.252 is local: the host's own addresses are lo 127.0.0.1, ens192 10.254.10.252 and docker1 172.20.0.1",
    );
  });

  it('a passed-over rule fails at its first false statement: the port, then the protocol', () => {
    const docker = rules('DOCKER');
    expect(whyNot(docker[0]!, ctx, en)?.stmt).toBe('udp dport 514');
    expect(plain(whyNot(docker[0]!, ctx, en)!.fact)).toBe('the destination port is 1812');
    expect(whyNot(docker[2]!, ctx, en)?.stmt).toBe('meta l4proto tcp');
    // The matching rule has no failing statement.
    expect(whyNot(docker[3]!, ctx, en)).toBeUndefined();
  });

  it('says nothing when a statement before the failing one cannot be decided', () => {
    const forward = findChain(ruleset, 'inet', 'firewalld', 'filter_FWDI_public')!.chain.rules;
    // `meta l4proto { icmp, ipv6-icmp }` is decidable (udp is not in it)…
    expect(whyNot(forward[0]!, ctx, en)?.stmt).toContain('meta l4proto');
    // …and interface and conntrack facts decide the FORWARD rules of ip filter.
    const fwd = rules('FORWARD', 'filter');
    const seen = { ...ctx, packet: { ...packet, oif: 'docker1' } };
    expect(plain(whyNot(fwd[2]!, seen, en)!.fact)).toContain('conntrack state is new');
  });

  describe('what the trace and the scenario decide beyond addresses and ports', () => {
    const rs = parseRuleset(
      `table inet t {
  set trusted { type ipv4_addr . inet_service; elements = { 10.0.0.9 . 80, 10.0.0.2 . 22 } }
  chain c {
    icmp type { echo-request, echo-reply } accept
    tcp flags syn / fin,syn,rst,ack accept
    ip saddr . tcp dport @trusted accept
  }
}
`,
      'nft',
      'inline.nft',
    );
    const t = rs.tables[0]!;
    const [icmpRule, synRule, setRule] = t.chains[0]!.rules;
    const base = { scenario, ct: { state: 'new', status: [] }, sets: t.sets };
    const tcp: PacketView = { ...packet, protocol: 'tcp', saddr: '10.0.0.2', dport: 22 };

    it('names the ICMP type of a ping, and rules out a set it is not in', () => {
      const ping = { ...base, packet: { ...packet, protocol: 'icmp', sport: null, dport: null } };
      expect(plain(matchReasons(icmpRule!, { ...ping, icmpType: 'echo-request' }, en)[0]!)).toBe(
        'the packet is an ICMP echo-request, one of echo-request, echo-reply',
      );
      const err = { ...ping, icmpType: 'destination-unreachable' };
      expect(plain(whyNot(icmpRule!, err, en)!.fact)).toBe(
        'the packet is an ICMP destination-unreachable',
      );
      // Without the type, nothing is claimed.
      expect(whyNot(icmpRule!, ping, en)).toBeUndefined();
    });

    it('tests TCP flags against their mask: a SYN matches, a SYN-ACK does not', () => {
      const syn = { ...base, packet: tcp, tcpFlags: ['syn'] };
      expect(plain(matchReasons(synRule!, syn, en)[0]!)).toContain('TCP flags are syn');
      expect(whyNot(synRule!, syn, en)).toBeUndefined();
      const synAck = { ...base, packet: tcp, tcpFlags: ['syn', 'ack'] };
      expect(plain(whyNot(synRule!, synAck, en)!.fact)).toBe("the packet's TCP flags are syn, ack");
    });

    it('says which element of a named set the packet matched, or that none did', () => {
      expect(plain(matchReasons(setRule!, { ...base, packet: tcp }, en)[0]!)).toBe(
        '@trusted holds the element 10.0.0.2 . 22, which is this packet',
      );
      const other = { ...base, packet: { ...tcp, dport: 80 } };
      expect(plain(whyNot(setRule!, other, en)!.fact)).toBe(
        'no element of @trusted is this packet',
      );
    });
  });
});
