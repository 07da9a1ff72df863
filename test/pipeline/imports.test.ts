/**
 * src/pipeline.ts runs where there is no Node: nothing in its import graph, its own modules or
 * the packages they use (resolved as a browser bundler would), is a Node builtin. The same walk
 * on the pipeline's file-system edge finds the builtins it uses, so the check sees them.
 */
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ResolvedImport } from './import-graph.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

function importGraph(module: string): ResolvedImport[] {
  const out = execFileSync(
    process.execPath,
    [join(repo, 'test/pipeline/import-graph.ts'), join(repo, module)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const script = pathToFileURL(join(repo, 'test/pipeline/import-graph.ts')).href;
  // The script's own import of the module is the root, not part of the module's graph.
  return (JSON.parse(out) as ResolvedImport[]).filter((i) => i.parent !== script);
}

function isBuiltin(i: ResolvedImport): boolean {
  return (
    i.url.startsWith('node:') ||
    i.specifier.startsWith('node:') ||
    builtinModules.includes(i.specifier)
  );
}

/** `module ← importer ← … ← the root`, relative to the repository. */
function chain(graph: ResolvedImport[], hit: ResolvedImport): string {
  const parentOf = new Map(graph.map((i) => [i.url, i.parent]));
  const names = [hit.specifier];
  const seen = new Set<string>();
  for (let at = hit.parent; at && !seen.has(at); at = parentOf.get(at)) {
    seen.add(at);
    names.push(at.startsWith('file:') ? fileURLToPath(at).replace(repo, '') : at);
  }
  return names.join(' ← ');
}

describe('the import graph of src/pipeline.ts', () => {
  it('has no Node builtin, in its own modules or in the packages they import', () => {
    const graph = importGraph('src/pipeline.ts');
    // The walk reached the simulator, the explainer and the packages they use.
    const urls = graph.map((i) => i.url);
    for (const part of ['src/netfilter/simulate.ts', 'src/explain/document.ts', '/yaml/']) {
      expect(
        urls.some((u) => u.includes(part)),
        part,
      ).toBe(true);
    }
    expect(graph.filter(isBuiltin).map((i) => chain(graph, i))).toEqual([]);
    // Nor does it reach the front ends' own modules: the kernel harness, the CLI, the site.
    const frontEnds = graph.filter((i) => /\/src\/(kernel|cli|site|capture)\//.test(i.url));
    expect(frontEnds.map((i) => chain(graph, i))).toEqual([]);
  }, 60_000);

  it('finds the builtins of the file-system edge, and says through which modules', () => {
    const graph = importGraph('src/pipeline-files.ts');
    const chains = graph.filter(isBuiltin).map((i) => chain(graph, i));
    expect(chains).toContain('node:fs ← src/scenario/load.ts ← src/pipeline-files.ts');
  }, 60_000);
});
