// Node strips the types of nfwalk's TypeScript sources each time it loads them, in a WebAssembly
// module it first has to start: most of the CPU time `nfwalk` spends before a command does
// anything. This keeps each source's stripped JavaScript in the OS's temporary folder, keyed by
// a hash of the source text (and Node's version), so a run after the first loads plain
// JavaScript and never starts the stripper. A changed source has another hash: never stale.
// Plain JavaScript, like bin/nfwalk.mjs, which installs it when Node has module.registerHooks.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url).href;
// Not the shared temporary folder: code loaded from a folder another user can write to would
// run as whoever runs nfwalk (root, for verify and capture). The checkout's own node_modules is
// written only by whoever installed it, like the site's diagram cache beside it.
const DIR =
  process.env.NFWALK_STRIP_CACHE ||
  join(fileURLToPath(ROOT), 'node_modules', '.cache', `nfwalk-strip-${process.versions.node}`);

/** The stripped JavaScript of `source`, from the cache or made (and kept) now. */
function stripped(source) {
  const key = createHash('sha256').update(source).digest('hex');
  const file = join(DIR, `${key}.js`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // Not kept yet: strip it below.
  }
  // stripTypeScriptTypes warns once that it is experimental; the warning says nothing to a user.
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  let js;
  try {
    js = module.stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
  try {
    mkdirSync(DIR, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, js);
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return js;
}

/** Serves nfwalk's own .ts modules stripped from the cache; everything else as Node would. */
export function installStripCache() {
  if (
    typeof module.registerHooks !== 'function' ||
    typeof module.stripTypeScriptTypes !== 'function'
  )
    return;
  module.registerHooks({
    load(url, context, next) {
      if (!url.startsWith(ROOT) || !url.endsWith('.ts') || url.includes('/node_modules/'))
        return next(url, context);
      const source = readFileSync(fileURLToPath(url), 'utf8');
      return { format: 'module', source: stripped(source), shortCircuit: true };
    },
  });
}
