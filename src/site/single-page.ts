/**
 * A scenario page as one self-contained HTML file (`nfwalk explain --format html`, and the
 * `<slug>.html` beside every scenario page of the site): the explainer's MDX body rendered with
 * the site's own pieces — the listing with its margin marks and highlighting (listing.ts), the
 * diagrams as inline SVG drawn by the same renderer (mermaid.ts, same cache) — and the site's
 * stylesheet inlined, light and dark by `prefers-color-scheme`. No script, and nothing in it
 * refers to anything outside the file.
 *
 * The MDX is parsed (remark-mdx), never evaluated: a component's props are the JSON literals
 * the explainer writes (components/CONTRACT.md), read with JSON.parse.
 */
import { fileURLToPath } from 'node:url';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { h } from 'hastscript';
import type { Code, Nodes, Paragraph, Parent, Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx';
import { toHast } from 'mdast-util-to-hast';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Lang } from '../scenario/model.ts';
import { LISTING_LANGS, type ListingLang } from './highlight.ts';
import { type ListingFold, type ListingLine, listingTree } from './listing.ts';
import { diagramSvg, fallback, svgElement } from './mermaid.ts';
import { closeMermaidBrowser } from './mermaid-browser.ts';
import { DiagramCache, defaultCacheDir } from './mermaid-cache.ts';
import { singlePageCss, svgThemeByMediaQuery } from './single-page-css.ts';

export interface SinglePageInput {
  title: string;
  /** The explainer's MDX body (format `mdx`). */
  mdx: string;
  lang: Lang;
  /** Where the page comes from, for error messages (the scenario file). */
  source: string;
}

export interface SinglePageOptions {
  cache: DiagramCache;
  /** Told once when a diagram could not be drawn (no browser): the page shows its source. */
  warn?: (message: string) => void;
}

/** An mdast node that mdast-util-to-hast turns into the given hast element as it is. */
function hastNode(el: Element): Nodes {
  const node = {
    type: 'nfwHast',
    data: { hName: el.tagName, hProperties: el.properties, hChildren: el.children },
  };
  return node as unknown as Nodes;
}

/** A component prop: a string attribute, or a JSON literal in `{…}`. */
function prop(node: MdxJsxFlowElement, name: string, where: string): unknown {
  const attr = node.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === name);
  if (attr?.type !== 'mdxJsxAttribute' || attr.value == null) return undefined;
  if (typeof attr.value === 'string') return attr.value;
  try {
    return JSON.parse(attr.value.value);
  } catch {
    throw new Error(`${where}: error: <${node.name}> prop ${name} is not a JSON literal`);
  }
}

async function listingOf(node: MdxJsxFlowElement, where: string): Promise<Element> {
  const lang = prop(node, 'lang', where);
  const title = prop(node, 'title', where);
  const folds = prop(node, 'folds', where);
  return listingTree({
    anchor: String(prop(node, 'anchor', where)),
    lang: (typeof lang === 'string' ? lang : 'nft') as ListingLang,
    ...(typeof title === 'string' ? { title } : {}),
    lines: prop(node, 'lines', where) as ListingLine[] | string,
    ...(folds === undefined ? {} : { folds: folds as ListingFold[] | string }),
  });
}

/** `<Step anchor n last?>` as the site's Step.astro renders it. */
function stepOf(node: MdxJsxFlowElement, where: string): Nodes {
  const anchor = String(prop(node, 'anchor', where));
  const n = Number(prop(node, 'n', where));
  const lastProp = prop(node, 'last', where);
  const last = lastProp === undefined ? undefined : Number(lastProp);
  const id = last === undefined ? `${anchor}-${n}` : `${anchor}-${n}to${last}`;
  const label = last === undefined ? `(${n})` : `(${n})–(${last})`;
  return {
    type: 'nfwStep',
    data: { hName: 'div', hProperties: { className: ['nfw-step'], id } },
    children: [
      hastNode(h('a', { className: ['nfw-step-n'], href: `#${id}` }, label)),
      {
        type: 'nfwStepBody',
        data: { hName: 'div', hProperties: { className: ['nfw-step-body'] } },
        children: node.children,
      },
    ],
  } as unknown as Nodes;
}

/** `<details>` and `<summary>`, the HTML elements the explainer folds content with. */
const FOLD_ELEMENTS = new Set(['details', 'summary']);

