/**
 * Turns explained scenarios into the MDX files Starlight renders: one page per scenario and
 * language, and an index of scenarios per language. Frontmatter is written with the yaml
 * library and the index is an mdast tree serialised by mdast-util-to-markdown, so no title or
 * summary from a scenario file ever becomes code.
 */
import type { Paragraph, PhrasingContent, Root, RootContent, Table, TableRow } from 'mdast';
import { gfmToMarkdown } from 'mdast-util-gfm';
import { type MdxJsxFlowElement, mdxToMarkdown } from 'mdast-util-mdx';
import { toMarkdown } from 'mdast-util-to-markdown';
import { toString as mdastToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { stringify } from 'yaml';
import type { Explained } from '../pipeline.ts';
import type { Lang } from '../scenario/model.ts';
import { groupByKind, KIND_TITLES } from './scenario-kinds.ts';

/** Components a scenario page may use, imported at the top of every generated page. */
export function componentImports(componentsDir: string): string {
  const path = (name: string) => JSON.stringify(`${componentsDir}/${name}.astro`);
  return [
    `import ChainListing from ${path('ChainListing')};`,
    `import Step from ${path('Step')};`,
    '',
  ].join('\n');
}

function frontmatter(data: Record<string, unknown>): string {
  return `---\n${stringify(data, { lineWidth: 0 })}---\n`;
}

const DOWNLOADS_TEXT = {
  en: { lead: 'Offline: ', html: 'this page as one HTML file', md: 'as Markdown' },
  ja: { lead: 'オフライン用: ', html: 'このページを 1 つの HTML ファイルで', md: 'Markdown で' },
} as const;

/**
 * The links to the page's single-file HTML and Markdown versions, which the build writes
 * beside the page (`<slug>.html`, `<slug>.md`; src/site/offline-integration.ts).
 */
const link = (url: string, label: string): PhrasingContent => ({
  type: 'link',
  url,
  children: [text(label)],
});

/** The paragraph linking to the page's single-file HTML and Markdown versions. */
function downloadsParagraph(slug: string, lang: Lang): Paragraph {
  const t = DOWNLOADS_TEXT[lang];
  return {
    type: 'paragraph',
    children: [
      text(t.lead),
      link(`./${slug}.html`, t.html),
      text(' · '),
      link(`./${slug}.md`, t.md),
    ],
  };
}

const PLAYGROUND_LINK = {
  en: 'Open this scenario in the playground',
  ja: 'このシナリオをプレイグラウンドで開く',
} as const;

/**
 * The paragraph linking a scenario page to the playground with its scenario loaded, relative
 * (the page is `scenarios/<slug>/`, the playground `playground/`, under the same language prefix).
 */
function playgroundParagraph(sourceFile: string, lang: Lang): Paragraph {
  const file = sourceFile.split('/').pop() ?? sourceFile;
  const url = `../../playground/#scenario=${encodeURIComponent(file)}`;
  return { type: 'paragraph', children: [link(url, PLAYGROUND_LINK[lang])] };
}

const toMdx = (root: Root) => toMarkdown(root, { extensions: [gfmToMarkdown(), mdxToMarkdown()] });

/** The playground link alone, as Markdown. */
export function playgroundLink(sourceFile: string, lang: Lang): string {
  return toMdx({ type: 'root', children: [playgroundParagraph(sourceFile, lang)] });
}

/**
 * The links above a scenario page's text, in one block the single-file page, print and the
 * playground's comparison leave out: the page's single-file HTML and Markdown versions, which
 * the build writes beside the page (`<slug>.html`, `<slug>.md`; src/site/offline-integration.ts),
 * and the playground.
 */
export function pageLinksBlock(sourceFile: string, lang: Lang, slug?: string): string {
  const block: MdxJsxFlowElement = {
    type: 'mdxJsxFlowElement',
    name: 'div',
    attributes: [{ type: 'mdxJsxAttribute', name: 'class', value: 'nfw-downloads' }],
    children: [
      ...(slug ? [downloadsParagraph(slug, lang)] : []),
      playgroundParagraph(sourceFile, lang),
    ],
  };
  return toMdx({ type: 'root', children: [block as unknown as RootContent] });
}

export function scenarioPage(
  explained: Explained,
  componentsDir: string,
  sourceFile: string,
  downloads?: { slug: string; lang: Lang },
): string {
  const data: Record<string, unknown> = { title: explained.title, nfwalkScenario: sourceFile };
  if (explained.summary) {
    data.description = firstLine(
      mdastToString(unified().use(remarkParse).parse(firstSentence(explained.summary))),
    );
  }
  const body = explained.markdown;
  // The explainer's MDX carries no frontmatter and no imports (CONTRACT.md): refuse otherwise,
  // rather than emitting two frontmatter blocks or clashing imports.
  if (/^\s*---\r?\n/.test(body)) {
    throw new Error(`${sourceFile}: error: the explainer's MDX starts with frontmatter`);
  }
  if (/^\s*(import|export)\s/m.test(body.split('\n\n')[0] ?? '')) {
    throw new Error(`${sourceFile}: error: the explainer's MDX starts with import/export`);
  }
  const links = `${pageLinksBlock(sourceFile, downloads?.lang ?? 'en', downloads?.slug)}\n`;
  return `${frontmatter(data)}\n${componentImports(componentsDir)}\n${links}${body.trimEnd()}\n`;
}

function firstLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** The summary's first sentence (Markdown, on one line). */
export function firstSentence(summary: string): string {
  const flat = summary.replace(/\s+/g, ' ').trim();
  const end = /[.!?](?=\s+[A-Z(`*_])|。/.exec(flat);
  return end ? flat.slice(0, end.index + end[0].length) : flat;
}

/** Links may point to http(s), mailto or a relative path; `javascript:` and the like become text. */
function safeUrl(url: string): boolean {
  const u = url.replace(/[\u0000-\u0020\u007f]/g, '');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u);
  return !scheme || /^(https?|mailto)$/i.test(scheme[1] ?? '');
}

/**
 * The summary's first sentence as inline Markdown nodes: emphasis, code and links survive;
 * raw HTML becomes text. Parsed as Markdown (not MDX), so nothing in it can run.
 */
export function summaryLead(summary: string): PhrasingContent[] {
  const lead = firstSentence(summary);
  const tree = unified().use(remarkParse).use(remarkGfm).parse(lead) as Root;
  const first = tree.children[0];
  if (first?.type !== 'paragraph') return [text(mdastToString(tree))];
  const clean = (nodes: PhrasingContent[]): PhrasingContent[] =>
    nodes.map((n): PhrasingContent => {
      if (n.type === 'html') return text(n.value);
      if ((n.type === 'link' || n.type === 'image') && !safeUrl(n.url))
        return text(lead.slice(n.position?.start.offset, n.position?.end.offset));
      if ('children' in n)
        return { ...n, children: clean(n.children as PhrasingContent[]) } as PhrasingContent;
      return n;
    });
  return clean(first.children);
}

export interface IndexEntry {
  slug: string;
  file: string;
  explained: Explained;
}

const INDEX_TEXT = {
  en: {
    title: 'Scenarios',
    description: 'Every scenario on this site: what it shows and how each conversation ends.',
    intro:
      'Each scenario is a host with its netfilter ruleset and the packets sent through it. Its page walks every packet of every conversation — the request and everything that comes back — hook by hook.',
    empty: 'There are no scenarios yet: add a scenario file to scenarios/ and build again.',
    headers: ['Scenario', 'What it shows', 'Conversations'],
  },
  ja: {
    title: 'シナリオ一覧',
    description: 'このサイトのすべてのシナリオと、各通信の結末。',
    intro:
      '各シナリオは、netfilter のルールセットを持つホストと、そこを通るパケットの組です。ページではすべての通信のすべてのパケット(リクエストと、戻ってくるものすべて)をhookごとに追います。',
    empty:
      'シナリオはまだありません。scenarios/ にシナリオファイルを追加して、もう一度ビルドしてください。',
    headers: ['シナリオ', '内容', '通信'],
  },
} as const;

/** Consecutive conversations with the same verdict, numbered from 1. */
export function verdictRuns(verdicts: string[]): { from: number; to: number; verdict: string }[] {
  const runs: { from: number; to: number; verdict: string }[] = [];
  verdicts.forEach((verdict, i) => {
    const last = runs.at(-1);
    if (last && last.verdict === verdict && last.to === i) last.to = i + 1;
    else runs.push({ from: i + 1, to: i + 1, verdict });
  });
  return runs;
}

function text(value: string): PhrasingContent {
  return { type: 'text', value };
}

/** The index of scenarios for one language, as an MDX page (no components). */
export function indexPage(entries: IndexEntry[], lang: Lang): string {
  const t = INDEX_TEXT[lang];
  const children: RootContent[] = [{ type: 'paragraph', children: [text(t.intro)] }];
  if (entries.length === 0) {
    children.push({ type: 'paragraph', children: [text(t.empty)] });
  } else {
    const header: TableRow = {
      type: 'tableRow',
      children: t.headers.map((hd) => ({ type: 'tableCell', children: [text(hd)] })),
    };
    for (const group of groupByKind(entries)) {
      children.push({
        type: 'heading',
        depth: 2,
        children: [text(KIND_TITLES[lang][group.kind])],
      });
      children.push(indexTable(header, group.items));
    }
  }
  const root: Root = { type: 'root', children };
  const body = toMarkdown(root, { extensions: [gfmToMarkdown(), mdxToMarkdown()] });
  return `${frontmatter({
    title: t.title,
    description: t.description,
    sidebar: { order: 0 },
    // A list of every page, it matched every search; the sidebar and home page lead to it.
    pagefind: false,
  })}\n${body}`;
}

/** One group's table: title, what it shows, how its conversations end. */
function indexTable(header: TableRow, entries: readonly IndexEntry[]): Table {
  const rows: TableRow[] = entries.map((e) => ({
    type: 'tableRow',
    children: [
      {
        type: 'tableCell',
        children: [{ type: 'link', url: `./${e.slug}/`, children: [text(e.explained.title)] }],
      },
      {
        type: 'tableCell',
        children: e.explained.summary ? summaryLead(e.explained.summary) : [],
      },
      {
        type: 'tableCell',
        // Numbered by position (1-based), whatever base the explainer's `index` uses; runs of
        // the same verdict are grouped: "#1–6 answered · #7–8 rejected".
        children: verdictRuns(e.explained.conversations.map((c) => c.verdict)).flatMap(
          (run, i): PhrasingContent[] => [
            ...(i > 0 ? [text(' · ')] : []),
            {
              type: 'strong',
              children: [text(run.from === run.to ? `#${run.from}` : `#${run.from}–${run.to}`)],
            },
            text(` ${run.verdict}`),
          ],
        ),
      },
    ],
  }));
  return { type: 'table', align: [null, null, null], children: [header, ...rows] };
}
