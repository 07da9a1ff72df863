/** Where the shared corpus lives (`<repo>/../shared/corpus`), and whether it is there. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusDir } from '../../../src/ruleset/nft/conformance.ts';
import type { ParseNftOptions } from '../../../src/ruleset/nft/index.ts';

export const CORPUS = corpusDir(fileURLToPath(new URL('../../..', import.meta.url)));
export const HAVE_CORPUS = existsSync(CORPUS);
export const NO_CORPUS_REASON = `corpus not found at ${CORPUS} (a clone without ../shared/corpus)`;

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Two ways of reading one input compared: a description of how they differ, or undefined. */
export type Differs = (text: string, file: string, opts: ParseNftOptions) => string | undefined;

/** Where `differs` finds two ways to differ on the files, each read as `encoding`. */
export function differencesOver(
  files: readonly string[],
  differs: Differs,
  opts: (file: string) => ParseNftOptions,
  encoding: BufferEncoding = 'utf8',
): string[] {
  return files
    .map((f) => differs(readFileSync(f, encoding), f, opts(f)))
    .filter((d) => d !== undefined);
}

/** The corpus's inputs nft must reject (read them as latin1: some are not UTF-8). */
export function bogonFiles(): string[] {
  const dir = join(CORPUS, 'nftables-bogons-invalid');
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f));
}

/** Every nft file of the repo: the scenarios' rulesets, the tests' fixtures, the templates. */
export function repoRulesets(): string[] {
  return ['scenarios', 'test', 'templates'].flatMap((d) => filesUnder(join(REPO, d), '.nft'));
}

/** Includes resolve beside the file. */
export function besideFile(file: string): ParseNftOptions {
  return { root: dirname(file) };
}

function filesUnder(dir: string, ends: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith(ends))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}
