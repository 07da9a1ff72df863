/**
 * The site's scenario files and their pages: which files in the scenarios folder become pages,
 * at which address, and each page from the pipeline (src/pipeline.ts through its file-system
 * edge), its errors turned into build errors.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Code, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import { toMdx } from '../explain/render.ts';
import { type Explained, pageOf, pageTreeOf, readSources, walk } from '../pipeline.ts';
import { explainScenarioFile, scenarioFileSources } from '../pipeline-files.ts';
import { DiagnosticError } from '../ruleset/diagnostics.ts';
import type { Lang } from '../scenario/model.ts';

export class SiteBuildError extends Error {
  override name = 'SiteBuildError';
}

/** The scenario files of a folder (top level, *.yaml / *.yml), sorted by name. */
export function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/** A scenario's page slug: its file name without the extension, lower-cased. */
export function scenarioSlug(file: string): string {
  return basename(file)
    .replace(/\.ya?ml$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * One scenario's page body in one language, as MDX (src/site/components/CONTRACT.md). The
 * input's own errors (`file:line:col: error: …`) are passed on with their message intact.
 */
export function explainScenario(root: string, file: string, lang: Lang): Explained {
  return explaining(root, file, () =>
    explainScenarioFile(file, { lang, format: 'mdx' }, relative(root, file)),
  );
}

/**
 * One scenario's page in one language as MDX (the site's page, its single file) and as
 * Markdown (the download beside it), from one walk; `source` is the file as pages name it;
 * `diagrams` the Mermaid sources of the MDX page's diagrams, in order (the build starts drawing
 * them before Astro compiles the page: mermaid.ts, drawAhead).
 */
export function explainBoth(
  root: string,
  file: string,
  lang: Lang,
): { mdx: Explained; md: Explained; source: string; diagrams: string[] } {
  const source = relative(root, file);
  return explaining(root, file, () => {
    const walked = walk(readSources(scenarioFileSources(file, source)));
    const { root: tree, ...page } = pageTreeOf(walked, { lang, format: 'mdx' });
    return {
      mdx: { ...page, markdown: toMdx(tree) },
      md: pageOf(walked, { lang, format: 'md' }),
      source,
      diagrams: mermaidSources(tree),
    };
  });
}

/** The Mermaid sources of a page's ```mermaid fences, in document order. */
export function mermaidSources(tree: Root): string[] {
  const out: string[] = [];
  visit(tree, 'code', (node: Code) => {
    if (node.lang === 'mermaid') out.push(node.value);
  });
  return out;
}

/** Runs the explainer, its errors turned into build errors. */
function explaining<T>(root: string, file: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof DiagnosticError) {
      throw new SiteBuildError(error.message);
    }
    const e = error as Error;
    throw new SiteBuildError(`${relative(root, file)}: error: the explainer failed: ${e.message}`);
  }
}
