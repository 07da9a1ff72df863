/**
 * ```mermaid fences become inline SVG at build time, drawn by the official `mermaid` package in
 * headless Chromium (mermaid-browser.ts), so a page needs no script to show its diagrams.
 *
 * - Cached on disk by a hash of what the drawing depends on (mermaid-cache.ts): a rebuild draws
 *   only what changed.
 * - Light and dark: one SVG with both themes' stylesheets, the dark one under Starlight's
 *   `:root[data-theme='dark']`.
 * - Several diagrams on one page: each SVG's ids start with its own `nfw-d<n>`, and mermaid's
 *   stylesheet names that id, so diagrams cannot restyle each other or the page.
 * - Full size: a diagram wider than the column scrolls in its figure rather than shrinking.
 * - No browser on the machine: the figure carries the Mermaid source and the page loads the
 *   `mermaid` bundle from the site itself (copied there by mermaid-integration.ts), which draws
 *   it in the reader's browser; the build prints one warning saying what to install.
 * - A diagram mermaid cannot draw fails the build with its file, line and column.
 */
import type { Element, ElementContent, Root as HastRoot, Properties } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Code, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { chromiumPath, type MermaidBrowser, mermaidBrowser } from './mermaid-browser.ts';
import { CACHED_ID, DiagramCache, defaultCacheDir, diagramKey, lightKey } from './mermaid-cache.ts';
import { lightenSvg } from './mermaid-svgo.ts';
import { processWide } from './process-wide.ts';

/** Where the fallback's scripts are served from, under the site's base. */
export const FALLBACK_DIR = '_nfwalk';
export const FALLBACK_SCRIPTS = ['mermaid.min.js', 'mermaid-client.js'] as const;

export class DiagramError extends Error {
  override name = 'DiagramError';
}

export interface MermaidOptions {
  /** The site's base path (Astro's `base`), for the fallback's script URLs. */
  base?: string;
  /** The project root: the cache lives in its node_modules/.cache. */
  root?: string;
}

/**
 * What the build has done without a browser (mermaid-integration.ts copies the bundle then);
 * process-wide, so the content loader's copy of this module and the remark plugin's warn once
 * between them (process-wide.ts).
 */
export const fallback = processWide('mermaid.fallback', () => ({ used: false, warned: false }));

function warnOnce(why: string): void {
  if (fallback.warned) return;
  fallback.warned = true;
  console.warn(
    `[nfwalk] warning: diagrams are not drawn at build time: ${why}. Pages carry the Mermaid source and the reader's browser draws it. To draw them at build time, install Chromium (Debian: apt-get install chromium) or set NFWALK_CHROMIUM=/path/to/chromium.`,
  );
}

/**
 * The SVG of a diagram already drawn, as a page carries it (lightened by mermaid-svgo.ts), from
 * the cache alone: lightened now if only the drawing was kept; undefined if it was not drawn.
 */
export function cachedDiagramSvg(key: string, cache: DiagramCache): string | undefined {
  const light = lightKey(key);
  const done = cache.get(light);
  if (done !== undefined) return done;
  const drawn = cache.get(key);
  if (drawn === undefined) return undefined;
  const svg = lightenSvg(drawn);
  cache.set(light, svg);
  return svg;
}

/**
 * The SVG of one diagram as a page carries it (its ids start with CACHED_ID): drawn, lightened
 * by mermaid-svgo.ts, both steps cached; undefined when there is no browser to draw it. Throws
 * DiagramError when mermaid cannot draw it.
 */
export async function diagramSvg(
  source: string,
  where: string,
  cache: DiagramCache,
): Promise<string | undefined> {
  const key = diagramKey(source);
  const kept = cachedDiagramSvg(key, cache);
  if (kept !== undefined) return kept;
  const drawn = await drawnSvg(source, where, cache, key);
  if (drawn === undefined) return undefined;
  const svg = lightenSvg(drawn);
  cache.set(lightKey(key), svg);
  return svg;
}

