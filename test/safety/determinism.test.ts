/**
 * The same inputs give the same bytes: every scenario's `trace --json` and `explain` (md and
 * mdx, en and ja) twice in this process and once in a fresh one, compared byte for byte.
 * (The whole site: scripts/determinism.ts builds it twice and compares the folders.)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputsOf, REPO, scenarioPaths } from './outputs.ts';

describe('determinism', () => {
  it('every scenario: trace JSON and explainer pages are byte-identical across runs and processes', async () => {
    const cwd = process.cwd();
    process.chdir(REPO);
    const first: Record<string, Record<string, string>> = {};
    try {
      for (const s of scenarioPaths()) {
        first[s] = await outputsOf(s);
        expect(await outputsOf(s), s).toEqual(first[s]);
        // Not vacuous: the trace is there.
        expect(first[s]?.['trace --json'], s).toContain('"conversations"');
      }
    } finally {
      process.chdir(cwd);
    }
    const fresh = JSON.parse(
      execFileSync(process.execPath, [join(REPO, 'test/safety/outputs.ts')], {
        cwd: REPO,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      }),
    ) as Record<string, Record<string, string>>;
    expect(Object.keys(fresh)).toEqual(Object.keys(first));
    for (const s of Object.keys(first)) expect(fresh[s], s).toEqual(first[s]);
  }, 600_000);
});
