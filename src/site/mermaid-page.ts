/// <reference lib="dom" />
/**
 * What runs inside the renderer's Chromium page, next to the official `mermaid` bundle: one
 * diagram in, one SVG out, ready to be inlined in any page and cached.
 *
 * The function is sent to the page as source text (playwright's `page.evaluate`), so it uses
 * nothing from this module's scope.
 *
 * - The diagram is drawn with the light theme. Its layout is the same in the dark theme; only
 *   the stylesheet differs. That stylesheet depends on the diagram type, its `classDef`s and
 *   the SVG's id alone, so it comes from a stub (the diagram's first line and its classDefs)
 *   drawn with the dark theme (once per page and stub: diagrams of one type without classDefs
 *   share it), and applies under `:root[data-theme='dark']`.
 * - Every id inside the SVG is renamed `<id>-<n>` in document order (and every reference to it
 *   follows): mermaid's own ids count diagrams rendered before, so the same source would give
 *   other bytes after another diagram.
 * - Math.random is seeded from the source before each drawing (rough.js paths use it).
 */

export interface PageRequest {
  source: string;
  /** The SVG's id: also the prefix of every id inside it. */
  id: string;
  config: Record<string, unknown>;
  themes: { light: string; dark: string };
}

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, source: string): Promise<{ svg: string }>;
}

export async function renderInPage(req: PageRequest): Promise<string> {
  const mermaid = (window as unknown as { mermaid: MermaidApi }).mermaid;

  // mulberry32, seeded with a FNV-1a hash of the source.
  let seed = 2166136261;
  for (let i = 0; i < req.source.length; i++) {
    seed = Math.imul(seed ^ req.source.charCodeAt(i), 16777619) >>> 0;
  }
  Math.random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const draw = async (theme: string, source: string): Promise<string> => {
    mermaid.initialize({ ...req.config, theme });
    return (await mermaid.render(req.id, source)).svg;
  };
  const styleOf = (svg: Element): Element => {
    const style = svg.querySelector(':scope > style');
    if (!style) throw new Error('mermaid drew an SVG without its stylesheet');
    return style;
  };
  const parse = (text: string): Element => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    if (root.nodeName !== 'svg') throw new Error('mermaid drew no SVG');
    return root;
  };

  const light = parse(await draw(req.themes.light, req.source));
  const lines = req.source.split('\n');
  const header = lines[0]?.trim() ?? '';
  const stub = /^(flowchart|graph|sequenceDiagram|stateDiagram(-v2)?)\b/.test(header)
    ? [header, ...lines.filter((l) => /^\s*classDef\s/.test(l))].join('\n')
    : req.source;
  // The dark stylesheet of a stub is the same whenever it is drawn (same id, theme and
  // settings): kept in the page by stub, it is drawn once for all the diagrams that share it.
  const page = window as unknown as { nfwDarkCss?: Map<string, string> };
  page.nfwDarkCss ??= new Map();
  const darkSheets = page.nfwDarkCss;
  const darkKey = JSON.stringify([req.id, req.themes.dark, req.config, stub]);
  let darkCss = darkSheets.get(darkKey);
  if (darkCss === undefined) {
    const dark = parse(await draw(req.themes.dark, stub));
    // Keyframes cannot nest in a style rule, and both themes have the same ones.
    darkCss = (styleOf(dark).textContent ?? '').replace(
      /@keyframes\s+[\w-]+\s*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}/g,
      '',
    );
    darkSheets.set(darkKey, darkCss);
  }

  const lightCss = styleOf(light).textContent ?? '';
  styleOf(light).textContent = `${lightCss}:root[data-theme='dark']{${darkCss}}`;

  const renamed = new Map<string, string>();
  for (const el of light.querySelectorAll('[id]')) {
    const old = el.getAttribute('id') ?? '';
    if (renamed.has(old)) el.removeAttribute('id');
    else {
      const id = `${req.id}-${renamed.size + 1}`;
      renamed.set(old, id);
      el.setAttribute('id', id);
    }
  }
  const refers = (value: string): string =>
    value.replace(/url\(\s*#([^)\s]+)\s*\)/g, (m, id: string) =>
      renamed.has(id) ? `url(#${renamed.get(id)})` : m,
    );
  for (const el of [light, ...light.querySelectorAll('*')]) {
    for (const attr of [...el.attributes]) {
      let value = attr.value;
      if (attr.name === 'href' || attr.name === 'xlink:href') {
        const id = value.startsWith('#') ? value.slice(1) : undefined;
        if (id && renamed.has(id)) value = `#${renamed.get(id)}`;
      } else if (attr.name === 'aria-labelledby' || attr.name === 'aria-describedby') {
        value = value
          .split(/\s+/)
          .map((id) => renamed.get(id) ?? id)
          .join(' ');
      } else value = refers(value);
      if (value !== attr.value) el.setAttribute(attr.name, value);
    }
  }
  // The stylesheet names the SVG's own id only (kept), and markers through url(#…).
  const style = styleOf(light);
  style.textContent = refers(style.textContent ?? '');
  light.setAttribute('id', req.id);
  return new XMLSerializer().serializeToString(light);
}
