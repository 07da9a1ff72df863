// The `nfwalk` command loaded as a few bundled files instead of ~100 TypeScript modules: Node
// resolves, reads, strips and links each module it imports, and that was most of what a command
// cost before it did anything (`nfwalk trace` on the seed scenario: 0.64 s of CPU unbundled,
// 0.46 s bundled; `nfwalk check` on a five-line file 0.19 s and 0.15 s).
//
// The bundle is made by esbuild (a dependency) from bin/nfwalk.ts the first time nfwalk runs,
// and again whenever one of the sources it was made from changed (size or modification time):
// it never runs stale code. It keeps the subcommands' dynamic imports as separate chunks, so a
// subcommand still loads its own work only. import.meta.url is replaced by each source's own
// URL, so the files a module finds beside itself (templates, styles, a child process's script)
// are found from the bundle too. Plain JavaScript, like bin/nfwalk.mjs, which uses it; anything
// that goes wrong here only means the unbundled path (bin/strip-cache.mjs) runs instead.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
// In the checkout's node_modules, as the strip cache: code is never loaded from a folder other
// users can write to, and the bundle's imports of packages resolve as the sources' do (another
// folder, NFWALK_CLI_CACHE, must be inside the checkout too).
export const BUNDLE_DIR =
  process.env.NFWALK_CLI_CACHE ||
  join(ROOT, 'node_modules', '.cache', `nfwalk-cli-${process.versions.node}`);
const MANIFEST = join(BUNDLE_DIR, 'manifest.json');
/** A build older than this, and not the current one, is removed by the next build. */
const OLD_BUILD_MS = 10 * 60 * 1000;

/** The bundle's entry URL when one was made from the sources as they are now, else undefined. */
export function bundledEntry() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  // The sources' URLs are written into the bundle: a checkout moved elsewhere bundles again.
  if (manifest.root !== ROOT) return undefined;
  for (const [file, mtimeMs, size] of manifest.inputs) {
    let s;
    try {
      s = statSync(join(ROOT, file));
    } catch {
      return undefined;
    }
    if (s.mtimeMs !== mtimeMs || s.size !== size) return undefined;
  }
  return pathToFileURL(join(BUNDLE_DIR, manifest.dir, 'nfwalk.js')).href;
}

/** Each .ts source of the project as esbuild reads it, import.meta.url its own URL. */
const ownUrls = {
  name: 'nfwalk-own-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const url = pathToFileURL(args.path);
      const contents = readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(url.href))
        .replaceAll('import.meta.filename', JSON.stringify(args.path))
        .replaceAll('import.meta.dirname', JSON.stringify(fileURLToPath(new URL('.', url))));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Makes the bundle and returns its entry URL, or undefined when it cannot be made (no esbuild,
 * a source esbuild refuses, a folder that cannot be written): the caller then loads the sources.
 */
export async function buildBundle() {
  try {
    const esbuild = await import('esbuild');
    const started = Date.now();
    const dir = `${process.pid}-${started.toString(36)}`;
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['bin/nfwalk.ts'],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      outdir: join(BUNDLE_DIR, dir),
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      metafile: true,
      logLevel: 'silent',
      plugins: [ownUrls],
    });
    const inputs = [];
    // This file too: a bundle it would now make otherwise is made again.
    for (const file of [...Object.keys(result.metafile.inputs), 'bin/cli-bundle.mjs']) {
      if (file.includes('node_modules/')) continue;
      const s = statSync(join(ROOT, file));
      // Changed while it was being bundled: the bundle may hold the old text, so the sources run
      // this time, and the next run bundles them again.
      if (s.mtimeMs > started) return undefined;
      inputs.push([file, s.mtimeMs, s.size]);
    }
    // Which sources each file of the bundle holds (test/cli/bundle.test.ts reads it).
    const outputs = {};
    for (const [out, o] of Object.entries(result.metafile.outputs)) {
      outputs[out.slice(out.lastIndexOf('/') + 1)] = Object.keys(o.inputs).filter(
        (f) => !f.includes('node_modules/'),
      );
    }
    const tmp = `${MANIFEST}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ root: ROOT, dir, inputs, outputs }));
    renameSync(tmp, MANIFEST);
    removeOldBuilds(dir);
    return pathToFileURL(join(BUNDLE_DIR, dir, 'nfwalk.js')).href;
  } catch {
    return undefined;
  }
}

/** Earlier builds, once no process can still be loading them. */
function removeOldBuilds(current) {
  for (const entry of readdirSync(BUNDLE_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === current) continue;
    const path = join(BUNDLE_DIR, entry.name);
    if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_MS)
      rmSync(path, { recursive: true, force: true });
  }
}
