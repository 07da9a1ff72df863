/**
 * The kernel as ground truth for the nft front end: hand-written `nft -f` scripts are loaded
 * into a fresh network namespace with the real nft, listed back with `nft list ruleset`, and
 * the model nfwalk reads from the script must equal the model it reads from the kernel's
 * listing. Skips when not root or when nft/ip are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../../../src/ruleset/model.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { printRuleset } from '../../../src/ruleset/printer.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/kernel', import.meta.url));

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['nft', 'ip']) {
    if (spawnSync(tool, ['--version']).error) return `${tool} is not installed`;
  }
  return undefined;
}

const why = unavailable();
if (why) console.warn(`skipping nft kernel comparison: ${why}`);

/** The model without positions, texts and what a listing writes differently (priority names). */
function model(rs: Ruleset): unknown {
  return JSON.parse(
    JSON.stringify(rs.tables, (k, v) => {
      if (['span', 'text', 'handle', 'policyWritten', 'index'].includes(k)) return undefined;
      if (k === 'priority' && v && typeof v === 'object' && 'value' in v) return v.value;
      return v;
    }),
  );
}

function kernelListing(file: string, handles = false): string {
  const ns = `nfwparse${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    // nft looks for relative includes in its include path (-I), nfwalk next to the including file.
    execFileSync('ip', ['netns', 'exec', ns, 'nft', '-I', FIXTURES, '-f', file], { cwd: FIXTURES });
    const list = handles ? ['-a', 'list', 'ruleset'] : ['list', 'ruleset'];
    return execFileSync('ip', ['netns', 'exec', ns, 'nft', ...list], { encoding: 'utf8' });
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

describe.skipIf(why !== undefined)('nft -f scripts against the kernel', () => {
  const files = why ? [] : readdirSync(FIXTURES).filter((f) => f.endsWith('.nft'));
  it.each(files)('%s reads as the same model as its kernel listing', (f) => {
    const path = join(FIXTURES, f);
    const listing = kernelListing(path);
    const fromScript = parseNft(readFileSync(path, 'utf8'), path);
    const fromKernel = parseNft(listing, `${f} (nft list ruleset)`);
    expect(model(fromScript)).toEqual(model(fromKernel));
  });

  // nft 1.0.6 lays out multi-element verdict maps on one line, newer nft (and nfwalk) one
  // element per line; these fixtures have none, so the listing must come back byte for byte.
  it.each(['blocks.nft', 'include.nft'])(
    'prints the `nft -a list ruleset` of %s back identical, handles included',
    (f) => {
      const listing = kernelListing(join(FIXTURES, f), true);
      expect(listing).toMatch(/# handle \d+/);
      expect(printRuleset(parseNft(listing, f), { handles: true })).toBe(listing);
    },
  );
});
