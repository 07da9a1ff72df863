/**
 * Every scenario's outputs through the CLI, as bytes: `trace --json`, and `explain` in md and
 * mdx, en and ja. Run as a script it prints them as JSON (the fresh-process half of the
 * determinism test).
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from '../../src/cli/main.ts';

export const REPO = join(import.meta.dirname, '..', '..');

export function scenarioPaths(): string[] {
  const dir = join(REPO, 'scenarios');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => relative(REPO, join(dir, f)));
}

async function cli(argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await run(argv, {
    out: (s: string) => {
      out += s;
    },
    err: (s: string) => {
      err += s;
    },
  } as never);
  // A scenario that stops at an unsupported rule still prints its trace; any code but a crash.
  return `exit ${code}\n${out}\n--stderr--\n${err}`;
}

/** Outputs of one scenario, keyed by what produced them. */
export async function outputsOf(scenario: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out['trace --json'] = await cli(['trace', '--json', scenario]);
  for (const lang of ['en', 'ja'])
    for (const format of ['md', 'mdx'])
      out[`explain ${lang} ${format}`] = await cli([
        'explain',
        '--lang',
        lang,
        '--format',
        format,
        scenario,
      ]);
  return out;
}

if (import.meta.main) {
  process.chdir(REPO);
  const all: Record<string, Record<string, string>> = {};
  for (const s of scenarioPaths()) all[s] = await outputsOf(s);
  process.stdout.write(JSON.stringify(all));
}
