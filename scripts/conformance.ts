/**
 * Conformance of the nft text front end over the shared corpus: how many listings parse and
 * how many print back identical (modulo trailing whitespace), per group; and that every
 * bogus input nft rejects gets a positioned error. Run: node scripts/conformance.ts [corpus]
 */

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusDir, formatReport, runConformance } from '../src/ruleset/nft/conformance.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const dir = args[0] ?? corpusDir(resolve(here, '..'));
const verbose = process.argv.includes('-v');
const report = runConformance(dir);
process.stdout.write(formatReport(report, verbose));
