/**
 * The differential fuzzer (src/fuzz, `npm run fuzz:kernel`): its generator is deterministic,
 * everything it generates is a valid scenario and ruleset for the project's own loaders, it
 * covers what it claims to, its shrinker keeps a difference while removing the rest, and —
 * with root and nft — a few fixed seeds, and every seed kept as a regression, agree with the
 * kernel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agreement, differenceKind } from '../../src/fuzz/agreement.ts';
import { type FuzzCase, rulesetText, scenarioText } from '../../src/fuzz/case.ts';
import { generateCase } from '../../src/fuzz/generate.ts';
import { Random } from '../../src/fuzz/random.ts';
import { runCase, simulateFile, writeCase } from '../../src/fuzz/run.ts';
import { reductions, shrink } from '../../src/fuzz/shrink.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { kernelSkipReason } from './kernel-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);
const cases = SEEDS.map((seed) => generateCase(seed));
const allRules = (c: FuzzCase) => c.tables.flatMap((t) => t.chains.flatMap((ch) => ch.rules));

/**
 * Seeds run on the kernel by this test (each 15 to 80 s, by the machine's load), chosen among
 * seeds that agreed in the fuzz runs: a host with nat chains (2), a dual-stack router with ip
 * and inet nat (18), a bridge with a bridge-family table next to inet nat (35).
 */
const KERNEL_SEEDS = [2, 18, 35];

/**
 * Seeds that once differed from the kernel and agree since the simulator was fixed: each a
 * regression test (`npm run fuzz:kernel -- --seeds N` shows the case). Add a seed here when a
 * fix makes it agree.
 */
// 21: a TCP conversation repeated after a RST (the unassured entry is killed, the next SYN is new).
// Issue 17, differing before its fixes (first difference then): 114 an ICMP error rejected in
// output got a second ICMP error (no error about an error); 196 a bridged packet's tcp reset walked through ip
// output (RST straight out of the port); 206 `th dport` on ICMP refused (echo checksum);
// 274 the host's port unreachable related in an output chain before conntrack (nf_reset_ct).
// 357: a SYN with the ports of an earlier conversation whose client got its SYN-ACK and
// aborted (ACK, RST): the kernel's entry is CLOSE and the SYN starts a new one (was established).
// 39: `snat ip6 to` the only NAT of an inet table: IPv4 is not tracked, its nat chain unseen.
// 354: the host's RST rejected in output: its ICMP error to the host over lo, which the
// harness did not pick (request and one answer only).
// Seed 154 is not kept: its conversation 1 ends with an ICMP redirect to a peer that conversation
// 2 sends an ICMP error to; whether that error goes out depends on how long after the redirect
// it comes (the per-peer token refills in about a second, icmp_ratelimit), and the harness's
// spacing of conversations varies (agreed once, differed once on 2026-12-03, same code).
// 316: a SYN redirected to a closed port (the host's RST dropped in output, seen by no chain
// after the NAT) and a UDP server whose reply output drops (the harness's server died).
// 374: a SYN-ACK retransmitted into the next conversation's window (the harness merged it).
const KEPT_SEEDS: number[] = [21, 39, 114, 196, 206, 274, 316, 354, 357, 374];

/**
 * Seeds of the widened generator (TCP segments, policy routing) that once differed and agree
 * since a fix; each fix's minimal case is in widened-fuzz.kernel.test.ts.
 * 9: data 70000 bytes under the window, ignored (established) by tcp_in_window, not invalid.
 * 123: a redirect whose reverse lookup leaves by another uplink (the second lookup through
 * the device). 147: a forwarded packet into a tunnel link with no neighbour (the ICMP host
 * unreachable three seconds later). 219: the same after a listed segment. 233: the same for
 * a server's answer. 247: a redirect about a first packet, dropped by the output nat hook.
 * 319: the host's datagram from an unbound socket, routed by a `not from` rule.
 * 88, 403: segments DNATed to a machine holding no port for them, whose stack answered with
 * a RST that killed the entry (the harness now keeps every machine's stack out of it);
 * 556: the same with the host's stack (a segment redirected to a port nobody holds).
 * 308: a listener's SYN-ACK hairpinned and redirected, its copies too: no host unreachable.
 * 511: a destination null binding that clashes keeps its port (only the source's may move).
 * 583: the host's TCP connect from an unbound socket, routed again with its source.
 * 620: the ICMP error about a reject's RST confirms the rejected SYN's entry.
 * 363, 459: an ICMPv6 error's source from the device the offending packet came in by.
 * 487: three ICMPv6 address unreachable at one neighbour failure, each its own packet.
 */
