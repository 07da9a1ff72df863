/**
 * A DNAT back to the sender: the machine gets a packet from its own address and drops it as a
 * martian source. The page says so in words, in both languages, not as the reason code.
 */
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { rulesetFromText, scenarioFromText } from '../../src/pipeline.ts';

const SCENARIO = `title: "DNAT back to the sender"
ruleset: back.nft
host:
  name: router
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: lan0
      addresses: [10.10.0.1/24]
  sysctl:
    net.ipv4.ip_forward: 1
hosts:
  - name: pc
    interface: lan0
    addresses: [10.10.0.11]
    listens: [tcp/22]
packets:
  - from: pc
    to: 10.10.0.1
    protocol: tcp
    sport: 41000
    dport: 2222
`;

const RULESET = `table ip router {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 2222 dnat to 10.10.0.11:22
	}
}
`;

const resolve = (path: string) => ({ resolved: path, read: () => RULESET });
const scenario = scenarioFromText({ file: 'back.yaml', text: SCENARIO }, resolve);
const ruleset = rulesetFromText(scenario, resolve);
const trace = simulate(scenario, ruleset);

describe('martian source', () => {
  it('the trace says which machine dropped which source', () => {
    const drops = trace.conversations.flatMap((c) =>
      c.packets.flatMap((p) => p.events.filter((e) => e.type === 'drop')),
    );
    // The router also sends an ICMP redirect (the packet leaves by the port it came in on),
    // which its nat hook drops: that is the other drop of this trace.
    expect(drops.map((e) => e.detail)).toEqual([
      { reason: 'martian-source', machine: 'pc', saddr: '10.10.0.11' },
      { reason: 'nat-redirect', hook: 'output' },
    ]);
  });

  for (const [lang, words] of [
    [
      'en',
      '`pc` receives a packet from its own address 10.10.0.11 and drops it as a martian source',
    ],
    [
      'ja',
      '`pc` は自分のアドレス 10.10.0.11 から来たパケットを受け取り、ありえない送信元（martian source）として破棄します',
    ],
  ] as const) {
    it(`${lang}: says it in words, not as the reason code`, () => {
      const page = explainToText(scenario, ruleset, trace, { lang, format: 'md' }).markdown;
      expect(page).toContain(words);
      expect(page).not.toContain('`martian-source`');
    });
  }
});
