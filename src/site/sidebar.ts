/**
 * The site's sidebar: every guide page and every scenario page, in each language.
 *
 * Starlight's `autogenerate` finds a directory's pages by their file path under
 * src/content/docs/, and none of ours is there (hand-written pages are in content/docs/, the
 * scenario pages are generated under .astro/nfwalk-pages/ by the loader), so both groups came
 * out empty. The groups are listed here by entry id instead, from the same files the loader
 * reads: Starlight turns each id into the page of the current language (`guide/cli` on an
 * English page, `ja/guide/cli` on a Japanese one) and takes its label from the page's title.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { entryId } from './loader.ts';
import { scenarioFiles, scenarioSlug } from './scenarios.ts';

export interface SidebarGroup {
  label: string;
  translations: Record<string, string>;
  items: { slug: string }[];
}

/** The guide's pages (content/docs/guide/), in their frontmatter's `sidebar.order`. */
export function guideSlugs(contentDir: string): string[] {
  const dir = join(contentDir, 'guide');
  const pages = readdirSync(dir)
    .filter((name) => /\.mdx?$/.test(name))
    .map((name) => ({ id: entryId(`guide/${name}`), order: sidebarOrder(join(dir, name)) }));
  pages.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return pages.map((p) => p.id);
}

/** The scenario pages: the index, then one per scenario file, in file-name order. */
export function scenarioSlugs(scenariosDir: string): string[] {
  return ['scenarios', ...scenarioFiles(scenariosDir).map((f) => `scenarios/${scenarioSlug(f)}`)];
}

export function siteSidebar(contentDir: string, scenariosDir: string): SidebarGroup[] {
  return [
    {
      label: 'Guide',
      translations: { ja: 'ガイド' },
      items: guideSlugs(contentDir).map((slug) => ({ slug })),
    },
    {
      label: 'Scenarios',
      translations: { ja: 'シナリオ' },
      items: scenarioSlugs(scenariosDir).map((slug) => ({ slug })),
    },
  ];
}

/** `sidebar.order` from a page's frontmatter; pages without one go last, as in Starlight. */
function sidebarOrder(file: string): number {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(file, 'utf8'));
  const data = m ? (parse(m[1] as string) as { sidebar?: { order?: unknown } } | null) : null;
  const order = data?.sidebar?.order;
  return typeof order === 'number' ? order : Number.MAX_SAFE_INTEGER;
}
