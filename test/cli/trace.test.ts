import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import type { Trace } from '../../src/netfilter/trace.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

const fixture = new URL('../netfilter/fixtures/router.yaml', import.meta.url).pathname;

describe('nfwalk trace', () => {
  it('prints the trace JSON and nothing else with --json', async () => {
    const c = io();
    expect(await run(['trace', fixture, '--json'], c.io)).toBe(0);
    const trace = JSON.parse(c.out.join('')) as Trace;
    expect(trace.version).toBe(1);
    expect(trace.conversations.map((x) => x.packets.map((p) => p.role))).toEqual([
      ['request', 'icmp-error'],
      ['request', 'reset'],
      ['request', 'icmp-error'],
      ['request', 'reply'],
      ['request', 'reset'],
      ['request', 'reply'],
      ['request', 'reply'],
      ['request', 'icmp-error'],
      ['request', 'reply'],
    ]);
    expect(c.err).toEqual([]);
  });

  it('prints one line per event: chains with the packet, rules, NAT and routing', async () => {
    const c = io();
    expect(await run(['trace', fixture], c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toMatch(/^conversation 0\n {2}request\n/);
    expect(text).toContain(
      'enter  inet f fwd1 (hook forward, priority 0)  udp 10.1.0.5:41000 → 10.2.0.5:9999  iif=ens1 oif=ens2',
    );
    expect(text).toContain('rule   inet f fwd1 #0: udp dport 9999 reject  → drop');
    expect(text).toMatch(/route {2}routing decision: forward to 10\.2\.0\.5 via ens2/);
  });

  it('fails with the position of a scenario error', async () => {
    const c = io();
    expect(
      await run(
        ['trace', new URL('../netfilter/fixtures/missing.yaml', import.meta.url).pathname],
        c.io,
      ),
    ).toBe(1);
    expect(c.err.join('')).toMatch(/missing\.yaml:1:1: error: cannot read the scenario/);
  });
});
