/**
 * How well the `nft -j` front end reads the corpus: `node scripts/conformance-json.ts [-v]`.
 * Prints how many JSON dumps parse, how many print (shared printer) exactly as their
 * `nft list ruleset` twin, and how many give the same model as the twin read as text.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  corpusDir,
  formatJsonConformance,
  runJsonConformance,
} from '../src/ruleset/json/conformance.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const corpus = corpusDir(repo);
if (!existsSync(corpus)) {
  process.stderr.write(`no corpus at ${corpus}\n`);
  process.exit(2);
}
const verbose = process.argv.includes('-v') || process.argv.includes('--verbose');
process.stdout.write(formatJsonConformance(runJsonConformance(corpus), verbose));
