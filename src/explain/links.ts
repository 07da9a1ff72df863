/**
 * Links within the page: a link is made to a part of the page (a hook's section, a
 * conversation's why-section) before that part is built, and gets its `#id` once the whole
 * page is there, from the ids readers' renderers give headings (GitHub's slugs, which the
 * site's Markdown pipeline uses too).
 */
import GithubSlugger from 'github-slugger';
import type { Heading, Link, PhrasingContent, Root } from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';

/** The headings links can point to, by what they stand for (a stage walk, a why-section…). */
export type Anchors = Map<unknown, Heading>;

const KEY = 'nfwalkLinkTo';

/** A link to the heading that will be registered for `key`. */
export function linkTo(key: unknown, children: PhrasingContent[]): Link {
  return { type: 'link', url: '', children, data: { [KEY]: key } as never };
}

type Node = { type: string; children?: Node[]; data?: Record<string, unknown> };

function walk(n: Node, f: (n: Node) => void): void {
  f(n);
  for (const c of n.children ?? []) walk(c, f);
}

/** Gives every link made by linkTo the id of its heading; a link whose heading is absent becomes its text. */
export function resolveLinks(root: Root, anchors: Anchors): void {
  const slugger = new GithubSlugger();
  const ids = new Map<Heading, string>();
  walk(root as Node, (n) => {
    if (n.type === 'heading') ids.set(n as Heading, slugger.slug(mdastToString(n as Heading)));
  });
  walk(root as Node, (n) => {
    if (n.type !== 'link' || !n.data || !(KEY in n.data)) return;
    const target = anchors.get(n.data[KEY]);
    const id = target ? ids.get(target) : undefined;
    delete n.data[KEY];
    if (Object.keys(n.data).length === 0) delete n.data;
    (n as unknown as Link).url = id ? `#${id}` : '';
  });
}
