/**
 * The settings of the official `mermaid` package the site draws its diagrams with, with no
 * Node module in its imports: the build-time renderer (through mermaid-config.ts), the
 * in-browser fallback and the playground all read them from here.
 */
/**
 * - Labels are SVG text (`htmlLabels: false`): no HTML inside the SVG for the page's own styles
 *   to reach, and lines wrapped at build time stay inside the shapes drawn for them.
 * - `useMaxWidth: false`: a diagram keeps its size; one wider than the column scrolls in its
 *   figure instead of shrinking (its text would shrink with it).
 * - dagre layout and the classic look: mermaid 12's defaults (ELK, "neo") take several times
 *   as long per diagram and add drop shadows.
 * - Ids and the hand-drawn randomness come from fixed seeds, so a diagram renders the same
 *   bytes whatever was rendered before it.
 */
export const MERMAID_CONFIG = {
  startOnLoad: false,
  securityLevel: 'strict',
  deterministicIds: true,
  deterministicIDSeed: 'nfwalk',
  handDrawnSeed: 1,
  htmlLabels: false,
  layout: 'dagre',
  look: 'classic',
  fontFamily: 'system-ui, sans-serif',
  fontSize: 16,
  flowchart: { useMaxWidth: false, wrappingWidth: 280, padding: 12 },
  sequence: { useMaxWidth: false },
  state: { useMaxWidth: false },
} as const;

/** The theme of each of the site's colour schemes (Starlight's `data-theme`). */
export const MERMAID_THEMES = { light: 'default', dark: 'dark' } as const;
