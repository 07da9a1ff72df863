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
import type { Code, Heading, Paragraph, Root } from 'mdast';
import type { MdxJsxAttribute, MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx';
import { mdxJsxFromMarkdown } from 'mdast-util-mdx-jsx';
import { type Handler, type State, toHast } from 'mdast-util-to-hast';
import { toString as mdastToString } from 'mdast-util-to-string';
import { mdxJsx } from 'micromark-extension-mdx-jsx';
import { mdxMd } from 'micromark-extension-mdx-md';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { type Processor, unified } from 'unified';
import { visit } from 'unist-util-visit';
import { type ListingProps, listingTreeWith } from '../listing-tree.ts';
import { smartypantsTree } from '../smartypants.ts';
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

/** `<Step anchor n last?>` as Step.astro renders it. */
function stepElement(state: State, node: MdxJsxFlowElement): Element {
  const { anchor, n, last } = props(node) as { anchor: string; n: number; last?: number };
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Step ${anchor}: n must be a positive integer, got ${String(n)}`);
  }
  if (last !== undefined && (!Number.isInteger(last) || last <= n)) {
    throw new Error(`Step ${anchor}: last must be an integer above n (${n}), got ${String(last)}`);
  }
  const id = last === undefined ? `${anchor}-${n}` : `${anchor}-${n}to${last}`;
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
        children: [{ type: 'text', value: last === undefined ? `(${n})` : `(${n})–(${last})` }],
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

/** `<details>` and `<summary>`, the HTML elements the explainer folds content with. */
const FOLD_ELEMENTS = new Set(['details', 'summary']);

function foldElement(state: State, node: MdxJsxFlowElement | MdxJsxTextElement): Element {
  if (node.attributes.length > 0) throw new Error(`<${node.name}> takes no attributes here`);
  return {
    type: 'element',
    tagName: node.name!,
    properties: {},
    children: state.all(node) as ElementContent[],
  };
}

/**
 * A paragraph holding nothing but a JSX element (`<summary>…</summary>` on a line of its own)
 * is that element, as MDX compiles it.
 */
function unravelJsxParagraphs(tree: Root): void {
  visit(tree, 'paragraph', (node: Paragraph, index, parent) => {
    const only = node.children.length === 1 ? node.children[0] : undefined;
    if (only?.type !== 'mdxJsxTextElement' || !parent || index === undefined) return;
    parent.children.splice(index, 1, only as never);
  });
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

/**
 * MDX's JSX without its JavaScript parser: attribute expressions are kept as their source text,
 * which is all this page reads (JSON). Several times faster than remark-mdx on a page's large
 * listings, but it tells braces inside a string from real ones only by counting.
 */
function remarkMdxJsxOnly(this: Processor) {
  const data = this.data();
  data.micromarkExtensions = [...(data.micromarkExtensions ?? []), mdxJsx(), mdxMd()];
  data.fromMarkdownExtensions = [...(data.fromMarkdownExtensions ?? []), mdxJsxFromMarkdown()];
}

/** Every attribute expression reads as JSON. */
function expressionsAreJson(tree: Root): boolean {
  let ok = true;
  visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
    for (const attr of node.attributes) {
      if (attr.type !== 'mdxJsxAttribute' || typeof attr.value !== 'object' || !attr.value)
        continue;
      try {
        JSON.parse(attr.value.value);
      } catch {
        ok = false;
      }
    }
  });
  return ok;
}

/**
 * The MDX as a syntax tree: the quick parse, or, when a brace inside a string (a ruleset's
 * comment, say) has misled it, the full MDX parser, which reads expressions as JavaScript.
 */
export function parseMdx(mdx: string): Root {
  try {
    const quick = unified().use(remarkParse).use(remarkGfm).use(remarkMdxJsxOnly).parse(mdx);
    if (expressionsAreJson(quick as Root)) return quick as Root;
  } catch {
    // Unbalanced braces can make the quick parse fail outright: the full parser decides.
  }
  return unified().use(remarkParse).use(remarkGfm).use(remarkMdx).parse(mdx) as Root;
}

/**
 * The page body (MDX text, or the explainer's tree of it) as HTML, one piece per top-level block (the page inserts a long page piece by
 * piece). Throws on a component or attribute the contract does not have.
 */
export async function renderExplanation(mdx: string | Root): Promise<string[]> {
  // The explainer's own tree is what its MDX would parse back to (the page-text test holds the
  // two renderings equal); parsing is for MDX that comes as text. The tree is changed in place.
  const tree = typeof mdx === 'string' ? parseMdx(mdx) : mdx;
  // Typographic quotes and dashes, as Astro's Markdown does for every page of the site.
  smartypantsTree(tree);
  unravelJsxParagraphs(tree);
  const listings = await drawListings(tree);
  const slugger = new GithubSlugger();
  let diagrams = 0;
  const jsx: Handler = (state, node: MdxJsxFlowElement) => {
    if (node.name === 'ChainListing') return listings.get(node);
    if (node.name === 'Step') return stepElement(state, node);
    if (node.name && FOLD_ELEMENTS.has(node.name)) return foldElement(state, node);
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
  return hast.children
    .filter((child) => child.type !== 'text' || child.value.trim() !== '')
    .map((child) => toHtml(child));
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
