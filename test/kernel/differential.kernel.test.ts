/**
 * The measurement of issue 4: every scenario in scenarios/ run on this kernel and compared,
 * event by event, with the simulator. Runs serially (each scenario owns a set of network
 * namespaces and a trace monitor); skipped with the reason when the kernel cannot be used.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { kernelSkipReason } from './kernel-env.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe.skipIf(kernelSkipReason !== undefined)(
  `kernel differential: every scenario agrees with the kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    it('has scenarios to measure', () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const f of files) {
      it(f, { timeout: 60_000 }, async () => {
        const { scenario: sc, trace: simulated } = walk(
          readSources(scenarioFileSources(join(dir, f))),
        );
        const kernel = await kernelTrace(sc);
        // Every conversation must show the kernel at work (a request traced), or the comparison is empty.
        for (const c of kernel.conversations)
          expect(c.packets.length, `conversation ${c.index} traced`).toBeGreaterThan(0);
        const cmp = compareTraces(simulated, kernel);
        const d = cmp.difference;
        expect(
          d
            ? `conversation ${d.conversation}, ${d.message}\nsimulator:\n  ${d.context.simulator.join('\n  ')}\nkernel:\n  ${d.context.kernel.join('\n  ')}`
            : 'agrees',
        ).toBe('agrees');
      });
    }
  },
);
