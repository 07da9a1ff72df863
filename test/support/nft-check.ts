/**
 * `nft -c -f` on a text, for tests that hold nfwalk's `check` to what nft itself accepts and
 * refuses (they skip without root or nft): its exit status and where its first error is.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the text as `dir/nft-<name>`; `at` is nft's first error as `line:col`. */
export function nftCheck(
  dir: string,
  text: string,
  name: string,
): { status: number | null; at?: string } {
  const file = join(dir, `nft-${name}`);
  writeFileSync(file, text);
  const r = spawnSync('nft', ['-c', '-f', file], { encoding: 'utf8' });
  const at = new RegExp(`^${file}:(\\d+):(\\d+)-`, 'm').exec(r.stderr);
  return { status: r.status, ...(at ? { at: `${at[1]}:${at[2]}` } : {}) };
}
