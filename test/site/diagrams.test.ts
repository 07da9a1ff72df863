/// <reference lib="dom" />
/**
 * The diagrams of the built site, measured in chromium at a 1400 px wide window, in the light
 * and the dark theme, on the seed scenario's page and the two largest scenario pages:
 *
 * - every diagram is an inline SVG drawn by the official mermaid (its aria-roledescription),
 *   not a leftover source block;
 * - no text is smaller than 12 CSS px as shown (a diagram is never scaled down);
 * - every label lies inside the shape drawn for it (nodes, subgraphs, actors, notes);
 * - nothing is clipped: a diagram wider than the column scrolls in its figure, with a shadow
 *   at the side where there is more to see and none at a side already reached;
 * - label text stands out from what is behind it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing } from './support/browser.ts';
import { OUT } from './support/build.ts';
import { useServedSite } from './support/served-site.ts';

const SEED = 'seed-docker-firewalld-radius';
const WIDTH = 1400;

/** The seed page and the two largest other scenario pages (English), by HTML size. */
function pagesToMeasure(): string[] {
  const dir = join(OUT, 'scenarios');
  const largest = readdirSync(dir)
    .filter((slug) => slug !== SEED)
    .flatMap((slug) => {
      try {
        return [{ slug, size: statSync(join(dir, slug, 'index.html')).size }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.size - a.size || a.slug.localeCompare(b.slug))
    .slice(0, 2)
    .map((p) => p.slug);
  return [SEED, ...largest].map((slug) => `scenarios/${slug}/`);
}

interface Measured {
  figures: number;
  drawnBy: string[];
  sources: number;
  smallestText: { px: number; text: string };
  outside: string[];
  clipped: string[];
  shrunk: string[];
  lowContrast: string[];
}

/** Runs in the page: everything the assertions need, with the offending labels named. */
function measure(): Measured {
  const rgb = (c: string): number[] => {
    const ctx = document.createElement('canvas').getContext('2d');
    if (!ctx) return [0, 0, 0];
    ctx.fillStyle = c;
    ctx.fillRect(0, 0, 1, 1);
    return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3);
  };
  const lum = (c: number[]) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
  };
  const contrast = (a: string, b: string) => {
    const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
    return ((x ?? 0) + 0.05) / ((y ?? 0) + 0.05);
  };
  const pageBg = getComputedStyle(document.body).backgroundColor;
  const inside = (inner: DOMRect, outer: DOMRect) =>
    inner.left >= outer.left - 1 &&
    inner.right <= outer.right + 1 &&
    inner.top >= outer.top - 1 &&
    inner.bottom <= outer.bottom + 1;
  const textOf = (el: Element) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();

  const out: Measured = {
    figures: 0,
    drawnBy: [],
    sources: document.querySelectorAll('.nfw-mermaid pre.mermaid').length,
    smallestText: { px: Number.POSITIVE_INFINITY, text: '' },
    outside: [],
    clipped: [],
    shrunk: [],
    lowContrast: [],
  };
  for (const figure of document.querySelectorAll('figure.nfw-mermaid')) {
    out.figures += 1;
    const svg = figure.querySelector(':scope > svg') as SVGSVGElement | null;
    out.drawnBy.push(svg?.getAttribute('aria-roledescription') ?? '(no svg)');
    if (!svg) continue;
    const name = `${figure.getAttribute('data-diagram')} (${svg.getAttribute('aria-roledescription')})`;

    // Full size, and scrollable when wider than the figure.
    const drawnWidth = svg.width.baseVal.value;
    if (Math.abs(svg.getBoundingClientRect().width - drawnWidth) > 1) {
      out.shrunk.push(`${name}: ${svg.getBoundingClientRect().width} of ${drawnWidth} px`);
    }
    const f = figure as HTMLElement;
    const overflowX = getComputedStyle(f).overflowX;
    if (f.scrollWidth > f.clientWidth + 1 && !['auto', 'scroll'].includes(overflowX)) {
      out.clipped.push(
        `${name}: ${f.scrollWidth} px in ${f.clientWidth} px, overflow ${overflowX}`,
      );
    }
    const column = f.closest('.sl-markdown-content')?.getBoundingClientRect();
    if (column && f.getBoundingClientRect().right > column.right + 1) {
      out.clipped.push(`${name}: the figure runs past the column`);
    }

    for (const text of svg.querySelectorAll('text')) {
      const t = textOf(text);
      if (!t) continue;
      const scale = (text as SVGTextElement).getScreenCTM()?.a ?? 1;
      const px = Number.parseFloat(getComputedStyle(text).fontSize) * scale;
      if (px < out.smallestText.px) out.smallestText = { px, text: `${name}: ${t}` };
    }

    // Labels and the shapes drawn for them.
    const pairs: { shape: Element | null; label: Element | null; what: string }[] = [];
    for (const node of svg.querySelectorAll('g.node')) {
      pairs.push({
        shape: node.querySelector(
          ':scope > rect, :scope > polygon, :scope > path, :scope > circle, :scope > g > path',
        ),
        label: node.querySelector(':scope > g.label text'),
        what: 'node',
      });
    }
    for (const cluster of svg.querySelectorAll('g.cluster')) {
      pairs.push({
        shape: cluster.querySelector(':scope > rect'),
        label: cluster.querySelector('.cluster-label text'),
        what: 'subgraph',
      });
    }
    for (const note of svg.querySelectorAll('rect.note')) {
      pairs.push({
        shape: note,
        label: note.parentElement?.querySelector('text.noteText') ?? null,
        what: 'note',
      });
    }
    for (const actor of svg.querySelectorAll('rect.actor')) {
      pairs.push({
        shape: actor,
        label: actor.parentElement?.querySelector('text.actor') ?? null,
        what: 'actor',
      });
    }
    for (const { shape, label, what } of pairs) {
      if (!shape || !label || !textOf(label)) continue;
      const s = shape.getBoundingClientRect();
      const l = label.getBoundingClientRect();
      if (!inside(l, s)) {
        out.outside.push(
          `${name}: ${what} "${textOf(label)}" at [${l.left.toFixed(0)},${l.top.toFixed(0)} ${l.width.toFixed(0)}×${l.height.toFixed(0)}] outside [${s.left.toFixed(0)},${s.top.toFixed(0)} ${s.width.toFixed(0)}×${s.height.toFixed(0)}]`,
        );
      }
      const fill = getComputedStyle(shape).fill;
      const behind = fill.startsWith('rgb') && !fill.startsWith('rgba(0, 0, 0, 0)') ? fill : pageBg;
      // The colour the text is painted in: its innermost tspan's (mermaid colours actors'
      // text elements like their boxes and their tspans in the text colour).
      const ink = [...label.querySelectorAll('tspan')].find(
        (t) => t.children.length === 0 && textOf(t),
      );
      const ratio = contrast(getComputedStyle(ink ?? label).fill, behind);
      if (ratio < 4.5) {
        out.lowContrast.push(`${name}: ${what} "${textOf(label)}" ${ratio.toFixed(2)}:1`);
      }
    }
  }
  return out;
}

if (chromiumMissing) console.warn(`diagram browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('the site’s diagrams at 1400 px', () => {
  const site = useServedSite();
  let pages: string[] = [];
  beforeAll(() => {
    pages = pagesToMeasure();
  });

  async function open(path: string, scheme: 'light' | 'dark'): Promise<Page> {
    const page = await site.browser.context.newPage();
    await page.setViewportSize({ width: WIDTH, height: 1000 });
    await page.emulateMedia({ colorScheme: scheme });
    const response = await page.goto(site.server.url + path, { waitUntil: 'load' });
    expect(response?.status(), path).toBe(200);
    expect(await page.getAttribute('html', 'data-theme')).toBe(scheme);
    return page;
  }

  /**
   * The median brightness (0-255) of a strip 3 px wide at a figure's left or right edge, as
   * the reader sees it: most of a strip is the page behind the diagram, so a shadow there moves
   * the median and the diagram's own lines do not.
   */
  async function edge(page: Page, figure: number, side: 'left' | 'right'): Promise<number> {
    const box = await page.evaluate((i) => {
      const r = (
        document.querySelectorAll('.nfw-mermaid')[i] as HTMLElement
      ).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }, figure);
    const x = side === 'left' ? box.x + 1 : box.x + box.width - 4;
    const png = await page.screenshot({ clip: { x, y: box.y, width: 3, height: box.height } });
    return page.evaluate(async (b64) => {
      const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
      const bmp = await createImageBitmap(blob);
      const canvas = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
      ctx.drawImage(bmp, 0, 0);
      const px = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      const lum: number[] = [];
      for (let k = 0; k < px.length; k += 4)
        lum.push(
          0.2126 * (px[k] as number) +
            0.7152 * (px[k + 1] as number) +
            0.0722 * (px[k + 2] as number),
        );
      lum.sort((a, b) => a - b);
      return lum[lum.length >> 1] as number;
    }, png.toString('base64'));
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`a diagram wider than its column shows a shadow where there is more to see (${scheme})`, async () => {
      const page = await open(`scenarios/${SEED}/`, scheme);
      // The first wide diagram shown without opening anything (not in a closed <details>).
      const figure = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.nfw-mermaid')].findIndex(
          (f) => f.scrollWidth > f.clientWidth + 50 && f.getClientRects().length > 0,
        ),
      );
      expect(figure, 'a wide diagram on the seed page').toBeGreaterThanOrEqual(0);
      await page.evaluate((i) => {
        const f = document.querySelectorAll('.nfw-mermaid')[i] as HTMLElement;
        f.scrollIntoView({ block: 'center' });
        f.scrollLeft = 0;
      }, figure);
      const start = {
        left: await edge(page, figure, 'left'),
        right: await edge(page, figure, 'right'),
      };
      await page.evaluate((i) => {
        const f = document.querySelectorAll('.nfw-mermaid')[i] as HTMLElement;
        f.scrollLeft = f.scrollWidth;
      }, figure);
      const end = {
        left: await edge(page, figure, 'left'),
        right: await edge(page, figure, 'right'),
      };
      await page.close();
      // Light: the shadow darkens the page's white; dark: it lightens the page's near-black.
      const shaded = (v: number, plain: number) =>
        scheme === 'light' ? plain - v > 15 : v - plain > 15;
      expect(shaded(start.right, start.left), `at the start: ${JSON.stringify(start)}`).toBe(true);
      expect(shaded(end.left, end.right), `at the end: ${JSON.stringify(end)}`).toBe(true);
    }, 120_000);
  }

  it('measures the seed page and the two largest scenario pages', () => {
    expect(pages).toHaveLength(3);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`every diagram is drawn by mermaid, legible, inside its shapes and unclipped (${scheme})`, async () => {
      for (const path of pages) {
        const page = await open(path, scheme);
        const m = await page.evaluate(measure);
        await page.close();
        expect(m.figures, path).toBeGreaterThan(2);
        expect(m.sources, `${path}: diagrams left as source`).toBe(0);
        for (const by of m.drawnBy)
          expect(by, path).toMatch(/^(flowchart-v2|sequence|stateDiagram)$/);
        expect(m.smallestText.px, `${path}: ${m.smallestText.text}`).toBeGreaterThanOrEqual(12);
        expect(m.outside, path).toEqual([]);
        expect(m.clipped, path).toEqual([]);
        expect(m.shrunk, path).toEqual([]);
        expect(m.lowContrast, path).toEqual([]);
      }
    }, 300_000);
  }
});
