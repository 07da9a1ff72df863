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
/** Drawn diagrams by theme and source: an edit that leaves a diagram alone redraws nothing. */
const drawn = new Map<string, string>();
let watcher: IntersectionObserver | undefined;

async function draw(figure: HTMLElement, mermaid: MermaidApi, theme: string, mine: number) {
  const source = figure.querySelector('pre.mermaid')?.textContent ?? '';
  const key = `${theme}\n${source}`;
  let svg = drawn.get(key);
  if (svg === undefined) {
    mermaid.initialize({ ...MERMAID_CONFIG, theme });
    try {
      svg = (await mermaid.render(`${figure.dataset.diagram}-pg${mine}`, source)).svg;
    } catch (error) {
      console.error('nfwalk: diagram not drawn', error);
      return;
    }
    drawn.set(key, svg);
  }
  if (mine !== drawing || !figure.isConnected) return;
  figure.innerHTML = svg;
  figure.classList.replace('nfw-mermaid-source', 'nfw-mermaid-drawn');
}

/**
 * Draws the figures of `root` that hold Mermaid source: at once those drawn before (the same
 * source), the others one by one as they come near the screen (mermaid works on the page's
 * thread). A later call (a newer page) makes an earlier one stop.
 */
export async function drawDiagrams(root: HTMLElement, base: string): Promise<void> {
  const figures = [...root.querySelectorAll<HTMLElement>('figure.nfw-mermaid-source')];
  watcher?.disconnect();
  if (figures.length === 0) return;
  const mine = ++drawing;
  const mermaid = await loadMermaid(base);
  const dark = document.documentElement.dataset.theme === 'dark';
  const theme: string = dark ? MERMAID_THEMES.dark : MERMAID_THEMES.light;
  let queue = Promise.resolve();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        queue = queue.then(() => draw(entry.target as HTMLElement, mermaid, theme, mine));
      }
    },
    { rootMargin: '400px' },
  );
  watcher = observer;
  for (const figure of figures) {
    const source = figure.querySelector('pre.mermaid')?.textContent ?? '';
    if (drawn.has(`${theme}\n${source}`)) await draw(figure, mermaid, theme, mine);
    else observer.observe(figure);
  }
}
