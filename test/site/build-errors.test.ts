/**
 * A scenario that cannot be loaded stops the site build with the explainer's own
 * `file:line:col: error: …` message — no page is made up for it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnv, REPO } from './support/build.ts';

describe('site build with a broken scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nfw-bad-scenarios-'));
  const out = mkdtempSync(join(tmpdir(), 'nfw-bad-out-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('fails, naming the scenario file, line and column', () => {
    writeFileSync(
      join(dir, 'a.nft'),
      'table inet f {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n}\n',
    );
    writeFileSync(
      join(dir, 'broken.yaml'),
      [
        'title: broken on purpose',
        'ruleset: a.nft',
        'host:',
        '  interfaces:',
        '    - name: eth0',
        '      addresses: [192.0.2.1/24]',
        '  colour: red',
        'hosts: []',
        'packets: []',
        '',
      ].join('\n'),
    );
    let output = '';
    let failed = false;
    try {
      execFileSync(
        process.execPath,
        [join(REPO, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', out],
        {
          cwd: REPO,
          env: { ...buildEnv(), NFWALK_SCENARIOS: dir },
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      failed = true;
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      output = `${e.stdout?.toString() ?? ''}\n${e.stderr?.toString() ?? ''}`;
    }
    expect(failed).toBe(true);
    expect(output).toMatch(/broken\.yaml:7:3: error: .*colour/);
  }, 300_000);
});
