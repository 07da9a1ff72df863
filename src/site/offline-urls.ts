/**
 * The built site, readable from a folder (`file://`) as well as from any static server, also
 * under a sub-path: every URL a page holds to the site itself becomes a path relative to that
 * page, and a folder's URL names its `index.html` (file:// has no directory index).
 *
 * Pages are rewritten as hast trees (hast-util-from-html / hast-util-to-html), never as text.
 * Module scripts cannot be loaded from file:// (Chromium refuses them as cross-origin), so
 * each one becomes a `data:` module holding its code, its static imports inlined the same way;
 * a script that imports code lazily (the search) cannot, and is loaded only when served over
 * HTTP — from a folder the search says in one line that it needs a server.
 */
import { posix } from 'node:path';
import type { Element, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toHtml } from 'hast-util-to-html';
import { visit } from 'unist-util-visit';

/** What the rewriter needs to know about the built site. */
export interface SiteFiles {
  /** The site's base path, starting and ending with `/`. */
  base: string;
  /** Whether a file exists, by its path under the output folder (`guide/cli/index.html`). */
  exists(path: string): boolean;
  /** A script's code, by its path under the output folder. */
  read(path: string): string;
}

/** Inlined modules by path, per site (every page loads the same few scripts). */
const inlined = new WeakMap<SiteFiles, Map<string, string | undefined>>();

/** Attributes that hold one URL, by property name as hast names them. */
/** Attributes holding a URL into the site (`data-file-script`: the playground's, file-script.ts). */
const URL_PROPERTIES = ['href', 'src', 'poster', 'action', 'xLinkHref', 'dataFileScript'] as const;

/**
 * `url` (as written in a page at `page`, a path under the output folder) relative to that page,
 * or undefined when it does not point into the site (another host, a fragment, data:…).
 */
