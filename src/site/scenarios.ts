/**
 * The one place the site calls the explainer (src/explain/index.ts). Everything the site knows
 * about the explainer's API is here.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticError } from '../ruleset/diagnostics.ts';

export type SiteLang = 'en' | 'ja';

export interface ConversationVerdict {
  index: number;
  verdict: string;
}

export interface ExplainedScenario {
  title: string;
  summary?: string;
  /** MDX body (no frontmatter, no imports): see src/site/components/CONTRACT.md. */
  markdown: string;
  conversations: ConversationVerdict[];
}

interface ExplainerModule {
  explainScenarioFile(
    path: string,
    opts: { lang: SiteLang; format: 'md' | 'mdx' },
  ): Promise<ExplainedScenario>;
}

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

let explainer: Promise<ExplainerModule> | undefined;

/** Load src/explain/index.ts; a clear build error while it does not exist yet. */
export function loadExplainer(root: string): Promise<ExplainerModule> {
  explainer ??= (async () => {
    const path = join(root, 'src/explain/index.ts');
    if (!existsSync(path)) {
      throw new SiteBuildError(
        `explainer not available yet: ${relative(root, path)} does not exist, so the scenario pages cannot be built`,
      );
    }
    const mod = (await import(
      /* @vite-ignore */ pathToFileURL(path).href
    )) as Partial<ExplainerModule>;
    if (typeof mod.explainScenarioFile !== 'function') {
      throw new SiteBuildError(
        `explainer not available yet: ${relative(root, path)} does not export explainScenarioFile()`,
      );
    }
    return mod as ExplainerModule;
  })();
  return explainer;
}

/**
 * Explain one scenario in one language. The explainer's own errors (ScenarioError,
 * RulesetError: `file:line:col: error: …`) are passed on with their message intact.
 */
export async function explainScenario(
  root: string,
  file: string,
  lang: SiteLang,
): Promise<ExplainedScenario> {
  const mod = await loadExplainer(root);
  try {
    return await mod.explainScenarioFile(relative(root, file), { lang, format: 'mdx' });
  } catch (error) {
    const e = error as Error;
    if (e instanceof DiagnosticError) {
      throw new SiteBuildError(e.message);
    }
    throw new SiteBuildError(`${relative(root, file)}: error: the explainer failed: ${e.message}`);
  }
}
