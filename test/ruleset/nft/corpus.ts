/** Where the shared corpus lives (`<repo>/../shared/corpus`), and whether it is there. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { corpusDir } from '../../../src/ruleset/nft/conformance.ts';

export const CORPUS = corpusDir(fileURLToPath(new URL('../../..', import.meta.url)));
export const HAVE_CORPUS = existsSync(CORPUS);
export const NO_CORPUS_REASON = `corpus not found at ${CORPUS} (a clone without ../shared/corpus)`;
