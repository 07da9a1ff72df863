/**
 * Prints, as JSON, every import resolved while loading one module: `node
 * test/pipeline/import-graph.ts FILE`. Each entry is the specifier, the module that imports it
 * and what it resolved to, so a test can find a Node builtin anywhere in the graph (packages
 * included, resolved the way a browser bundler would) and say through which modules it came.
 *
 * Every module of a graph is resolved and linked before any of them runs, so the list is whole
 * even when running the browser builds under Node then fails (one reads `document` as it
 * loads): that failure is not this script's business; a module that cannot be resolved is.
 */
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface ResolvedImport {
  specifier: string;
  parent: string | undefined;
  url: string;
}

const target = process.argv[2];
if (!target) throw new Error('usage: import-graph.ts FILE');
const seen: ResolvedImport[] = [];
let unresolved: unknown;
registerHooks({
  resolve(specifier, context, nextResolve) {
    // A browser bundler's conditions: a package's "node" build is not the one a browser gets.
    const conditions = [...context.conditions.filter((c) => !c.startsWith('node')), 'browser'];
    try {
      const resolved = nextResolve(specifier, { ...context, conditions });
      seen.push({ specifier, parent: context.parentURL, url: resolved.url });
      return resolved;
    } catch (e) {
      unresolved ??= e;
      throw e;
    }
  },
});
await import(pathToFileURL(target).href).catch(() => {});
if (unresolved) throw unresolved;
process.stdout.write(JSON.stringify(seen));
