/**
 * The explanation's diagrams, drawn in the reader's browser by the official `mermaid` bundle the
 * site serves itself under `_nfwalk/` (mermaid-integration.ts), loaded the first time a page
 * has a diagram: the playground's own script stays small and no other host is asked.
 */
import { MERMAID_CONFIG, MERMAID_THEMES } from '../mermaid-settings.ts';

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, source: string): Promise<{ svg: string }>;
}

let loading: Promise<MermaidApi> | undefined;

function loadMermaid(base: string): Promise<MermaidApi> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${base}_nfwalk/mermaid.min.js`;
    script.onload = () => resolve((window as unknown as { mermaid: MermaidApi }).mermaid);
    script.onerror = () => {
      loading = undefined;
      reject(new Error('the diagram renderer did not load'));
    };
    document.head.append(script);
  });
  return loading;
}

let drawing = 0;

/**
 * Draws every figure of `root` that holds Mermaid source. A later call (a newer page) makes an
 * earlier one stop between diagrams.
 */
export async function drawDiagrams(root: HTMLElement, base: string): Promise<void> {
  const figures = [...root.querySelectorAll<HTMLElement>('figure.nfw-mermaid-source')];
  if (figures.length === 0) return;
  const mine = ++drawing;
  const mermaid = await loadMermaid(base);
  const dark = document.documentElement.dataset.theme === 'dark';
  mermaid.initialize({
    ...MERMAID_CONFIG,
    theme: dark ? MERMAID_THEMES.dark : MERMAID_THEMES.light,
  });
  for (const figure of figures) {
    if (mine !== drawing) return;
    const source = figure.querySelector('pre.mermaid')?.textContent ?? '';
    try {
      const { svg } = await mermaid.render(`${figure.dataset.diagram}-pg${mine}`, source);
      if (mine !== drawing) return;
      figure.innerHTML = svg;
      figure.classList.replace('nfw-mermaid-source', 'nfw-mermaid-drawn');
    } catch (error) {
      console.error('nfwalk: diagram not drawn', error);
    }
  }
}