/**
 * In a build (mermaid-integration.ts turns this on), a page does not carry its diagrams' SVG
 * through Astro: its figure is an empty slot naming the diagram's drawing (SLOT), Astro bundles
 * and renders the light page while the browser draws, and after Astro each slot is filled with
 * the SVG from the cache (mermaid-slots.ts). The dev server and one-off uses inline the SVG.
 *
 * The drawings start earlier still: the content loader, which explains the scenarios before
 * Astro compiles a page, hands over each page's diagrams as it goes (drawAhead), so the browser
 * draws while the explainer runs on the other core.
 *
 * One record per process: the loader runs in Vite's module runner and the remark plugin and the
 * integration in Node's own, two copies of this module in one build.
 */
interface Drawings {
  deferred: boolean;
  /** The drawings under way, by key; each resolves to why it failed, if it did. */
  drawing: Map<string, Promise<string | undefined>>;
  /** Where each drawing's diagram is written: the first page that carries it. */
  where: Map<string, string>;
  /** Drawings started ahead of their page, with what they were started for (a scenario). */
  ahead: Map<string, string>;
}

const drawings = processWide<Drawings>('mermaid.drawings', () => ({
  deferred: false,
  drawing: new Map(),
  where: new Map(),
  ahead: new Map(),
}));

export function deferDiagrams(on: boolean): void {
  drawings.deferred = on;
}

/** The hast properties of a slot: its drawing's key, and where the diagram is written. */
export const SLOT = { key: 'dataNfwSvg', where: 'dataNfwWhere' } as const;

/**
 * The key of the diagram's drawing, in the cache or being drawn from now on (not waited for);
 * undefined when there is no browser to draw it.
 */
async function deferredDiagram(
  source: string,
  where: string,
  cache: DiagramCache,
): Promise<string | undefined> {
  const key = diagramKey(source);
  if (drawings.drawing.has(key)) {
    if (!drawings.where.has(key)) drawings.where.set(key, where);
    drawings.ahead.delete(key);
    return key;
  }
  if (cache.has(lightKey(key)) || cache.has(key)) return key;
  const browser = await rendererBrowser();
  if (!browser) return undefined;
  if (!drawings.where.has(key)) drawings.where.set(key, where);
  drawings.ahead.delete(key);
  startDrawing(browser, source, cache, key);
  return key;
}

function startDrawing(
  browser: MermaidBrowser,
  source: string,
  cache: DiagramCache,
  key: string,
): void {
  if (drawings.drawing.has(key)) return;
  const done = drawWith(browser, source, cache, key).then(
    () => undefined,
    (error: unknown) =>
      error instanceof DiagramProblem
        ? error.message
        : `mermaid diagram not drawn: ${firstLine(error)}`,
  );
  drawings.drawing.set(key, done);
}

/**
 * In a build, starts drawing a page's diagrams before Astro compiles the page (the content
 * loader calls this with the Mermaid sources the explainer wrote; `from` names the scenario).
 * Does nothing outside a build, for diagrams already cached, or without a browser.
 */
export async function drawAhead(
  sources: readonly string[],
  from: string,
  root: string = process.cwd(),
): Promise<void> {
  if (!drawings.deferred || sources.length === 0) return;
  const cache = new DiagramCache(defaultCacheDir(root));
  const wanted = sources
    .map((source) => ({ source, key: diagramKey(source) }))
    .filter(
      ({ key }) => !drawings.drawing.has(key) && !cache.has(lightKey(key)) && !cache.has(key),
    );
  if (wanted.length === 0) return;
  const browser = await rendererBrowser();
  if (!browser) return;
  for (const { source, key } of wanted) {
    if (drawings.drawing.has(key)) continue;
    drawings.ahead.set(key, from);
    startDrawing(browser, source, cache, key);
  }
}

/**
 * Waits for every diagram drawn while Astro built; throws the first one that could not be drawn
 * (DiagramError, naming its file, line and column). Returns how many were drawn, and how many
 * of those were drawn ahead for a page that then did not carry them.
 */
