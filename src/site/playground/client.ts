/**
 * The playground page: the two editors, the picker of bundled scenarios, the walk in a worker
 * (debounced as the user types), the explanation with its diagrams, the errors at their place,
 * and sharing (the state in the address's fragment), Copy as Markdown and Download.
 */
import type { Diagnostic } from '../../ruleset/diagnostics.ts';
import { detectFormat } from '../../ruleset/format.ts';
import type { Lang } from '../../scenario/model.ts';
import { drawDiagrams } from './diagrams.ts';
import { createEditor, type Editor } from './editors.ts';
import { loadGalleryScenario, rulesetPathOf } from './gallery.ts';
import { copyText, downloadText } from './output.ts';
import { decodeState, encodeState, type PlaygroundState } from './share.ts';
import { UI_TEXT, type UiText } from './ui-text.ts';
import { type Answer, createWalker, type SpawnWorker } from './walker.ts';

export const DEBOUNCE_MS = 300;

interface MarkdownSlot {
  id: number;
  markdown: Promise<string>;
  resolve: (markdown: string) => void;
}

interface Page {
  root: HTMLElement;
  lang: Lang;
  base: string;
  text: UiText;
  scenario: Editor;
  ruleset: Editor;
  /** The scenario's file name: shown in messages, and the name Download gives it. */
  file: string;
  /** The last good page: its Markdown (once written), the ruleset file the scenario names. */
  good?: { markdown: Promise<string>; rulesetPath: string };
  /** The newest walk's Markdown, which the worker sends before or after its page. */
  markdownFor?: MarkdownSlot;
  rulesetPath?: string;
  /** Set while a scenario is loaded into the editors: their changes are not typing. */
  quiet: boolean;
}

function el<T extends HTMLElement>(root: HTMLElement, name: string): T {
  const found = root.querySelector<T>(`[data-pg="${name}"]`);
  if (!found) throw new Error(`playground: no [data-pg="${name}"]`);
  return found;
}

function setStatus(page: Page, message: string, busy: boolean): void {
  el(page.root, 'status').textContent = message;
  el<HTMLProgressElement>(page.root, 'progress').hidden = !busy;
  el(page.root, 'explanation').setAttribute('aria-busy', String(busy));
}

