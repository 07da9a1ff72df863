/**
 * The simulator's structured detail fields decide what the page says: a reverse translation
 * names the statement the simulator says it undoes, netdev hooks without chains are left
 * unsaid while an ip hook without chains gets a sentence, and the mark a chain saw decides
 * `meta mark` matches.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { explainToText } from '../../src/explain/index.ts';
import { matchReasons, whyNot } from '../../src/explain/matches.ts';
import { plain } from '../../src/explain/phrase.ts';
import type { NatEvent, TraceEvent, WirePacket } from '../../src/netfilter/trace.ts';
import { parseRuleset } from '../../src/ruleset/load.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

const scenario = fixtureScenario();
const ruleset = fixtureRuleset();
const page = (events: (e: TraceEvent[]) => void, lang: 'en' | 'ja' = 'en') => {
  const t = structuredClone(seedTrace);
  events(t.conversations[0]!.packets[1]!.events);
  return explainToText(scenario, ruleset, t, { lang, format: 'md' }).markdown;
};
const reverseNats = (events: TraceEvent[]) =>
  events.filter(
    (e): e is NatEvent & { detail: { step: 'rewrite' } } =>
      e.type === 'nat' && e.detail.step === 'rewrite' && e.detail.reverse,
  );

describe('detail fields of the simulator', () => {
  it('a reverse translation names the statement the simulator says it undoes', () => {
    // Swap the statements on purpose: the page must follow the trace, not its own guess.
    const md = page((events) => {
      const [first, second] = reverseNats(events);
      expect(first && second).toBeTruthy();
      first!.detail.statement = 'snat';
      second!.detail.statement = 'redirect';
    });
    expect(md).toMatch(/conntrack undoes the request’s snat/);
    expect(md).toMatch(/conntrack undoes the request’s redirect/);
  });

  it('netdev hooks without chains are left unsaid; an ip hook without chains is told, in both languages', () => {
    const packet: WirePacket = {
      family: 'ip',
      iif: 'vethradius',
      oif: null,
      saddr: '172.20.0.4',
      daddr: '172.20.0.1',
      protocol: 'udp',
      sport: 1812,
      dport: 40000,
    };
    const add = (events: TraceEvent[]) => {
      events.unshift(
        {
          type: 'hook',
          message: 'no netdev ingress chain on vethradius',
          detail: {
            family: 'netdev',
            hook: 'ingress',
            device: 'vethradius',
            chains: 0,
            packet,
            verdict: 'accept',
            after: packet,
          },
        },
        {
          type: 'hook',
          message: 'no ip input chain',
          detail: {
            family: 'ip',
            hook: 'input',
            chains: 0,
            packet,
            verdict: 'accept',
            after: packet,
          },
        },
      );
    };
    const enPage = page(add);
    expect(enPage).not.toContain('vethradius`: the packet crosses');
    expect(enPage).not.toContain('no netdev ingress chain');
    expect(enPage).toContain(
      'crosses the input hook of the ip family, where the ruleset has no chain',
    );
    const jaPage = page(add, 'ja');
    expect(jaPage).toContain('ip ファミリの input のhookを通りますが');
    expect(jaPage).not.toContain('no ip input chain');
  });

  it('the mark a chain saw decides meta mark matches, masked or not', () => {
    const rs = parseRuleset(
      `table ip t {
  chain c {
    meta mark & 0x00004000 == 0x00000000 return
    meta mark 0x00000035 accept
  }
}
`,
      'nft',
      'inline.nft',
    );
    const [masked, exact] = rs.tables[0]!.chains[0]!.rules;
    const packet = {
      iif: 'eth0',
      oif: null,
      saddr: '10.0.0.1',
      daddr: '10.0.0.2',
      protocol: 'udp',
      sport: 1,
      dport: 2,
    };
    const seen = (mark: number) => ({ scenario, packet, ct: { status: [] }, mark });
    expect(plain(matchReasons(masked!, seen(0x35), en)[0]!)).toBe(
      "the packet's mark is 0x00000035",
    );
    expect(plain(whyNot(masked!, seen(0x4035), en)!.fact)).toBe("the packet's mark is 0x00004035");
    expect(whyNot(exact!, seen(0x35), en)).toBeUndefined();
    expect(plain(whyNot(exact!, seen(0), en)!.fact)).toBe("the packet's mark is 0x00000000");
    // Without the mark, nothing is claimed.
    expect(whyNot(exact!, { scenario, packet, ct: { status: [] } }, en)).toBeUndefined();
  });
});