export async function settleDiagrams(): Promise<{ drawn: number; unused: number }> {
  const draws = [...drawings.drawing];
  const unused = drawings.ahead.size;
  const failures = await Promise.all(draws.map(([, done]) => done));
  const where = new Map(drawings.where);
  const ahead = new Map(drawings.ahead);
  drawings.drawing.clear();
  drawings.where.clear();
  drawings.ahead.clear();
  for (const [i, [key]] of draws.entries()) {
    const why = failures[i];
    if (why === undefined) continue;
    const at = where.get(key) ?? `${ahead.get(key) ?? '<unknown page>'} (a diagram of its page)`;
    throw new DiagramError(`${at}: error: ${why}`);
  }
  return { drawn: draws.length, unused };
}

/** The build's browser, or undefined (and one warning) when there is none or it cannot start. */
async function rendererBrowser(): Promise<MermaidBrowser | undefined> {
  const chromium = chromiumPath();
  if ('missing' in chromium) {
    warnOnce(chromium.missing);
    return undefined;
  }
  try {
    return await mermaidBrowser(chromium.path);
  } catch (error) {
    warnOnce(`${chromium.path} did not start (${firstLine(error)})`);
    return undefined;
  }
}

/** Why mermaid drew no SVG, without where the diagram is written (the caller knows that). */
class DiagramProblem extends Error {}

/** The diagram drawn by the official renderer, cached under `key`. */
async function drawnSvg(
  source: string,
  where: string,
  cache: DiagramCache,
  key: string,
): Promise<string | undefined> {
  const browser = await rendererBrowser();
  if (!browser) return undefined;
  try {
    return await drawWith(browser, source, cache, key);
  } catch (error) {
    if (error instanceof DiagramProblem)
      throw new DiagramError(`${where}: error: ${error.message}`);
    throw error;
  }
}

async function drawWith(
  browser: MermaidBrowser,
  source: string,
  cache: DiagramCache,
  key: string,
): Promise<string> {
  let svg: string;
  try {
    svg = await browser.render(source, CACHED_ID);
  } catch (error) {
    const message = firstLines(error).replace(/^page\.evaluate:\s*(Error:\s*)?/, '');
    throw new DiagramProblem(`mermaid diagram cannot be rendered: ${message}`);
  }
  if (!/^<svg[\s>]/.test(svg) || !/<\/svg>$/.test(svg)) {
    throw new DiagramProblem('mermaid diagram rendered to no SVG');
  }
  cache.set(key, svg);
  return svg;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? '';
}

function firstLines(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split('\n')
    .slice(0, 4)
    .join('\n');
}