function showErrors(page: Page, diagnostics: readonly Diagnostic[], rulesetPath?: string): void {
  const inRuleset = (d: Diagnostic) => rulesetPath !== undefined && d.file === rulesetPath;
  const list = el(page.root, 'errors');
  list.replaceChildren(
    ...diagnostics.map((d) => {
      const li = document.createElement('li');
      const at = document.createElement('button');
      at.type = 'button';
      at.textContent = `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
      // Each error leads to its place in its editor.
      at.addEventListener('click', () =>
        (inRuleset(d) ? page.ruleset : page.scenario).reveal(d.line, d.col),
      );
      li.append(at);
      return li;
    }),
  );
  list.hidden = diagnostics.length === 0;
  page.ruleset.mark(diagnostics.filter(inRuleset));
  page.scenario.mark(diagnostics.filter((d) => !inRuleset(d)));
}

/** Inserts the pieces into `into`, yielding to the page every few milliseconds. */
async function insertPieces(into: HTMLElement, pieces: readonly string[]): Promise<void> {
  let slice = performance.now();
  for (const piece of pieces) {
    // HTML serialised from a syntax tree in the worker (render.ts): every input text is escaped.
    into.insertAdjacentHTML('beforeend', piece);
    if (performance.now() - slice > 12) {
      await new Promise((resolve) => setTimeout(resolve));
      slice = performance.now();
    }
  }
}

function markdownSlot(page: Page, id: number): MarkdownSlot {
  if (page.markdownFor?.id !== id) {
    let resolve: (markdown: string) => void = () => {};
    const markdown = new Promise<string>((r) => {
      resolve = r;
    });
    page.markdownFor = { id, markdown, resolve };
  }
  return page.markdownFor;
}

let showing = 0;

/** Shows a new page: built aside, piece by piece, then put in place of the last one. */
async function showPage(page: Page, answer: Extract<Answer, { kind: 'page' }>): Promise<boolean> {
  const mine = ++showing;
  const fresh = document.createElement('div');
  fresh.innerHTML = `<h2 class="nfw-pg-title">${escapeHtml(answer.title)}</h2>`;
  await insertPieces(fresh, answer.html);
  if (mine !== showing) return false;
  const region = el(page.root, 'explanation');
  region.replaceChildren(...fresh.childNodes);
  region.classList.remove('nfw-pg-stale');
  page.good = { markdown: markdownSlot(page, answer.id).markdown, rulesetPath: answer.rulesetPath };
  el(page.root, 'format').textContent = page.text.formats[answer.rulesetFormat] ?? '';
  page.ruleset.showAs(answer.rulesetFormat);
  drawDiagrams(region, page.base).catch((error: unknown) => console.error('nfwalk:', error));
  return true;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function onAnswer(page: Page, answer: Answer): void {
  if (answer.kind === 'markdown') {
    markdownSlot(page, answer.id).resolve(answer.markdown);
    return;
  }
  if (answer.kind === 'page') {
    showErrors(page, []);
    showPage(page, answer).then((shown) => {
      if (shown) setStatus(page, page.text.updated(Math.round(answer.millis)), false);
    });
    return;
  }
  el(page.root, 'explanation').classList.add('nfw-pg-stale');
  if (answer.kind === 'errors') {
    page.rulesetPath = answer.rulesetPath;
    showErrors(page, answer.diagnostics, answer.rulesetPath);
    setStatus(page, page.text.hasErrors(answer.diagnostics.length), false);
  } else {
    showErrors(page, []);
    setStatus(page, page.text.failed(answer.message), false);
  }
}

function state(page: Page): PlaygroundState {
  return { file: page.file, scenario: page.scenario.text(), ruleset: page.ruleset.text() };
}

function debounced(walk: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(walk, DEBOUNCE_MS);
  };
}

function load(page: Page, from: PlaygroundState, walk: () => void): void {
  page.file = from.file;
  page.quiet = true;
  try {
    page.scenario.setText(from.scenario);
    page.ruleset.setText(from.ruleset);
    page.ruleset.showAs(detectFormat(from.ruleset, rulesetPathOf(from.scenario) ?? ''));
  } finally {
    page.quiet = false;
  }
  walk();
}

function wireButtons(page: Page): void {
  el(page.root, 'copy-md').addEventListener('click', async () => {
    if (page.good) copyText(await page.good.markdown, el(page.root, 'status'), page.text.copied);
  });
  el(page.root, 'copy-link').addEventListener('click', async () => {
    history.replaceState(null, '', `#${await encodeState(state(page))}`);
    copyText(location.href, el(page.root, 'status'), page.text.linkCopied);
  });
  el(page.root, 'download-scenario').addEventListener('click', () =>
    downloadText(page.file, page.scenario.text()),
  );
  el(page.root, 'download-ruleset').addEventListener('click', () => {
    const name = page.good?.rulesetPath ?? page.rulesetPath ?? 'ruleset.nft';
    downloadText(name.split('/').pop() ?? name, page.ruleset.text());
  });
  // The step numbers link inside the explanation: scroll there, keep the shared state in the
  // fragment.
  el(page.root, 'explanation').addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest<HTMLAnchorElement>('a[href^="#"]');
    if (!link) return;
    event.preventDefault();
    document.getElementById(decodeURIComponent(link.hash.slice(1)))?.scrollIntoView();
  });
}

/** How the page at hand gets its worker, and where the site's root is (for its files). */
export interface PlaygroundHost {
  spawnWorker: SpawnWorker;
  /** The site's root URL; the page's `data-base` when not given. */
  base?: string;
}

export async function startPlayground(root: HTMLElement, host: PlaygroundHost): Promise<void> {
  const lang: Lang = root.dataset.lang === 'ja' ? 'ja' : 'en';
  const base = host.base ?? root.dataset.base ?? '/';
  const page = { root, lang, base, text: UI_TEXT[lang], file: '' };
  let schedule = () => {};
  const changed = () => {
    if (!full.quiet) schedule();
  };
  const full: Page = {
    ...page,
    scenario: createEditor(el(root, 'scenario'), page.text.scenario, 'scenario', changed),
    ruleset: createEditor(el(root, 'ruleset'), page.text.ruleset, 'ruleset', changed),
    quiet: false,
  };
  const walker = createWalker(
    host.spawnWorker,
    () => setStatus(full, full.text.working, true),
    (answer) => onAnswer(full, answer),
  );
  const walk = () => {
    setStatus(full, full.text.working, true);
    walker.run({ ...state(full), scenarioFile: full.file, lang });
    encodeState(state(full)).then((f) => history.replaceState(null, '', `#${f}`));
  };
  schedule = debounced(walk);
  wireButtons(full);
  const picker = el<HTMLSelectElement>(root, 'picker');
  picker.addEventListener('change', async () =>
    load(full, await loadGalleryScenario(picker.value), walk),
  );
  // A shared state, or a scenario page's link (`#scenario=<file>`), or the seed.
  const shared = await decodeState(location.hash);
  const named = /^#scenario=([^&]+)$/.exec(location.hash)?.[1];
  const option = named && [...picker.options].find((o) => o.value === decodeURIComponent(named));
  if (shared) picker.value = '';
  else if (option) picker.value = option.value;
  load(full, shared ?? (await loadGalleryScenario(picker.value)), walk);
}