const WIDENED_KEPT_SEEDS: number[] = [
  9, 88, 123, 147, 219, 233, 247, 308, 319, 363, 403, 459, 487, 511, 556, 583, 620,
];

describe('the seeded generator', () => {
  it('gives the same numbers for the same seed, and other numbers for another', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const xs = Array.from({ length: 20 }, () => a.uint32());
    expect(Array.from({ length: 20 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.uint32())).not.toEqual(xs);
  });

  it('keeps int() within its bounds and reaches both ends', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = r.int(3, 9);
      expect(x).toBeGreaterThanOrEqual(3);
      expect(x).toBeLessThanOrEqual(9);
      seen.add(x);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('writes the same scenario and ruleset text for a seed every time', () => {
    for (const seed of SEEDS) {
      const again = generateCase(seed);
      const first = cases[seed - 1]!;
      expect(scenarioText(again, 'r.nft')).toBe(scenarioText(first, 'r.nft'));
      expect(rulesetText(again)).toBe(rulesetText(first));
    }
  });

  it('gives different seeds different cases', () => {
    expect(new Set(cases.map(rulesetText)).size).toBeGreaterThanOrEqual(cases.length - 1);
  });
});

describe('every generated case of seeds 1..50', () => {
  it('loads with the scenario loader, parses with the nft front end, and has conversations', () => {
    for (const c of cases) {
      const sim = simulateFile(writeCase(c, join(dir, `seed-${c.seed}`)));
      expect(sim.status === 'invalid' ? `seed ${c.seed}: ${sim.message}` : 'valid').toBe('valid');
      expect(c.packets.length, `seed ${c.seed}`).toBeGreaterThan(0);
    }
  });

  it('covers the families, hooks, chain types and statements the fuzzer claims', () => {
    const families = new Set(cases.flatMap((c) => c.tables.map((t) => t.family)));
    expect([...families].sort()).toEqual(expect.arrayContaining(['bridge', 'inet', 'ip', 'ip6']));
    const bases = cases.flatMap((c) =>
      c.tables.flatMap((t) => t.chains.flatMap((ch) => ch.base ?? [])),
    );
    for (const hook of ['prerouting', 'input', 'forward', 'output', 'postrouting'])
      expect(
        bases.some((b) => b.hook === hook),
        hook,
      ).toBe(true);
    expect(bases.some((b) => b.type === 'nat')).toBe(true);
    expect(bases.some((b) => b.policy === 'drop')).toBe(true);
    expect(new Set(bases.map((b) => b.priority)).size).toBeGreaterThan(10);
    const rules = cases.flatMap(allRules);
    for (const needle of [
      /\bjump sub\d/,
      /\bgoto sub\d/,
      /\breturn$/,
      / vmap \{/,
      / @s\d/,
      /meta mark set/,
      /meta mark 0x/,
      /ct state /,
      /\bdnat( ip6?)? to/,
      /\bsnat( ip6?)? to/,
      /\bmasquerade$/,
      /\bredirect to :/,
      /reject with tcp reset/,
      /reject with icmpx? type/,
      /\bcounter\b/,
    ])
      expect(
        rules.some((r) => needle.test(r)),
        String(needle),
      ).toBe(true);
    const shapes = new Set(cases.map((c) => c.shape));
    expect([...shapes].sort()).toEqual(['bridge', 'host', 'router']);
    expect(cases.some((c) => c.packets.some((p) => p.to.includes(':')))).toBe(true);
    const protocols = new Set(cases.flatMap((c) => c.packets.map((p) => p.protocol)));
    expect([...protocols].sort()).toEqual(['icmp', 'icmpv6', 'tcp', 'udp']);
  });

  it('covers the widened model: TCP segments and the rules around TCP states', () => {
    const segs = cases.flatMap((c) => c.packets.flatMap((p) => p.segments ?? []));
    const flags = new Set(segs.map((s) => s.flags.join('|')));
    for (const f of ['syn', 'syn|ack', 'ack', 'psh|ack', 'fin|ack', 'rst', 'rst|ack'])
      expect(flags.has(f), f).toBe(true);
    expect(segs.some((s) => s.dir === 'reply')).toBe(true);
    expect(segs.some((s) => (s.seq ?? 0) >= 64241)).toBe(true);
    expect(segs.some((s) => (s.payload ?? 0) > 0)).toBe(true);
    const rules = cases.flatMap(allRules);
    for (const needle of [
      /^ct state invalid (counter )?drop$/,
      /^ct state established,related accept$/,
      /tcp flags & \(/,
      /ct state new tcp flags & \(syn\|ack\) != syn drop/,
    ])
      expect(
        rules.some((r) => needle.test(r)),
        String(needle),
      ).toBe(true);
    // Every segments conversation from the host names its source address.
    for (const c of cases)
      for (const p of c.packets)
        if (p.segments && p.from === 'host') expect(p.saddr, `seed ${c.seed}`).toBeDefined();
  });

  it('covers the widened model: policy routing, marks, route chains and fib', () => {
    const rules = cases.flatMap((c) => c.host.rules ?? []);
    expect(rules.some((r) => r.fwmark)).toBe(true);
    expect(rules.some((r) => r.fwmark?.includes('/'))).toBe(true);
    expect(rules.some((r) => r.not)).toBe(true);
    expect(rules.some((r) => r.suppress_prefixlength !== undefined)).toBe(true);
    expect(rules.some((r) => r.from)).toBe(true);
    expect(rules.some((r) => r.iif)).toBe(true);
    expect(cases.some((c) => (c.host.tables ?? []).length > 0)).toBe(true);
    const bases = cases.flatMap((c) =>
      c.tables.flatMap((t) => t.chains.flatMap((ch) => ch.base ?? [])),
    );
    expect(bases.some((b) => b.type === 'route' && b.hook === 'output')).toBe(true);
    const nft = cases.flatMap(allRules);
    for (const needle of [
      /meta mark set ct mark/,
      /ct mark set meta mark/,
      /^fib saddr \. iif oif missing drop$/,
      /fib daddr type/,
    ])
      expect(
        nft.some((r) => needle.test(r)),
        String(needle),
      ).toBe(true);
  });

  it('covers the widened model in IPv6: rules of the family, a route table, marks, packets', () => {
    const six = cases.filter((c) => (c.host.rules ?? []).some((r) => r.family === 'ipv6'));
    expect(six.length).toBeGreaterThanOrEqual(5);
    const rules = six.flatMap((c) => (c.host.rules ?? []).filter((r) => r.family === 'ipv6'));
    for (const key of ['fwmark', 'not', 'suppress_prefixlength', 'from', 'oif'] as const)
      expect(
        rules.some((r) => r[key] !== undefined),
        key,
      ).toBe(true);
    // wg-quick's pair, as it installs it with `ip -6`.
    expect(rules).toContainEqual({
      priority: 32765,
      family: 'ipv6',
      not: true,
      fwmark: '0x0000ca6c',
      table: 51820,
    });
    for (const c of six) {
      const routes = (c.host.tables ?? []).flatMap((t) => t.routes);
      expect(
        routes.some((r) => (r.via ?? r.to).includes(':')),
        `seed ${c.seed}`,
      ).toBe(true);
      expect(
        c.packets.some((p) => p.to.includes(':')),
        `seed ${c.seed}`,
      ).toBe(true);
      // Every address a rule names is of its family.
      for (const r of rules) for (const a of [r.from, r.to]) if (a) expect(a).toContain(':');
    }
    const marks = six.flatMap((c) => c.tables.filter((t) => t.name === 'pbr6'));
    expect(marks.some((t) => t.family === 'ip6')).toBe(true);
    expect(marks.flatMap((t) => t.chains.flatMap((ch) => ch.rules)).join('\n')).toMatch(
      /ip6 [sd]addr /,
    );
  });

  it('draws the IPv6 half of policy routing last: without it, the case is as before', () => {
    for (const seed of SEEDS) {
      const without = generateCase(seed, { noIpv6Policy: true });
      const wide = cases[seed - 1]!;
      const v4Rules = (wide.host.rules ?? []).filter((r) => r.family !== 'ipv6');
      expect(v4Rules).toEqual(without.host.rules ?? []);
      expect(wide.packets.slice(0, without.packets.length)).toEqual(without.packets);
      expect(wide.tables.slice(0, without.tables.length)).toEqual(without.tables);
      if (wide.packets.length === without.packets.length)
        expect(scenarioText(wide, 'r.nft')).toBe(scenarioText(without, 'r.nft'));
    }
  });

  it('draws the classic case from the first stream: the widened case only adds to it', () => {
    for (const seed of SEEDS) {
      const classic = generateCase(seed, { classic: true });
      const wide = cases[seed - 1]!;
      expect(wide.packets.slice(0, classic.packets.length)).toEqual(classic.packets);
      expect(wide.shape).toBe(classic.shape);
      expect(wide.machines.slice(0, classic.machines.length)).toEqual(classic.machines);
    }
  });
});

describe('the shrinker', () => {
  const withMasquerade = cases.find((c) => allRules(c).some((r) => r.endsWith('masquerade')))!;

  it('offers every case one part smaller', () => {
    const c = withMasquerade;
    const parts =
      (c.packets.length > 1 ? c.packets.length : 0) +
      c.tables.length +
      c.tables.reduce((s, t) => s + t.chains.length + t.sets.length, 0) +
      allRules(c).length +
      (c.host.rules ?? []).length +
      c.packets.reduce((s, p) => s + ((p.segments?.length ?? 0) > 1 ? p.segments!.length : 0), 0);
    const smaller = reductions(c);
    expect(smaller).toHaveLength(parts);
    const size = (x: FuzzCase) =>
      x.packets.length +
      x.tables.length +
      x.tables.reduce((s, t) => s + t.chains.length + t.sets.length, 0) +
      allRules(x).length +
      (x.host.rules ?? []).length +
      x.packets.reduce((s, p) => s + (p.segments?.length ?? 0), 0);
    for (const x of smaller) expect(size(x)).toBeLessThan(size(c));
  });

  it('removes everything the difference does not need', async () => {
    // A stand-in for the kernel: the "difference" is there while a masquerade rule is.
    const has = (x: FuzzCase) => allRules(x).some((r) => r.endsWith('masquerade'));
    const shrunk = await shrink(withMasquerade, 'masq', {
      budget: 10_000,
      valid: (x) => simulateFile(writeCase(x, join(dir, 'shrink'))).status !== 'invalid',
      signature: async (x) => (has(x) ? 'masq' : undefined),
    });
    expect(shrunk.exhausted).toBe(false);
    expect(allRules(shrunk.case)).toHaveLength(1);
    expect(allRules(shrunk.case)[0]).toMatch(/masquerade$/);
    expect(shrunk.case.tables).toHaveLength(1);
    expect(shrunk.case.tables[0]!.chains).toHaveLength(1);
    expect(shrunk.case.packets).toHaveLength(1);
  });

  it('stops at its budget of runs', async () => {
    const shrunk = await shrink(withMasquerade, 'x', {
      budget: 3,
      valid: () => true,
      signature: async () => undefined,
    });
    expect(shrunk).toMatchObject({ runs: 3, exhausted: true, case: withMasquerade });
  });
});

describe('packet agreement', () => {
  const trace = (verdicts: string[][]): Trace => ({
    version: 1,
    scenario: 'x',
    conversations: verdicts.map((packets, index) => ({
      index,
      packets: packets.map((verdict) => ({
        role: 'request' as const,
        events: [
          {
            type: 'policy' as const,
            family: 'ip' as const,
            table: 't',
            chain: 'c',
            verdict: verdict as 'accept',
          },
        ],
      })),
    })),
  });

  it('counts the packets that agree and names the first difference', () => {
    const a = agreement(
      trace([['accept'], ['accept', 'drop']]),
      trace([['accept'], ['accept', 'accept']]),
    );
    expect(a).toMatchObject({ packets: 3, agreeing: 2 });
    expect(differenceKind(a.comparison.difference!)).toBe('request: policy≠policy');
    const b = agreement(trace([['accept', 'drop']]), trace([['accept']]));
    expect(b).toMatchObject({ packets: 2, agreeing: 1 });
    expect(differenceKind(b.comparison.difference!)).toBe('extra request in the simulator');
  });
});

describe.skipIf(kernelSkipReason !== undefined)(
  `fuzz seeds on the kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    const runs = [
      ...[...KERNEL_SEEDS, ...KEPT_SEEDS].map((seed) => ({ seed, classic: true })),
      ...WIDENED_KEPT_SEEDS.map((seed) => ({ seed, classic: false })),
    ];
    for (const { seed, classic } of runs) {
      it(`seed ${seed}${classic ? ' (classic)' : ''} agrees with the kernel`, {
        timeout: 180_000,
      }, async () => {
        // Seeds found before the widened features run as they were then (the first stream).
        const c = generateCase(seed, { classic });
        const r = await runCase(c, join(dir, `kernel-${seed}`), 150_000);
        const d = 'difference' in r ? r.difference : undefined;
        expect(
          r.status === 'agree'
            ? 'agree'
            : d
              ? `${r.status}: conversation ${d.conversation}, ${d.message}`
              : `${r.status}: ${'message' in r ? r.message : ''}`,
        ).toBe('agree');
      });
    }
  },
);
