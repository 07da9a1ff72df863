/**
 * TCP past the handshake on this kernel (issue 17): the gallery scenario that lists its
 * segments runs in network namespaces (raw segments, both ends held so no TCP stack answers)
 * and is compared event by event with the simulation; and what `ct state invalid drop` and
 * `ct state established,related accept` did to each segment is checked on the kernel's own
 * trace, so the conntrack verdicts the page explains are the kernel's.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { kernelSkipReason } from './kernel-env.ts';

const file = join(
  new URL('../../scenarios/', import.meta.url).pathname,
  'gallery-tcp-conntrack-states.yaml',
);

/** Per conversation, the first input rule each client segment met (its text), or `-`. */
function inputVerdicts(t: Trace): string[][] {
  return t.conversations.map((c) =>
    c.packets
      .filter((p) => p.role === 'request')
      .map((p) => {
        const rule = p.events.find((e) => e.type === 'rule' && e.chain === 'input');
        return rule?.type === 'rule' ? `${rule.verdict} ${rule.text.replace(/^.*?: /, '')}` : '-';
      }),
  );
}

describe.skipIf(kernelSkipReason !== undefined)('TCP segments on the kernel', () => {
  it('the gallery scenario agrees with the kernel, segment by segment', {
    timeout: 120_000,
  }, async () => {
    const { scenario, trace } = walk(readSources(scenarioFileSources(file)));
    const kernel = await kernelTrace(scenario, { prefix: 'nfwtcpseg' });
    expect(compareTraces(trace, kernel).difference).toBeUndefined();
    const verdicts = inputVerdicts(kernel).map((c) => c.map((v) => v.split(' ')[0]));
    // The whole connection: the SYN by the open port, the rest as established.
    expect(verdicts[0]).toEqual(['accept', 'accept', 'accept', 'accept', 'accept', 'accept']);
    // Far past the window: invalid, dropped by the first rule; the RST after it established.
    expect(inputVerdicts(kernel)[1]).toEqual([
      expect.stringMatching(/^accept .*tcp dport 22/),
      expect.stringMatching(/^accept .*established/),
      expect.stringMatching(/^drop .*ct state invalid/),
      expect.stringMatching(/^accept .*established/),
    ]);
    // A stray ACK is new (nf_conntrack_tcp_loose): the open port lets it in.
    expect(inputVerdicts(kernel)[2]).toEqual([expect.stringMatching(/^accept .*tcp dport 22/)]);
    // A FIN for no connection is invalid.
    expect(inputVerdicts(kernel)[3]).toEqual([expect.stringMatching(/^drop .*ct state invalid/)]);
  });
});
