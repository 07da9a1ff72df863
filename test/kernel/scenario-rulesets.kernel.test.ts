/**
 * Every scenario's ruleset loads into this machine's kernel with its nft (1.0.6 here): checked
 * with `nft -c` (or `iptables-nft-restore --test`) in a fresh network namespace, so a ruleset
 * the simulator reads but the kernel would refuse never reaches the site.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { kernelSkipReason } from './kernel-env.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const ns = `nfwc${randomBytes(3).toString('hex')}`;

describe.skipIf(kernelSkipReason !== undefined)(
  `scenario rulesets load in the kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    beforeAll(() => {
      execFileSync('ip', ['netns', 'add', ns]);
    });
    afterAll(() => {
      execFileSync('ip', ['netns', 'del', ns]);
    });
    for (const f of files) {
      it(f, () => {
        const sc = loadScenario(join(dir, f));
        const { format, resolved } = sc.ruleset;
        // netdev chains name devices: give the namespace the scenario's interfaces.
        for (const [n, i] of sc.host.interfaces.entries()) {
          if (i.name === 'lo') continue;
          const kind = i.kind === 'bridge' ? ['bridge'] : ['veth', 'peer', 'name', `nfwpeer${n}`];
          execFileSync('ip', ['-n', ns, 'link', 'add', i.name, 'type', ...kind]);
        }
        try {
          const argv =
            format === 'iptables-save'
              ? ['iptables-nft-restore', '--test', resolved]
              : [
                  'nft',
                  ...(format === 'nft-json' ? ['-j'] : []),
                  '-I',
                  dirname(resolved),
                  '-c',
                  '-f',
                  resolved,
                ];
          expect(() =>
            execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: 'pipe' }),
          ).not.toThrow();
        } finally {
          for (const i of sc.host.interfaces) {
            if (i.name !== 'lo') execFileSync('ip', ['-n', ns, 'link', 'del', i.name]);
          }
        }
      });
    }
  },
);
