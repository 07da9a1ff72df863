/**
 * The measurement of issue 4: every scenario in scenarios/ run on this kernel and compared,
 * event by event, with the simulator. Runs serially (each scenario owns a set of network
 * namespaces and a trace monitor); skipped with the reason when the kernel cannot be used.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { FEATURE_REFUSALS, featuresOf, probeFeature } from '../../src/kernel/features.ts';
import { KernelFeatureMissing, kernelTrace } from '../../src/kernel/harness.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { agreement, kernelSkipReason } from './kernel-env.ts';

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
      it(f, { timeout: 60_000 }, async (ctx) => {
        const {
          scenario: sc,
          ruleset,
          trace: simulated,
        } = walk(readSources(scenarioFileSources(join(dir, f))));
        const kernel = await kernelTrace(sc).catch(async (e: unknown) => {
          // A kernel built without a feature the ruleset needs refuses it: only that refusal is
          // checked here (the one nfwalk's page cites), then the comparison is skipped.
          if (!(e instanceof KernelFeatureMissing)) throw e;
          expect(e.features).toEqual(featuresOf(ruleset));
          for (const feature of e.features)
            expect(await probeFeature(feature)).toContain(FEATURE_REFUSALS[feature]);
          ctx.skip(`this kernel lacks ${e.features.join(', ')}`);
          throw e;
        });
        // Every conversation must show the kernel at work (a request traced), or the comparison is empty.
        for (const c of kernel.conversations)
          expect(c.packets.length, `conversation ${c.index} traced`).toBeGreaterThan(0);
        const cmp = compareTraces(simulated, kernel);
        const d = cmp.difference;
        expect(agreement(d)).toBe('agrees');
      });
    }
  },
);