export function relativeUrl(url: string, page: string, site: SiteFiles): string | undefined {
  if (isRelativeFolder(url)) return folderIndex(url, page, site);
  if (!url.startsWith(site.base) || url.startsWith('//')) return undefined;
  const rest = url.slice(site.base.length);
  const cut = rest.search(/[?#]/);
  const path = decodeURI(cut < 0 ? rest : rest.slice(0, cut));
  const tail = cut < 0 ? '' : rest.slice(cut);
  let target = path;
  if (path === '' || path.endsWith('/')) {
    const index = `${path}index.html`;
    if (site.exists(index)) target = index;
  }
  const from = posix.dirname(page);
  let relative = posix.relative(from, target || '.');
  if (target.endsWith('/') && relative !== '') relative += '/';
  if (relative === '') relative = './';
  return encodeURI(relative) + tail;
}

/** A relative URL naming a folder (`./x/`, `../`, `x/#a`): no scheme, no leading / or #. */
function isRelativeFolder(url: string): boolean {
  if (/^([a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(url)) return false;
  const path = url.split(/[?#]/)[0] ?? '';
  return path === '' || path.endsWith('/') || path === '.' || path === '..';
}

/** A relative folder URL written in a page, naming the folder's index.html when it has one. */
function folderIndex(url: string, page: string, site: SiteFiles): string | undefined {
  const cut = url.search(/[?#]/);
  const path = cut < 0 ? url : url.slice(0, cut);
  if (path === '') return undefined; // the page itself (`?q`, `#a`)
  const folder = path.endsWith('/') ? path : `${path}/`;
  const target = posix.join(posix.dirname(page), decodeURI(folder), 'index.html');
  if (!site.exists(target)) return undefined;
  return `${folder}index.html${cut < 0 ? '' : url.slice(cut)}`;
}

/** The code of the script at `path` with its static imports of other chunks inlined. */
function inlinedModule(path: string, site: SiteFiles, seen: string[] = []): string | undefined {
  if (seen.includes(path)) return undefined; // a cycle: cannot be inlined
  const code = site.read(path);
  // Bundler output (rolldown): chunk specifiers are string literals starting with ./ or ../.
  if (/\bimport\s*\(/.test(code)) return undefined; // lazily loaded code stays a file
  let failed = false;
  const rewritten = code.replace(
    /(\bfrom\s*|\bimport\s*)(["'`])(\.{1,2}\/[^"'`]+)\2/g,
    (_all, keyword: string, _q: string, spec: string) => {
      const dep = posix.join(posix.dirname(path), spec);
      const inner = site.exists(dep) ? inlinedModule(dep, site, [...seen, path]) : undefined;
      if (inner === undefined) failed = true;
      return `${keyword}${JSON.stringify(dataUrl(inner ?? ''))}`;
    },
  );
  return failed ? undefined : rewritten;
}

function dataUrl(code: string): string {
  return `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
}

/**
 * A module script of the site: a data: module when its code stands alone, or, when it loads
 * more code lazily, a loader that adds it only when the page is served over HTTP.
 */
function offlineScript(node: Element, page: string, site: SiteFiles): Element | undefined {
  const src = node.properties.src;
  if (typeof src !== 'string' || !src.startsWith(site.base)) return undefined;
  const path = src.slice(site.base.length).split(/[?#]/)[0] ?? '';
  if (!site.exists(path)) return undefined;
  let memo = inlined.get(site);
  if (!memo) {
    memo = new Map();
    inlined.set(site, memo);
  }
  if (!memo.has(path)) memo.set(path, inlinedModule(path, site));
  const code = memo.get(path);
  if (code !== undefined) {
    return { ...node, properties: { ...node.properties, src: dataUrl(code) } };
  }
  const relative = relativeUrl(src, page, site) ?? src;
  // document.write keeps the script parser-inserted: deferred, run before DOMContentLoaded,
  // exactly as the tag it replaces (an appended script would run whenever it arrived).
  // `<` written as \u003c: the script's text must not hold `</script>`.
  const tag = JSON.stringify(
    `<script type="module" src=${JSON.stringify(relative)}></script>`,
  ).replaceAll('<', '\\u003c');
  return {
    type: 'element',
    tagName: 'script',
    properties: {},
    children: [
      {
        type: 'text',
        value: `if (location.protocol !== 'file:') document.write(${tag});`,
      },
    ],
  };
}

function rewriteSrcset(value: string, page: string, site: SiteFiles): string {
  return value
    .split(',')
    .map((part) => {
      const [url = '', ...rest] = part.trim().split(/\s+/);
      return [relativeUrl(url, page, site) ?? url, ...rest].join(' ');
    })
    .join(', ');
}

/** Rewrite one element's URLs in place; returns a replacement for a module script. */
function rewriteElement(node: Element, page: string, site: SiteFiles): Element | undefined {
  if (node.tagName === 'script' && node.properties.type === 'module') {
    const replaced = offlineScript(node, page, site);
    if (replaced) return replaced;
  }
  const props = node.properties;
  for (const name of URL_PROPERTIES) {
    const value = props[name];
    if (typeof value === 'string') props[name] = relativeUrl(value, page, site) ?? value;
  }
  if (typeof props.srcSet === 'string') props.srcSet = rewriteSrcset(props.srcSet, page, site);
  // The language switch's choices are page URLs (followed by OFFLINE_HEAD_SCRIPT).
  if (node.tagName === 'option' && typeof props.value === 'string') {
    props.value = relativeUrl(props.value, page, site) ?? props.value;
  }
  return undefined;
}

/** One built page (`page`: its path under the output folder) with relative URLs. */
export function offlinePage(html: string, page: string, site: SiteFiles): string {
  const tree = fromHtml(html) as Root;
  visit(tree, 'element', (node: Element, index, parent) => {
    const replaced = rewriteElement(node, page, site);
    if (replaced && parent && index !== undefined) parent.children[index] = replaced;
  });
  const head = findHead(tree);
  head?.children.unshift({
    type: 'element',
    tagName: 'script',
    properties: {},
    children: [{ type: 'text', value: OFFLINE_HEAD_SCRIPT }],
  });
  return toHtml(tree, { allowDangerousHtml: true });
}

function findHead(tree: Root): Element | undefined {
  let head: Element | undefined;
  visit(tree, 'element', (node: Element) => {
    if (node.tagName === 'head' && !head) head = node;
  });
  return head;
}

/**
 * Runs first on every page. The language switch goes to its choice relative to the page
 * (Starlight's own handler sets `location.pathname`, which a relative URL cannot be); opened
 * from a folder, the search says it needs a server, and the playground loads its classic
 * script (its module scripts do not run from file://).
 */
export const OFFLINE_HEAD_SCRIPT = `(() => {
  document.addEventListener('change', (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.closest('starlight-lang-select')) return;
    event.stopPropagation();
    location.href = new URL(select.value, location.href).href;
  }, true);
  if (location.protocol !== 'file:') return;
  document.addEventListener('DOMContentLoaded', () => {
    const playground = document.querySelector('[data-playground][data-file-script]');
    if (playground) {
      const script = document.createElement('script');
      script.src = playground.getAttribute('data-file-script');
      document.body.append(script);
    }
    const search = document.querySelector('site-search');
    if (!search) return;
    const ja = document.documentElement.lang === 'ja';
    const note = document.createElement('span');
    note.className = 'nfw-offline-search';
    note.textContent = ja
      ? '検索はサイトを HTTP で配信したときだけ使えます(npm run preview)'
      : 'Search needs the site served over HTTP (npm run preview)';
    search.replaceChildren(note);
  });
})();`;
