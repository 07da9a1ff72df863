/**
 * Kernel features a kernel can be built without (src/kernel/features.ts): which rulesets need
 * them, and, on this kernel (root), whether it has them; where it does not, it must refuse
 * them with the error nfwalk's pages cite ("Could not process rule: Protocol error" for `ct`
 * in a bridge table without nf_conntrack_bridge), since the gallery scenarios that need them
 * can then only be checked for that refusal (test/kernel/differential.kernel.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import {
  FEATURE_REFUSALS,
  featuresOf,
  type KernelFeature,
  probeFeature,
} from '../../src/kernel/features.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { kernelSkipReason } from './kernel-env.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const load = (f: string) => {
  const sc = loadScenario(join(dir, f));
  return { sc, rs: readRuleset(sc) };
};

describe('kernel features a ruleset needs', () => {
  it('names flowtables and bridge conntrack where the gallery uses them, nothing elsewhere', () => {
    expect(featuresOf(load('gallery-flowtable-router.yaml').rs)).toEqual(['flowtable']);
    expect(featuresOf(load('gallery-bridge-conntrack.yaml').rs)).toEqual(['bridge-conntrack']);
    expect(featuresOf(load('router-forward.yaml').rs)).toEqual([]);
    // A bridge table without ct, and ct outside a bridge table, need no bridge conntrack.
    expect(featuresOf(load('seed-docker-firewalld-radius.yaml').rs)).toEqual([]);
  });
});

const PAGE_CLAIMS: Record<KernelFeature, string> = {
  flowtable: 'gallery-flowtable-router.yaml',
  'bridge-conntrack': 'gallery-bridge-conntrack.yaml',
};

describe.skipIf(kernelSkipReason !== undefined)(
  `this kernel and the optional features${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    for (const feature of ['flowtable', 'bridge-conntrack'] as const) {
      it(`${feature}: present, or refused with the error the simulator's model expects`, {
        timeout: 30_000,
      }, async () => {
        const refused = await probeFeature(feature);
        if (refused === undefined) {
          console.info(
            `${feature}: this kernel has it; the differential suite compares its scenario`,
          );
          return;
        }
        expect(refused).toContain(`Could not process rule: ${FEATURE_REFUSALS[feature]}`);
        if (feature === 'bridge-conntrack') {
          // The page tells the reader what such a kernel answers: the same words.
          const { sc, rs } = load(PAGE_CLAIMS[feature]);
          for (const lang of ['en', 'ja'] as const) {
            const page = explainToText(sc, rs, simulate(sc, rs), { lang, format: 'md' }).markdown;
            expect(page).toContain(`Could not process rule: ${FEATURE_REFUSALS[feature]}`);
          }
        }
      });
    }
  },
);
