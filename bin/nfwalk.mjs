#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size=2 (MB): `nfwalk check` on a big listing builds a model that lives until
// it ends, so most young objects survive and a large young generation only adds pages to fault
// in; 2 MB cut `nfwalk check` on 50,000 services by ~8% of its CPU (bench/whole-process.ts).
// The line is read when the command runs as installed (`npx nfwalk`, `./bin/nfwalk.mjs`).
// The `nfwalk` command (package.json `bin`). Plain JavaScript, so that an older Node.js reads it
// and says which version it needs instead of failing on the TypeScript entry it then loads.
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { requireNode } from '../scripts/require-node.mjs';
import { buildBundle, bundledEntry } from './cli-bundle.mjs';

requireNode({ typescript: true });
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered here, before any TypeScript is loaded: the version is package.json's, as
  // src/cli/version.ts reads it for `nfwalk --help`, and `nfwalk --version` then costs no more
  // than starting Node (test/cli/startup.test.ts compares the two answers).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // Node's compile cache keeps the compiled code between runs. The command runs from its bundle
  // (bin/cli-bundle.mjs), made now when the sources changed since the last one; without one
  // (NFWALK_NO_BUNDLE=1, or esbuild cannot make it) from the sources, their types stripped once
  // and kept (bin/strip-cache.mjs).
  module.enableCompileCache?.();
  const entry = process.env.NFWALK_NO_BUNDLE
    ? undefined
    : (bundledEntry() ?? (await buildBundle()));
  if (entry) await import(entry);
  else {
    // Imported only here: it loads node:crypto, three dozen of Node's own modules.
    (await import('./strip-cache.mjs')).installStripCache();
    await import('./nfwalk.ts');
  }
}
