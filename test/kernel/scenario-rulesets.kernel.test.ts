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
import {
  FEATURE_REFUSALS,
  featuresOf,
  type KernelFeature,
  probeFeature,
} from '../../src/kernel/features.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
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
      it(f, async (ctx) => {
        const sc = loadScenario(join(dir, f));
        // A ruleset needing what this kernel is built without (flowtables, nf_conntrack_bridge):
        // every error nft prints must be that feature's refusal, and nothing else.
        const missing: KernelFeature[] = [];
        for (const feature of featuresOf(readRuleset(sc)))
          if ((await probeFeature(feature)) !== undefined) missing.push(feature);
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
          const load = () => execFileSync('ip', ['netns', 'exec', ns, ...argv], { stdio: 'pipe' });
          if (missing.length === 0) {
            expect(load).not.toThrow();
            return;
          }
          let stderr = '';
          try {
            load();
          } catch (e) {
            stderr = String((e as { stderr?: Buffer }).stderr ?? '');
          }
          const errors = [...stderr.matchAll(/Error: (.*)/g)].map((m) => m[1]);
          expect(errors.length).toBeGreaterThan(0);
          const allowed = missing.map((m) => `Could not process rule: ${FEATURE_REFUSALS[m]}`);
          for (const e of errors) expect(allowed).toContain(e);
          ctx.skip(`this kernel lacks ${missing.join(', ')}: only its refusal is checked`);
        } finally {
          for (const i of sc.host.interfaces) {
            if (i.name !== 'lo') execFileSync('ip', ['-n', ns, 'link', 'del', i.name]);
          }
        }
      });
    }
  },
);
