/**
 * ```mermaid fences become inline SVG at build time (beautiful-mermaid: pure JS, no browser).
 *
 * - Offline: the Google Fonts `@import` beautiful-mermaid writes into every SVG is removed.
 * - Light and dark: colours are Starlight's CSS variables, so the diagram follows the theme
 *   switch without re-rendering.
 * - Several diagrams on one page: each SVG's ids (arrow markers…) get a per-diagram prefix and
 *   its stylesheet is scoped to its own figure, so diagrams cannot restyle each other or the page.
 * - A diagram that cannot be rendered fails the build with its file, line and column.
 */

import { renderMermaidSVG } from 'beautiful-mermaid';
import type { Element, ElementContent } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Code, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';

/** Colours of every diagram: Starlight's theme variables (they change with the theme). */
export const DIAGRAM_COLOURS = {
  bg: 'var(--sl-color-bg)',
  fg: 'var(--sl-color-white)',
  line: 'var(--sl-color-gray-3)',
  accent: 'var(--sl-color-accent-high)',
  muted: 'var(--sl-color-gray-2)',
  surface: 'var(--sl-color-gray-6)',
  border: 'var(--sl-color-gray-4)',
  transparent: true,
  font: 'system-ui',
} as const;

export class DiagramError extends Error {
  override name = 'DiagramError';
}

/** Render one diagram to an SVG string fit for inlining; throws DiagramError on failure. */
export function renderDiagram(source: string, where: string, uid: string): string {
  let svg: string;
  try {
    svg = renderMermaidSVG(source, DIAGRAM_COLOURS);
  } catch (error) {
    throw new DiagramError(
      `${where}: error: mermaid diagram cannot be rendered: ${(error as Error).message}`,
    );
  }
  if (!/^\s*<svg[\s>]/.test(svg) || !/<\/svg>\s*$/.test(svg)) {
    throw new DiagramError(`${where}: error: mermaid diagram rendered to no SVG`);
  }
  return offlineScoped(svg, uid);
}

/** Drop remote imports, make ids unique to this diagram, scope its <style> to its figure. */
export function offlineScoped(svg: string, uid: string): string {
  let out = svg
    // `font: 'system-ui'` is written quoted (a font named "system-ui"); keep the generic family.
    .replace(/'system-ui',\s*/g, '')
    .replace(/@import\s+url\([^)]*\)\s*;?/g, '')
    .replace(/@import\s+["'][^"']*["']\s*;?/g, '');
  const ids = [...out.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string);
  for (const id of new Set(ids)) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out
      .replace(new RegExp(`\\sid="${esc}"`, 'g'), ` id="${uid}-${id}"`)
      .replace(new RegExp(`url\\(#${esc}\\)`, 'g'), `url(#${uid}-${id})`)
      .replace(new RegExp(`href="#${esc}"`, 'g'), `href="#${uid}-${id}"`);
  }
  // Nest the SVG's own rules under its figure (CSS nesting): `svg {…}` and `text {…}` stop
  // applying to every SVG on the page.
  out = out.replace(
    /<style>([\s\S]*?)<\/style>/g,
    (_m, css: string) => `<style>[data-diagram="${uid}"] {${css}}</style>`,
  );
  if (/https?:\/\//.test(out.replace(/xmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, ''))) {
    throw new DiagramError(`diagram ${uid}: error: SVG still refers to a remote resource`);
  }
  return out;
}

function locate(file: VFile, node: Code): string {
  const start = node.position?.start;
  const where = `${file.path ?? '<unknown file>'}:${start?.line ?? 0}:${start?.column ?? 0}`;
  // A generated scenario page names the scenario it was built from (frontmatter nfwalkScenario).
  const astro = file.data.astro as { frontmatter?: { nfwalkScenario?: unknown } } | undefined;
  const scenario = astro?.frontmatter?.nfwalkScenario;
  return typeof scenario === 'string' ? `${where} (page generated from ${scenario})` : where;
}

/** The remark plugin: every ```mermaid fence becomes <figure class="nfw-mermaid"><svg…></figure>. */
export function remarkMermaid() {
  return (tree: Root, file: VFile) => {
    let count = 0;
    visit(tree, 'code', (node: Code, index, parent) => {
      if (node.lang !== 'mermaid' || !parent || index === undefined) return;
      count += 1;
      const uid = `nfw-d${count}`;
      const svg = renderDiagram(node.value, locate(file, node), uid);
      const fragment = fromHtml(svg, { fragment: true, space: 'svg' });
      const svgEl = fragment.children.find((c): c is Element => c.type === 'element');
      if (!svgEl) throw new DiagramError(`${locate(file, node)}: error: mermaid SVG did not parse`);
      const figure = {
        type: 'nfwMermaid',
        data: {
          hName: 'figure',
          hProperties: { className: ['nfw-mermaid'], dataDiagram: uid },
          hChildren: [svgEl as ElementContent],
        },
      };
      parent.children.splice(index, 1, figure as unknown as Code);
    });
  };
}
