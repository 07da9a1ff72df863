/**
 * The explainer's MDX body (src/site/components/CONTRACT.md) as the HTML a scenario page shows,
 * in the reader's browser: parsed by the same remark chain the site uses (remark-parse with GFM
 * and MDX), the two components drawn by the same code as at build time (`<ChainListing>` by
 * listing.ts, `<Step>` as Step.astro draws it), and ```mermaid fences left as figures holding
 * their source for the in-browser renderer. The tree is serialised by hast-util-to-html, so
 * every text from a ruleset or scenario stays text; component props are read as JSON, never run.
 */
import GithubSlugger from 'github-slugger';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { Code, Heading, Root } from 'mdast';
import type { MdxJsxAttribute, MdxJsxFlowElement } from 'mdast-util-mdx';
import { type Handler, type State, toHast } from 'mdast-util-to-hast';
import { toString as mdastToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { type ListingProps, listingTreeWith } from '../listing-tree.ts';
import { colourInBrowser } from './highlighter.ts';

/** The value of a JSX attribute: a string, or the JSON literal inside `{…}`. */
function attributeValue(attr: MdxJsxAttribute): unknown {
  const v = attr.value;
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v;
  return JSON.parse(v.value);
}

function props(node: MdxJsxFlowElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const attr of node.attributes) {
    if (attr.type !== 'mdxJsxAttribute') {
      throw new Error(`<${node.name}>: only name="value" and name={JSON} attributes are read`);
    }
    out[attr.name] = attributeValue(attr);
  }
  return out;
}

/** `<Step anchor n>` as Step.astro renders it. */
function stepElement(state: State, node: MdxJsxFlowElement): Element {
  const { anchor, n } = props(node) as { anchor: string; n: number };
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Step ${anchor}: n must be a positive integer, got ${String(n)}`);
  }
  const id = `${anchor}-${n}`;
  const body = state.all(node) as ElementContent[];
  return {
    type: 'element',
    tagName: 'div',
    properties: { className: ['nfw-step'], id },
    children: [
      {
        type: 'element',
        tagName: 'a',
        properties: { className: ['nfw-step-n'], href: `#${id}` },
        children: [{ type: 'text', value: `(${n})` }],
      },
      {
        type: 'element',
        tagName: 'div',
        properties: { className: ['nfw-step-body'] },
        children: body,
      },
    ],
  };
}

/** A ```mermaid fence: the figure the site's fallback draws in the browser. */
function mermaidFigure(node: Code, uid: string): Element {
  return {
    type: 'element',
    tagName: 'figure',
    properties: { className: ['nfw-mermaid', 'nfw-mermaid-source'], dataDiagram: uid },
    children: [
      {
        type: 'element',
        tagName: 'pre',
        properties: { className: ['mermaid'] },
        children: [{ type: 'text', value: node.value }],
      },
    ],
  };
}

/**
 * The listings are drawn first (they are asynchronous: the highlighter loads once), then the
 * tree is turned into hast with them in place.
 */
async function drawListings(tree: Root): Promise<Map<MdxJsxFlowElement, Element>> {
  const listings: MdxJsxFlowElement[] = [];
  visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
    if (node.name === 'ChainListing') listings.push(node);
  });
  const drawn = await Promise.all(
    listings.map((node) =>
      listingTreeWith(props(node) as unknown as ListingProps, colourInBrowser),
    ),
  );
  return new Map(listings.map((node, i) => [node, drawn[i]!]));
}

/** The page body as HTML. Throws on a component or attribute the contract does not have. */
export async function renderExplanation(mdx: string): Promise<string> {
  const tree = unified().use(remarkParse).use(remarkGfm).use(remarkMdx).parse(mdx) as Root;
  const listings = await drawListings(tree);
  const slugger = new GithubSlugger();
  let diagrams = 0;
  const jsx: Handler = (state, node: MdxJsxFlowElement) => {
    if (node.name === 'ChainListing') return listings.get(node);
    if (node.name === 'Step') return stepElement(state, node);
    throw new Error(`the explainer's MDX has a component this page cannot draw: <${node.name}>`);
  };
  const hast = toHast(tree, {
    handlers: {
      mdxJsxFlowElement: jsx,
      mdxJsxTextElement: jsx,
      code: (state, node: Code) => {
        if (node.lang === 'mermaid') return mermaidFigure(node, `nfw-d${++diagrams}`);
        return defaultCode(state, node);
      },
      heading: (state, node: Heading) => {
        const el = defaultHeading(state, node);
        el.properties.id = slugger.slug(mdastToString(node));
        return el;
      },
    },
  }) as HastRoot;
  return toHtml(hast);
}

function defaultCode(state: State, node: Code): Element {
  const code: Element = {
    type: 'element',
    tagName: 'code',
    properties: node.lang ? { className: [`language-${node.lang}`] } : {},
    children: [{ type: 'text', value: `${node.value}\n` }],
  };
  const pre: Element = { type: 'element', tagName: 'pre', properties: {}, children: [code] };
  state.patch(node, pre);
  return pre;
}

function defaultHeading(state: State, node: Heading): Element {
  return {
    type: 'element',
    tagName: `h${node.depth}`,
    properties: {},
    children: state.all(node) as ElementContent[],
  };
}
