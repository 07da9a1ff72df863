import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { formatTrace } from '../../src/cli/trace-text.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';

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
    expect(text).toContain('rule   inet f fwd1 #1: udp dport 9999 reject  → drop');
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

describe('nfwalk trace text reads cleanly on every gallery scenario', () => {
  const gallery = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));
  const texts = gallery.map((f) => {
    const { trace } = walk(readSources(scenarioFileSources(join('scenarios', f))));
    return { f, lines: formatTrace(trace).split('\n'), trace };
  });

  it('repeats no word (conntrack conntrack:, bridge bridge) and no verdict (jump X  → jump X)', () => {
    for (const { f, lines } of texts) {
      for (const line of lines) {
        // The label, then a message that does not start by saying it again.
        expect(line, f).not.toMatch(/^ {4}([a-z]+) +\1\b/);
        expect(line, f).not.toMatch(/ ((?:jump|goto) \S+|accept|drop|return) {2}→ \1$/);
      }
    }
  });

  it('shows each rewrite as before ⇒ after, named by the statement it applies or undoes', () => {
    const nat = texts.flatMap(({ lines }) => lines.filter((l) => /^ {4}nat {4}/.test(l)));
    const rewrites = nat.filter((l) => l.includes('⇒'));
    expect(rewrites.length).toBeGreaterThan(20);
    for (const l of rewrites) {
      expect(l).toMatch(
        /^ {4}nat {4}(undoes )?(masquerade|snat|dnat|redirect): (source|destination) \S+ ⇒ \S+ \((to|from) \S+\)$/,
      );
    }
    expect(nat.join('\n')).not.toMatch(/reverse|[SD]NAT: .* → .* → /);
    expect(rewrites.some((l) => l.includes('undoes masquerade: destination'))).toBe(true);
    expect(rewrites.some((l) => l.includes('undoes dnat: source'))).toBe(true);
  });

  it('numbers rules from 1, as the pages do', () => {
    for (const { f, lines, trace } of texts) {
      const first = trace.conversations
        .flatMap((c) => c.packets.flatMap((p) => p.events))
        .find((e) => e.type === 'rule');
      if (first?.type !== 'rule') continue;
      expect(lines.join('\n'), f).toContain(
        `${first.family} ${first.table} ${first.chain} #${first.index + 1}: ${first.text}`,
      );
    }
  });
});
