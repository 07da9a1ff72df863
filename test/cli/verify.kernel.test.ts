import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { kernelSkipReason } from '../kernel/kernel-env.ts';
import { capture } from '../support/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nfwalk verify', () => {
  it('refuses a broken scenario with positioned errors and exit 1, before touching the kernel', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'title: x\nruleset: none.nft\nhots: []\n');
    const io = capture();
    expect(await run(['verify', join(dir, 'bad.yaml')], io)).toBe(1);
    expect(io.stderr).toContain(
      `${join(dir, 'bad.yaml')}:3:1: error: unknown key "hots" in the top level (did you mean "hosts"?)`,
    );
    expect(io.stderr).toContain(
      `${join(dir, 'bad.yaml')}:2:10: error: the ruleset file "none.nft" does not exist`,
    );
  });

  it('refuses a ruleset with errors, quoting the line, with exit 1', async () => {
    writeFileSync(join(dir, 'r.nft'), 'table ip t {\n\tchain c {\n\t\tbogus stuff\n\t}\n}\n');
    writeFileSync(
      join(dir, 'r.yaml'),
      'title: t\nruleset: r.nft\nhost:\n  interfaces:\n    - name: eth0\n      addresses: [10.0.0.1/24]\nhosts: []\npackets:\n  - from: host\n    to: 10.0.0.2\n    protocol: icmp\n',
    );
    const io = capture();
    expect(await run(['verify', join(dir, 'r.yaml')], io)).toBe(1);
    expect(io.stderr).toContain(
      "r.nft:3:3: error: syntax error, unexpected 'bogus'\n\t\tbogus stuff\n\t\t^^^^^",
    );
  });

  it('needs a scenario argument (usage error, exit 2)', async () => {
    const io = capture();
    expect(await run(['verify'], io)).toBe(2);
    expect(io.stderr).toMatch(/missing required argument/);
  });

  it.skipIf(kernelSkipReason !== undefined)(
    `agrees with the kernel on the seed scenario${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
    async () => {
      const io = capture();
      const seed = new URL('../../scenarios/seed-docker-firewalld-radius.yaml', import.meta.url)
        .pathname;
      const code = await run(['verify', seed], io);
      expect(io.stderr).toBe('');
      expect(io.stdout).toMatch(
        /the kernel agrees with the simulation: 2 conversation\(s\), \d+ compared events/,
      );
      expect(code).toBe(0);
    },
  );
});