function foldOf(node: MdxJsxFlowElement, where: string): Nodes {
  if (node.attributes.length > 0)
    throw new Error(`${where}: error: <${node.name ?? ''}> takes no attributes`);
  return {
    type: 'nfwFold',
    data: { hName: node.name },
    children: node.children,
  } as unknown as Nodes;
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

async function diagramOf(code: Code, n: number, input: SinglePageInput, opts: SinglePageOptions) {
  const where = `${input.source}:${code.position?.start.line ?? 0}`;
  const svg = await diagramSvg(code.value, where, opts.cache);
  const uid = `nfw-d${n}`;
  if (svg === undefined) {
    opts.warn?.(
      'diagrams are not drawn: no browser to draw them (install chromium or set NFWALK_CHROMIUM); the page shows their Mermaid source',
    );
    return h('figure', { className: ['nfw-mermaid', 'nfw-mermaid-source'] }, [
      h('pre', { className: ['mermaid'] }, code.value),
    ]);
  }
  const el = svgElement(svg, uid, where);
  visit(el, 'element', (node: Element) => {
    if (node.tagName !== 'style') return;
    for (const child of node.children) {
      if (child.type === 'text') child.value = svgThemeByMediaQuery(child.value);
    }
  });
  return h('figure', { className: ['nfw-mermaid'], dataDiagram: uid }, [el]);
}

/** A fenced ruleset (nft, iptables) looks like a listing without marks. */
function isRulesetFence(code: Code): boolean {
  return code.lang !== null && code.lang !== undefined && code.lang in LISTING_LANGS;
}

/** Replace components and fences by the HTML the site renders for them. */
async function renderBlocks(tree: Root, input: SinglePageInput, opts: SinglePageOptions) {
  const jobs: { parent: Parent; node: Nodes; make: () => Promise<Nodes> | Nodes }[] = [];
  let diagrams = 0;
  let fences = 0;
  visit(tree, (node, _i, parent) => {
    if (!parent) return;
    const where = `${input.source}:${node.position?.start.line ?? 0}`;
    if (node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') {
      const el = node as MdxJsxFlowElement;
      if (el.name === 'ChainListing') {
        jobs.push({ parent, node, make: async () => hastNode(await listingOf(el, where)) });
      } else if (el.name === 'Step') {
        jobs.push({ parent, node, make: () => stepOf(el, where) });
      } else if (el.name && FOLD_ELEMENTS.has(el.name)) {
        jobs.push({ parent, node, make: () => foldOf(el, where) });
      } else {
        throw new Error(`${where}: error: <${el.name ?? ''}> has no single-file rendering`);
      }
    } else if (node.type === 'code' && node.lang === 'mermaid') {
      const n = ++diagrams;
      jobs.push({
        parent,
        node,
        make: async () => hastNode(await diagramOf(node, n, input, opts)),
      });
    } else if (node.type === 'code' && isRulesetFence(node)) {
      const anchor = `listing-${++fences}`;
      const lines = node.value.split('\n').map((text) => ({ text }));
      const lang = node.lang as ListingLang;
      jobs.push({
        parent,
        node,
        make: async () => hastNode(await listingTree({ anchor, lang, lines })),
      });
    }
  });
  const made = await Promise.all(jobs.map((j) => j.make()));
  jobs.forEach((job, i) => {
    const at = job.parent.children.indexOf(job.node as never);
    job.parent.children.splice(at, 1, made[i] as never);
  });
}

/** A link in the page: kept when it is a fragment of the page, text otherwise. */
function keepInside(tree: HastRoot): void {
  visit(tree, 'element', (node: Element) => {
    for (const name of ['href', 'src', 'xLinkHref'] as const) {
      const value = node.properties[name];
      if (typeof value !== 'string' || value.startsWith('#')) continue;
      if (node.tagName === 'a') {
        delete node.properties.href;
        node.properties.title = value;
      } else {
        delete node.properties[name];
      }
    }
  });
}

/** The page as one HTML document. */
export async function singlePageHtml(
  input: SinglePageInput,
  opts: SinglePageOptions,
): Promise<string> {
  const tree = unified().use(remarkParse).use(remarkGfm).use(remarkMdx).parse(input.mdx) as Root;
  unravelJsxParagraphs(tree);
  await renderBlocks(tree, input, opts);
  const body = toHast(tree, { allowDangerousHtml: false }) as HastRoot;
  const doc: HastRoot = {
    type: 'root',
    children: [
      { type: 'doctype' },
      h('html', { lang: input.lang }, [
        h('head', [
          h('meta', { charset: 'utf-8' }),
          h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
          h('meta', { name: 'color-scheme', content: 'light dark' }),
          h('meta', { name: 'generator', content: 'nfwalk' }),
          h('title', input.title),
          h('style', singlePageCss()),
        ]),
        h('body', [
          h('main', { className: ['nfw-page', 'sl-markdown-content'] }, [
            h('h1', input.title),
            ...(body.children as ElementContent[]),
          ]),
        ]),
      ]),
    ],
  };
  keepInside(doc);
  return `${toHtml(doc)}\n`;
}

/** The project root: the diagram cache lives in its node_modules/.cache, as for the site. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `nfwalk explain --format html`: one page, drawing its diagrams with the site's cache and
 * browser (closed when done); `warn` is told once when there is no browser.
 */
export async function renderHtmlPage(
  page: SinglePageInput,
  warn: (message: string) => void,
): Promise<string> {
  let warned = false;
  const once = (message: string) => {
    if (!warned) warn(message);
    warned = true;
  };
  // The site build's own warning (mermaid.ts) speaks of the reader's browser drawing the
  // diagrams, which a page with no script cannot: this page says its own.
  fallback.warned = true;
  try {
    return await singlePageHtml(page, {
      cache: new DiagramCache(defaultCacheDir(ROOT)),
      warn: once,
    });
  } finally {
    await closeMermaidBrowser();
  }
}
