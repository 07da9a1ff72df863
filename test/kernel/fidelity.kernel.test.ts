/**
 * The minimal cases of issue 17 (test/kernel/fixtures/fidelity/<case>/: scenario, ruleset and
 * the kernel's trace recorded on Linux 6.18 as expected.json): each a place where the
 * simulator once disagreed with the kernel, or a control where it agreed. Without root the
 * simulator is compared with the recorded trace; with root and a kernel the case also runs
 * on this kernel and is compared event by event, as the differential suite does. Cases
 * without expected.json are checked on the kernel only (th-icmp-echo-checksum: `th dport` on
 * echo requests and replies, IPv4 and IPv6, matching the checksum nfwalk computes;
 * hairpin-redirect-plain: the ICMP redirect of a hairpin without NAT, related to its connection
 * in an output chain at priority raw, through every output and postrouting chain;
 * inet-snat-ip6-conntrack: `snat ip6` in an inet table tracks IPv6 only).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import type { Trace, TraceEvent } from '../../src/netfilter/trace.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { agreement, kernelSkipReason } from './kernel-env.ts';

const root = new URL('./fixtures/fidelity/', import.meta.url).pathname;
const cases = readdirSync(root).sort();
/** Cases with the kernel's trace recorded (the others, our own, are checked on the kernel only). */
const recordedCases = cases.filter((c) => existsSync(join(root, c, 'expected.json')));

interface RecordedEvent {
  type: 'enter' | 'rule' | 'policy';
  family: string;
  table: string;
  chain: string;
  verdict?: string;
  packet?: {
    iif: string | null;
    oif: string | null;
    saddr: string;
    daddr: string;
    protocol: string;
  };
}
interface Recorded {
  conversations: {
    conversation: number;
    packets: { key: (string | number | null)[]; events: RecordedEvent[] }[];
  }[];
}

function line(e: RecordedEvent | TraceEvent): string | undefined {
  if (e.type !== 'enter' && e.type !== 'rule' && e.type !== 'policy') return undefined;
  const at = `${e.type} ${e.family} ${e.table} ${e.chain}`;
  if (e.type !== 'enter') return `${at} ${'verdict' in e ? e.verdict : ''}`;
  const p = (e as RecordedEvent).packet!;
  const proto = p.protocol === 'ipv6-icmp' ? 'icmpv6' : p.protocol;
  return `${at} iif=${p.iif ?? '-'} oif=${p.oif ?? '-'} ${proto} ${p.saddr} > ${p.daddr}`;
}

/** Per conversation, per packet: the compared events, as lines. */
function simulatedLines(t: Trace): string[][][] {
  return t.conversations.map((c) =>
    c.packets.map((p) => p.events.map(line).filter((l): l is string => l !== undefined)),
  );
}
function recordedLines(r: Recorded): string[][][] {
  return r.conversations.map((c) =>
    c.packets.map((p) => p.events.map(line).filter((l): l is string => l !== undefined)),
  );
}

/** The roles the recorded packets' keys name (the kernel's ICMP redirect is its own packet). */
const recordedRedirects = (r: Recorded) =>
  r.conversations.map((c) => c.packets.map((p) => p.key[2] === 'redirect'));
const simulatedRedirects = (t: Trace) =>
  t.conversations.map((c) => c.packets.map((p) => p.role === 'redirect'));

const simulate = (name: string) =>
  walk(readSources(scenarioFileSources(join(root, name, 'scenario.yaml'))));

describe('issue 17 fidelity cases: the simulator against the recorded kernel trace', () => {
  it('has the cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const name of recordedCases) {
    it(name, () => {
      const recorded = JSON.parse(
        readFileSync(join(root, name, 'expected.json'), 'utf8'),
      ) as Recorded;
      const { trace } = simulate(name);
      const unsupported = trace.conversations
        .flatMap((c) => c.packets.flatMap((p) => p.events))
        .filter((e) => e.type === 'unsupported');
      expect(unsupported).toEqual([]);
      expect(simulatedLines(trace)).toEqual(recordedLines(recorded));
      expect(simulatedRedirects(trace)).toEqual(recordedRedirects(recorded));
    });
  }
});

describe.skipIf(kernelSkipReason !== undefined)(
  `issue 17 fidelity cases on this kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    for (const name of cases) {
      it(name, { timeout: 60_000 }, async () => {
        const { scenario, trace } = simulate(name);
        const kernel = await kernelTrace(scenario);
        const d = compareTraces(trace, kernel).difference;
        expect(agreement(d)).toBe('agrees');
      });
    }
  },
);
