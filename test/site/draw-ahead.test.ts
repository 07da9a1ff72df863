/**
 * The build starts drawing a scenario page's diagrams as soon as the content loader has
 * explained it (src/site/mermaid.ts, drawAhead), from the Mermaid sources the explainer's tree
 * holds. The drawing is found again only if the page's fences, as Astro's MDX parser reads them,
 * carry the same sources: on every gallery scenario, in both languages, they do.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Code, Root } from 'mdast';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { scenarioPage } from '../../src/site/pages.ts';
import { explainBoth, scenarioFiles, scenarioSlug } from '../../src/site/scenarios.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const components = join(root, 'src/site/components');

function fences(mdx: string): string[] {
  const tree = unified().use(remarkParse).use(remarkMdx).parse(mdx) as Root;
  const out: string[] = [];
  visit(tree, 'code', (node: Code) => {
    if (node.lang === 'mermaid') out.push(node.value);
  });
  return out;
}

describe('diagrams drawn ahead are the diagrams the pages carry', () => {
  const files = scenarioFiles(join(root, 'scenarios'));
  it('has gallery scenarios to check', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    for (const lang of ['en', 'ja'] as const) {
      it(`${scenarioSlug(file)} (${lang})`, () => {
        const { mdx, diagrams } = explainBoth(root, file, lang);
        const page = scenarioPage(mdx, components, `scenarios/${scenarioSlug(file)}.yaml`, {
          slug: scenarioSlug(file),
          lang,
        });
        expect(diagrams.length).toBeGreaterThan(0);
        expect(fences(page)).toEqual(diagrams);
      });
    }
  }
});
