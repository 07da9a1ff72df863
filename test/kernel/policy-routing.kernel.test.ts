/**
 * Policy routing (issue 17) on small cases (test/kernel/fixtures/policy-routing/): each checked
 * twice, against the route the kernel source says it takes (without root: the simulator's route
 * events) and on this kernel event by event (root). The cases: a mark set in an output chain
 * of type filter does not re-route, one of type route does (nf_route_table_hook4 →
 * ip_route_me_harder; an ip6 one through ip6_route_me_harder), so does iptables' mangle OUTPUT
 * (ipt_mangle_out); on input, a mark set in prerouting, a from + iif rule and a `not iif`
 * rule (which the host's own packets, iif lo, match) choose the table. The gallery's wg-quick scenario (suppress_prefixlength) runs in the
 * differential suite.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import type { RouteEvent, Trace } from '../../src/netfilter/trace.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { agreement, kernelSkipReason } from './kernel-env.ts';

const root = new URL('./fixtures/policy-routing/', import.meta.url).pathname;
const simulate = (name: string) =>
  walk(readSources(scenarioFileSources(join(root, `${name}.yaml`))));

/** Each conversation's request: its routing events as `step dev rule`. */
function routes(t: Trace): string[][] {
  return t.conversations.map((c) =>
    (c.packets[0]?.events ?? [])
      .filter((e): e is RouteEvent & { message: string } => e.type === 'route')
      .map(
        (e) => `${e.detail.step ?? e.detail.decision} ${e.detail.dev} ${e.detail.rule?.priority}`,
      ),
  );
}

const expected: Record<string, string[][]> = {
  // The filter chain's mark comes after the route and nothing looks at it again.
  'filter-output-mark': [['output wan1 32766']],
  'route-output-mark': [['output wan1 32766', 'reroute wan2 32765']],
  'mangle-output-mark': [['output wan1 32766', 'reroute wan2 32765']],
  // IPv6 alike (nf_route_table_hook6 → ip6_route_me_harder; fib6 rules).
  'ip6-route-output-mark': [['output wan1 32766', 'reroute wan2 1000']],
  'prerouting-iif-from': [['forward wan2 100'], ['forward wan2 200'], ['output wan2 300']],
};

describe('policy routing: the routes the rules choose', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(name, () => {
      const { trace } = simulate(name);
      expect(routes(trace)).toEqual(want);
    });
  }
});

describe.skipIf(kernelSkipReason !== undefined)(
  `policy routing on this kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    for (const name of Object.keys(expected)) {
      it(name, { timeout: 60_000 }, async () => {
        const { scenario, trace } = simulate(name);
        const kernel = await kernelTrace(scenario);
        const d = compareTraces(trace, kernel).difference;
        expect(agreement(d)).toBe('agrees');
      });
    }
  },
);
