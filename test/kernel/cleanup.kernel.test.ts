/**
 * `nfwalk verify` removes its namespaces when it is interrupted, not only when it finishes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { kernelSkipReason } from './kernel-env.ts';

const bin = new URL('../../bin/nfwalk.ts', import.meta.url).pathname;
const seed = new URL('../../scenarios/seed-docker-firewalld-radius.yaml', import.meta.url).pathname;
const ours = (prefix: string) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(prefix));

describe.skipIf(kernelSkipReason !== undefined)(
  `interrupting nfwalk verify${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    it('removes every namespace it made on SIGINT and exits 130', async () => {
      const prefix = `nfws${randomBytes(3).toString('hex')}`;
      const child = spawn(process.execPath, [bin, 'verify', seed], {
        env: { ...process.env, NFWALK_NETNS_PREFIX: prefix },
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code)),
      );
      // Wait until the run has built its namespaces, then interrupt it.
      const deadline = Date.now() + 20_000;
      while (ours(prefix).length < 3 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(ours(prefix).length).toBeGreaterThanOrEqual(3);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(ours(prefix)).toEqual([]);
    });
  },
);
