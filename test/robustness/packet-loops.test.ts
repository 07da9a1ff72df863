/**
 * Packets the host would send round in circles end with a clear event, through simulate():
 * a route back out of the interface the packet came in by (to the sender as gateway, or to the
 * host's own address as gateway), and a DNAT that sends the packet back to its sender.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import { loadRuleset } from '../../src/ruleset/load.ts';
import { loadScenario } from '../../src/scenario/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-loops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FORWARD = `table ip f {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state new counter
	}
}
`;
const HAIRPIN = `table ip n {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		udp dport 53 dnat to 192.0.2.50
	}
}
`;

function scenario(name: string, ruleset: string, via: string, to: string): string {
  writeFileSync(join(dir, `${name}.nft`), ruleset);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `title: ${name}
ruleset: ${name}.nft
host:
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: eth0
      addresses: [192.0.2.1/24]
  routes:
    - to: 10.9.0.0/16
      via: ${via}
  sysctl:
    net.ipv4.ip_forward: 1
hosts:
  - name: c
    interface: eth0
    addresses: [192.0.2.50]
packets:
  - from: c
    to: ${to}
    protocol: udp
    sport: 4000
    dport: 53
`,
  );
  return file;
}

function walk(file: string) {
  const s = loadScenario(file);
  const start = performance.now();
  const trace = simulate(s, loadRuleset(s.ruleset));
  const ms = performance.now() - start;
  const packets = trace.conversations.flatMap((c) => c.packets);
  // How the request ends (an ICMP redirect the host sends about it is a packet of its own).
  const request = packets.find((p) => p.role !== 'redirect');
  return { ms, packets, last: request?.events.at(-1) };
}

describe('looping packets end with a clear event', () => {
  it('a route back out the same way, the sender as gateway: out to the sender, which does not route', () => {
    const r = walk(scenario('back-to-sender', FORWARD, '192.0.2.50', '10.9.0.5'));
    expect(r.ms).toBeLessThan(5000);
    const events = r.packets.flatMap((p) => p.events);
    expect(events.some((e) => e.type === 'note' && /ICMP redirect/.test(e.message))).toBe(true);
    expect(r.last).toMatchObject({ type: 'note' });
    expect(JSON.stringify(r.last)).toMatch(/does not answer/);
  });

  it("a route whose gateway is the host's own address: dropped, no neighbour", () => {
    const r = walk(scenario('gateway-is-self', FORWARD, '192.0.2.1', '10.9.0.5'));
    expect(r.ms).toBeLessThan(5000);
    expect(r.last).toMatchObject({ type: 'drop' });
    expect(JSON.stringify(r.last)).toMatch(/no neighbour/);
  });

  it('a DNAT back to the sender: the walk ends, each packet a bounded number of events', () => {
    const r = walk(scenario('hairpin', HAIRPIN, '192.0.2.50', '192.0.2.1'));
    expect(r.ms).toBeLessThan(5000);
    expect(r.packets.length).toBeLessThan(10);
    for (const p of r.packets) expect(p.events.length).toBeLessThan(100);
    expect(r.last).toBeDefined();
  });
});