/** The SVG as a hast element whose ids start with `uid`; refuses references to other hosts. */
export function svgElement(svg: string, uid: string, where: string): Element {
  const fragment = fromHtml(svg, { fragment: true, space: 'svg' });
  const el = fragment.children.find((c): c is Element => c.type === 'element');
  if (el?.tagName !== 'svg') {
    throw new DiagramError(`${where}: error: mermaid SVG did not parse`);
  }
  const swap = (v: string) => v.replaceAll(CACHED_ID, uid);
  const remote = (v: string) => /(?:url\(\s*['"]?|@import\s*['"]?)(?:https?:)?\/\//i.test(v);
  visit(fragment as HastRoot, 'element', (node: Element) => {
    const props: Properties = node.properties;
    for (const [name, value] of Object.entries(props)) {
      if (typeof value === 'string') {
        props[name] = swap(value);
        if (/^(href|xLinkHref|src)$/.test(name) && /^(https?:)?\/\//i.test(value)) {
          throw new DiagramError(`${where}: error: SVG refers to a remote resource: ${value}`);
        }
        if (remote(value)) throw new DiagramError(`${where}: error: SVG loads ${value}`);
      } else if (Array.isArray(value)) {
        props[name] = value.map((v) => (typeof v === 'string' ? swap(v) : v));
      }
    }
    if (node.tagName === 'style') {
      for (const child of node.children) {
        if (child.type !== 'text') continue;
        child.value = swap(child.value);
        if (remote(child.value)) {
          throw new DiagramError(`${where}: error: SVG stylesheet loads a remote resource`);
        }
      }
    }
  });
  return el;
}

function locate(file: VFile, node: Code): string {
  const start = node.position?.start;
  const where = `${file.path ?? '<unknown file>'}:${start?.line ?? 0}:${start?.column ?? 0}`;
  // A generated scenario page names the scenario it was built from (frontmatter nfwalkScenario).
  const astro = file.data.astro as { frontmatter?: { nfwalkScenario?: unknown } } | undefined;
  const scenario = astro?.frontmatter?.nfwalkScenario;
  return typeof scenario === 'string' ? `${where} (page generated from ${scenario})` : where;
}

function figure(uid: string, children: ElementContent[], drawn: boolean, slot?: Properties): Code {
  const node = {
    type: 'nfwMermaid',
    data: {
      hName: 'figure',
      hProperties: {
        className: drawn ? ['nfw-mermaid'] : ['nfw-mermaid', 'nfw-mermaid-source'],
        dataDiagram: uid,
        ...slot,
      },
      hChildren: children,
    },
  };
  return node as unknown as Code;
}

/** The figure of a diagram with its SVG (or its slot), or undefined when it cannot be drawn. */
async function drawnFigure(
  source: string,
  uid: string,
  where: string,
  cache: DiagramCache,
): Promise<Code | undefined> {
  if (drawings.deferred) {
    const key = await deferredDiagram(source, where, cache);
    if (key === undefined) return undefined;
    return figure(uid, [], true, { [SLOT.key]: key, [SLOT.where]: where });
  }
  const svg = await diagramSvg(source, where, cache);
  if (svg === undefined) return undefined;
  return figure(uid, [svgElement(svg, uid, where)], true);
}

function fallbackScripts(base: string): Code {
  const dir = `${base.endsWith('/') ? base : `${base}/`}${FALLBACK_DIR}/`;
  const node = {
    type: 'nfwMermaidScripts',
    data: {
      hName: 'div',
      hProperties: { hidden: true },
      hChildren: FALLBACK_SCRIPTS.map(
        (name): Element => ({
          type: 'element',
          tagName: 'script',
          properties: { src: `${dir}${name}`, defer: true },
          children: [],
        }),
      ),
    },
  };
  return node as unknown as Code;
}

/**
 * The remark plugin: every ```mermaid fence becomes <figure class="nfw-mermaid"><svg…></figure>
 * (in a build: the figure's slot, filled after Astro), or, without a browser, a figure holding
 * the source and the scripts that draw it.
 */
export function remarkMermaid(options: MermaidOptions = {}) {
  const base = options.base ?? '/';
  const cache = new DiagramCache(defaultCacheDir(options.root ?? process.cwd()));
  return async (tree: Root, file: VFile) => {
    const fences: { node: Code; index: number; parent: { children: unknown[] } }[] = [];
    visit(tree, 'code', (node: Code, index, parent) => {
      if (node.lang !== 'mermaid' || !parent || index === undefined) return;
      fences.push({ node, index, parent });
    });
    // Drawn side by side (the browser has more than one renderer page), placed in order.
    const drawn = await Promise.all(
      fences.map(({ node }, i) =>
        drawnFigure(node.value, `nfw-d${i + 1}`, locate(file, node), cache),
      ),
    );
    let pending = false;
    const replaced = new Map<Code, Code>();
    for (const [i, { node }] of fences.entries()) {
      const done = drawn[i];
      if (done !== undefined) {
        replaced.set(node, done);
        continue;
      }
      fallback.used = true;
      pending = true;
      const pre: Element = {
        type: 'element',
        tagName: 'pre',
        properties: { className: ['mermaid'] },
        children: [{ type: 'text', value: node.value }],
      };
      replaced.set(node, figure(`nfw-d${i + 1}`, [pre], false));
    }
    for (const { node, parent } of fences) {
      const at = parent.children.indexOf(node);
      parent.children.splice(at, 1, replaced.get(node));
    }
    if (pending) tree.children.push(fallbackScripts(base) as unknown as Root['children'][number]);
  };
}
