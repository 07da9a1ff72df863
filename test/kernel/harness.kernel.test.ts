import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEvent } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import { comparedEvents } from '../../src/netfilter/trace.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { kernelSkipReason } from './kernel-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-harness-'));
const prefix = `nfwt${randomBytes(3).toString('hex')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A tiny case checked by hand with `nft monitor trace`: a client on ens0 sends udp/7 to the
 * host, an inet input chain counts and accepts it, the host's echo server answers, and the
 * answer leaves through the output chain by its policy. A second conversation to a closed
 * port is rejected by the host's own port-unreachable (no rule: the policy accepts, the
 * kernel answers with ICMP).
 */
writeFileSync(
  join(dir, 'tiny.nft'),
  `table inet t {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 9 drop
		udp dport 7 counter accept
	}
	chain output {
		type filter hook output priority 0; policy accept;
	}
}
`,
);
writeFileSync(
  join(dir, 'tiny.yaml'),
  `title: tiny
ruleset: tiny.nft
host:
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: ens0
      addresses: [10.0.0.1/24]
  listens: [udp/7]
hosts:
  - name: client
    interface: ens0
    addresses: [10.0.0.2]
packets:
  - from: client
    to: 10.0.0.1
    protocol: udp
    sport: 40000
    dport: 7
  - from: client
    to: 10.0.0.1
    protocol: udp
    sport: 40001
    dport: 9
  - from: client
    to: 10.0.0.1
    protocol: udp
    sport: 40002
    dport: 8
`,
);

describe.skipIf(kernelSkipReason !== undefined)(
  `kernelTrace on a hand-checked case${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    it('reports the base chains, rules and policies the kernel ran, and cleans up', async () => {
      const trace = await kernelTrace(loadScenario(join(dir, 'tiny.yaml')), { prefix });
      const lines = trace.conversations.map((c) =>
        c.packets.map((p) => ({
          role: p.role,
          events: comparedEvents(p.events).map((x) => describeEvent(x)),
        })),
      );
      expect(lines[0]).toEqual([
        {
          role: 'request',
          events: [
            'enter inet t input (input 0) iif=ens0 oif=- udp 10.0.0.2:40000 > 10.0.0.1:7',
            'rule inet t input [1] accept',
          ],
        },
        {
          role: 'reply',
          events: [
            'enter inet t output (output 0) iif=- oif=ens0 udp 10.0.0.1:7 > 10.0.0.2:40000',
            'policy inet t output accept',
          ],
        },
      ]);
      // Dropped by the rule: no answer at all.
      expect(lines[1]).toEqual([
        {
          role: 'request',
          events: [
            'enter inet t input (input 0) iif=ens0 oif=- udp 10.0.0.2:40001 > 10.0.0.1:9',
            'rule inet t input [0] drop',
          ],
        },
      ]);
      // Accepted by the policy, no socket: the kernel's port unreachable goes out through output.
      expect(lines[2]).toEqual([
        {
          role: 'request',
          events: [
            'enter inet t input (input 0) iif=ens0 oif=- udp 10.0.0.2:40002 > 10.0.0.1:8',
            'policy inet t input accept',
          ],
        },
        {
          role: 'icmp-error',
          events: [
            'enter inet t output (output 0) iif=- oif=ens0 icmp 10.0.0.1 > 10.0.0.2',
            'policy inet t output accept',
          ],
        },
      ]);
      // Other test files make namespaces of their own meanwhile: look for ours only.
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(prefix);
    });
  },
);
