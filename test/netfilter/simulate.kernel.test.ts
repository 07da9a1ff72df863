/**
 * The simulator's semantics pinned against this kernel: each fixture in fixtures/ (a router
 * with reject and the host's own sockets; a bridge with br_netfilter; nat chain order, redirect,
 * output DNAT and notrack) runs in network namespaces and is compared event by event with
 * simulate(). Skipped, with the reason, where the kernel cannot be used (not root, no nft).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { agreement, kernelSkipReason } from '../kernel/kernel-env.ts';

const dir = new URL('./fixtures/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe.skipIf(kernelSkipReason !== undefined)(
  `simulator fixtures agree with the kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    for (const f of files) {
      it(f, { timeout: 60_000 }, async () => {
        const sc = loadScenario(join(dir, f));
        const simulated = simulate(sc, readRuleset(sc));
        const kernel = await kernelTrace(sc);
        const cmp = compareTraces(simulated, kernel);
        const d = cmp.difference;
        expect(agreement(d)).toBe('agrees');
        expect(cmp.events.kernel).toBeGreaterThan(5);
      });
    }
  },
);
