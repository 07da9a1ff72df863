#!/usr/bin/env -S node --no-concurrent-recompilation --single-threaded-gc
// The `nfwalk` command (package.json `bin`). Plain JavaScript, so that an older Node.js reads it
// and says which version it needs instead of failing on the TypeScript entry it then loads.
//
// The flags on the first line (read when the command runs as a program: `npx nfwalk`, an
// installed `nfwalk`) keep V8's optimising compiler and garbage collector on the main thread.
// A command runs for a second or two, most of it spent getting the parser's code optimised: on
// two cores, compiling and collecting beside the main thread cost a fifth more CPU in all
// (`nfwalk check` on the 50,000-service bench ruleset: ~1,180 ms → ~940-1,000 ms, medians of 11
// to 15 runs), and no more wall time. `npm run bench` measures the command both ways.
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { requireNode } from '../scripts/require-node.mjs';
import { installStripCache } from './strip-cache.mjs';

requireNode({ typescript: true });
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered here, before any TypeScript is loaded: the version is package.json's, as
  // src/cli/version.ts reads it for `nfwalk --help`, and `nfwalk --version` then costs no more
  // than starting Node (test/cli/startup.test.ts compares the two answers).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Types stripped once and kept (bin/strip-cache.mjs); Node's compile cache keeps the compiled
  // modules between runs. Both live in the OS's temporary folder.
  installStripCache();
  module.enableCompileCache?.();
  await import('./nfwalk.ts');
}
