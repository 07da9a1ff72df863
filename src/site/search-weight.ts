/**
 * Search ranks the guide first. A scenario page is long and names every concept many times
 * (hook, priority, conntrack), so on term counts alone Pagefind put scenario pages above the
 * guide page that explains the concept. The body of a generated scenario page is indexed at a
 * lower weight (Pagefind's `data-pagefind-weight`, 1 by default); its title and description
 * keep theirs, so a search for what a scenario is about still finds it.
 *
 * That alone no longer holds when a scenario is about a concept by name (the TCP states
 * scenario's title says "conntrack" as the guide's does): the guide's body is also weighted up.
 *
 * The scenario wrapper carries the class `nfw-scenario`, by which the stylesheet sets a scenario
 * page's tables (the setup, each packet's at-a-glance table) more compactly than the guide's.
 */
import type { Element, ElementContent, Root, RootContent } from 'hast';
import type { VFile } from 'vfile';

export const SCENARIO_BODY_WEIGHT = '0.2';
export const GUIDE_BODY_WEIGHT = '2';

function isScenarioPage(file: VFile): boolean {
  const astro = file.data.astro as { frontmatter?: { nfwalkScenario?: unknown } } | undefined;
  return typeof astro?.frontmatter?.nfwalkScenario === 'string';
}

/** A page of the guide (content/docs/guide/, content/docs/ja/guide/). */
function isGuidePage(file: VFile): boolean {
  return /[\\/]guide[\\/][^\\/]+\.mdx?$/.test(file.path ?? '');
}

/** MDX's module nodes (imports, exports) stay at the root; the content goes into the wrapper. */
function isModuleNode(node: RootContent): boolean {
  return node.type === 'mdxjsEsm';
}

function wrap(tree: Root, properties: Element['properties']): void {
  const kept = tree.children.filter(isModuleNode);
  const content = tree.children.filter((n) => !isModuleNode(n)) as ElementContent[];
  const wrapper: Element = { type: 'element', tagName: 'div', properties, children: content };
  tree.children = [...kept, wrapper];
}

export function rehypeSearchWeight() {
  return (tree: Root, file: VFile): void => {
    if (isScenarioPage(file)) {
      wrap(tree, { className: ['nfw-scenario'], dataPagefindWeight: SCENARIO_BODY_WEIGHT });
    } else if (isGuidePage(file)) {
      wrap(tree, { dataPagefindWeight: GUIDE_BODY_WEIGHT });
    }
  };
}
