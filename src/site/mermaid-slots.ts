/**
 * A built page's diagram slots filled with their SVG. In a build, mermaid.ts gives each diagram
 * an empty figure naming its drawing (SLOT): Astro bundles and renders pages without the SVG,
 * which was most of its work, while the browser draws; once the drawings are in the cache, each
 * slot becomes the figure with its SVG, inline as before (post-build-jobs.ts does this to every
 * page, after the rewrite for reading from a folder).
 *
 * Only the slot is parsed (as hast), never the page around it; the SVG goes through the same
 * svgElement as an inlined one (its own ids, no reference to another host).
 */
import type { Element } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toHtml } from 'hast-util-to-html';
import { cachedDiagramSvg, DiagramError, SLOT, svgElement } from './mermaid.ts';
import type { DiagramCache } from './mermaid-cache.ts';

/** An empty <figure> with double-quoted attributes, as hast-util-to-html writes one. */
const EMPTY_FIGURE = /<figure(?:\s+[\w:.-]+(?:="[^"]*")?)*\s*><\/figure>/g;

/** The attribute a slot has and no other figure: its drawing's key. */
const SLOT_ATTRIBUTE = 'data-nfw-svg="';

function filled(slot: string, cache: DiagramCache, page: string): string {
  const tree = fromHtml(slot, { fragment: true });
  const figure = tree.children[0] as Element;
  const props = figure.properties;
  const key = props[SLOT.key];
  const uid = props.dataDiagram;
  const written = props[SLOT.where];
  const where = typeof written === 'string' ? written : page;
  if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key) || typeof uid !== 'string') {
    throw new DiagramError(`${page}: error: a diagram slot without its key: ${slot}`);
  }
  const svg = cachedDiagramSvg(key, cache);
  if (svg === undefined) {
    throw new DiagramError(
      `${where}: error: the diagram's drawing is not in the cache (${cache.dir}); build again`,
    );
  }
  delete props[SLOT.key];
  delete props[SLOT.where];
  figure.children = [svgElement(svg, uid, where)];
  return toHtml(figure);
}

/** The page with every diagram slot filled; `page` names it in errors. */
export function fillDiagramSlots(html: string, cache: DiagramCache, page: string): string {
  if (!html.includes(SLOT_ATTRIBUTE)) return html;
  return html.replace(EMPTY_FIGURE, (figure) =>
    figure.includes(SLOT_ATTRIBUTE) ? filled(figure, cache, page) : figure,
  );
}
