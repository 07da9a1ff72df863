/**
 * Typographic quotes, dashes and ellipses on an mdast tree, with exactly the result of
 * `remark-smartypants` 3 (what Astro's Markdown applies to every page of the site), in a
 * fraction of its time on a long page.
 *
 * The algorithm is remark-smartypants' own: every text of the page is joined (a space marks
 * where a paragraph, heading or table cell starts) so quotes pair across emphasis and links;
 * one retext pass turns the quotes; then each text node gets a second pass for dashes,
 * ellipses and double backticks. That second pass parses each node with retext — thousands of
 * parses on a page of listings — and it can change only text holding `--`, three dots (spaced
 * or not), ``` `` ``` or `''`; every other node is left as it is, which is what the pass would
 * give back (retext's tree prints back to its input). test/site/smartypants.test.ts holds the
 * two equal over every gallery page in both languages.
 */
import type { Node, Parent, Root } from 'mdast';
import { retext } from 'retext';
import smartypants from 'retext-smartypants';
import { visit } from 'unist-util-visit';

const quotes = retext().use(smartypants, {
  ellipses: false,
  dashes: false,
  backticks: false,
});
const rest = retext().use(smartypants, { quotes: false });

/** What the second pass may change: two dashes, three dots, double backticks or quotes. */
const REST_CANDIDATE = /--|\.\s*\.\s*\.|``|''/;

const VISITED = new Set(['text', 'inlineCode', 'paragraph', 'heading', 'tableCell']);
/** Where a quote at the start always opens: remark-smartypants puts a space before them. */
const BLOCKS = new Set(['paragraph', 'heading', 'tableCell']);
const IGNORED_HTML = new Set(['style', 'script']);

type Literal = Node & { value: string };

const isLiteral = (node: Node): node is Literal =>
  'value' in node && typeof (node as Literal).value === 'string';

function visited(node: Node, parent: Parent | undefined): boolean {
  if (!parent) return false;
  if (parent.type === 'mdxJsxTextElement') {
    const name = (parent as Parent & { name?: unknown }).name;
    if (typeof name !== 'string' || IGNORED_HTML.has(name)) return false;
  }
  return VISITED.has(node.type) && (isLiteral(node) || BLOCKS.has(node.type));
}

export function smartypantsTree(tree: Root): void {
  const nodes: Node[] = [];
  const joined: string[] = [];
  visit(tree, (node, _index, parent) => {
    if (!visited(node, parent as Parent | undefined)) return;
    if (isLiteral(node)) {
      joined.push(node.type === 'text' ? node.value : 'A'.repeat(node.value.length));
    } else {
      joined.push(' ');
    }
    nodes.push(node);
  });
  const all = quotes.processSync(joined.join('')).toString();
  let at = 0;
  for (const node of nodes) {
    if (!isLiteral(node)) {
      at += 1;
      continue;
    }
    const end = at + node.value.length;
    if (node.type === 'text') {
      const text = all.slice(at, end);
      node.value = REST_CANDIDATE.test(text) ? rest.processSync(text).toString() : text;
    }
    at = end;
  }
}

/** As a unified plugin. */
export default function remarkSmartypantsQuick() {
  return smartypantsTree;
}
