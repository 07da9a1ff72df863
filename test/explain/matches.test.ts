/** Why a rule matched, and why the rules before it did not, in words taken from the facts. */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { findChain } from '../../src/explain/listing.ts';
import { matchReasons, whyNot } from '../../src/explain/matches.ts';
import { plain } from '../../src/explain/phrase.ts';
import type { PacketView } from '../../src/netfilter/trace.ts';
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
});
