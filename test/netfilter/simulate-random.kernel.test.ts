/**
 * Conversations nobody wrote: for every fixture, four conversations drawn with a fixed seed
 * (any sender, any address of the scenario, udp/tcp/icmp, ports the rulesets care about), run
 * on this kernel and compared with simulate(). Three simulator bugs were found this way (the
 * ICMP type in conntrack tuples, lo's addresses as a source, one echo id per ping). Skipped,
 * with the reason, where the kernel cannot be used.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { familyOf } from '../../src/routing/address.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import type { PacketSpec, Scenario } from '../../src/scenario/model.ts';
import { agreement, kernelSkipReason } from '../kernel/kernel-env.ts';

const dir = new URL('./fixtures/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPackets(sc: Scenario, seed: number): PacketSpec[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const own = sc.host.interfaces
    .flatMap((i) => i.addresses.map((a) => a.address))
    .filter((a) => !a.startsWith('127.') && a !== '::1');
  const targets = [...own, ...sc.hosts.flatMap((m) => m.addresses)];
  const senders = ['host', ...sc.hosts.map((m) => m.name)];
  const out: PacketSpec[] = [];
  for (let i = 0; out.length < 4 && i < 40; i++) {
    const to = pick(targets);
    const from = pick(senders);
    const m = sc.hosts.find((x) => x.name === from);
    if (m && (m.addresses.includes(to) || !m.addresses.some((a) => familyOf(a) === familyOf(to))))
      continue;
    const proto = pick(['udp', 'tcp', 'icmp'] as const);
    if (proto === 'icmp') out.push({ from, to, protocol: familyOf(to) === 4 ? 'icmp' : 'icmpv6' });
    else
      out.push({
        from,
        to,
        protocol: proto,
        sport: 30000 + Math.floor(r() * 30000),
        dport: pick([22, 53, 80, 1000, 2000, 3000, 5000, 6000, 7001, 7100, 8053, 8081, 9999]),
      });
  }
  return out;
}

describe.skipIf(kernelSkipReason !== undefined)(
  `random conversations agree with the kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    files.forEach((f, i) => {
      it(f, { timeout: 60_000 }, async () => {
        const base = loadScenario(join(dir, f));
        const sc = { ...base, packets: randomPackets(base, 1000 + i) };
        const simulated = simulate(sc, readRuleset(sc));
        const kernel = await kernelTrace(sc);
        const d = compareTraces(simulated, kernel).difference;
        expect(agreement(d), `packets ${JSON.stringify(sc.packets)}`).toBe('agrees');
      });
    });
  },
);
