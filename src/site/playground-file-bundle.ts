/**
 * The playground for pages read from a folder (file://): src/site/playground/file-entry.ts
 * bundled by esbuild into one classic script, `_nfwalk/playground-file.js`, holding the
 * worker's code (bundled first, as a classic script, started from a blob) and the gallery's
 * files inline (gallery-files.ts's `import.meta.glob` is Vite's; here the same paths map to
 * the texts). Served pages keep Vite's bundle; this one is loaded only from file:// (the
 * offline head script, offline-urls.ts).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BuildOptions, type BuildResult, build, type OutputFile, type Plugin } from 'esbuild';
import { PLAYGROUND_FILE_SCRIPT } from './playground/file-script.ts';

const PLAYGROUND = join(import.meta.dirname, 'playground');
/** The folder gallery-files.ts's glob reads (`../../../scenarios/` from it). */
const GALLERY = join(import.meta.dirname, '..', '..', 'scenarios');
const GALLERY_FILE = /\.(ya?ml|nft|rules|json)$/;

const common: BuildOptions = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'silent',
};

function firstOutput(result: BuildResult): OutputFile {
  const file = result.outputFiles?.[0];
  if (!file) throw new Error('esbuild wrote nothing for the playground');
  return file;
}

/**
 * The worker as one classic script's text, resolved with the `worker` export condition as
 * Vite's worker bundle is (packages like decode-named-character-reference have a `browser`
 * build that needs `document`, which a worker has not).
 */
async function workerCode(): Promise<string> {
  const out = await build({
    ...common,
    conditions: ['worker'],
    entryPoints: [join(PLAYGROUND, 'worker.ts')],
  });
  return firstOutput(out).text;
}

/** gallery-files.ts with every file's text inline, under the paths Vite's glob gives them. */
function galleryModule(scenariosDir: string): string {
  const entries = readdirSync(scenariosDir)
    .filter((name) => GALLERY_FILE.test(name))
    .sort()
    .map((name) => {
      const text = readFileSync(join(scenariosDir, name), 'utf8');
      return `${JSON.stringify(`../../../scenarios/${name}`)}: () => Promise.resolve(${JSON.stringify(text)})`;
    });
  return `export const files = {\n${entries.join(',\n')}\n};\n`;
}

function fileBuildPlugin(worker: string, scenariosDir: string): Plugin {
  return {
    name: 'nfwalk-playground-file',
    setup(b) {
      b.onResolve({ filter: /^nfwalk:playground-worker$/ }, (args) => ({
        path: args.path,
        namespace: 'nfwalk',
      }));
      b.onLoad({ filter: /.*/, namespace: 'nfwalk' }, () => ({
        contents: `export default ${JSON.stringify(worker)};`,
        loader: 'js',
      }));
      b.onLoad({ filter: /[\\/]playground[\\/]gallery-files\.ts$/ }, () => ({
        contents: galleryModule(scenariosDir),
        loader: 'js',
      }));
    },
  };
}

/** Writes `_nfwalk/playground-file.js` under `outDir`; returns its size in bytes. */
export async function writePlaygroundFileScript(outDir: string): Promise<number> {
  const worker = await workerCode();
  const out = await build({
    ...common,
    entryPoints: [join(PLAYGROUND, 'file-entry.ts')],
    plugins: [fileBuildPlugin(worker, GALLERY)],
  });
  const target = join(outDir, PLAYGROUND_FILE_SCRIPT);
  mkdirSync(dirname(target), { recursive: true });
  const code = firstOutput(out).contents;
  writeFileSync(target, code);
  return code.length;
}
