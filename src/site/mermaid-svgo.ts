/**
 * The official renderer's SVGs made lighter before they are cached and inlined: a seed page
 * carried 660 KB of diagrams, most of it numbers with 13 decimals, the thousands of bezier
 * segments mermaid draws a stadium `([…])` node with, and two themes' stylesheets of rules for
 * shapes the diagram does not have. What the reader sees does not change:
 *
 * - numbers rounded to 2 decimals (paths, transforms, sizes: a hundredth of a CSS pixel);
 * - a stadium node's outline, when its points all lie on a pill of the node's height, drawn as
 *   the same pill, a `<rect rx>`;
 * - stylesheet rules whose selectors match no element of this SVG dropped (both themes'), and
 *   keyframes no kept rule names; markers nothing refers to dropped;
 * - attributes only mermaid's own scripts read (data-points, data-id, data-et, data-edge;
 *   data-look when no rule selects by it), empty `style=";"`, a class named twice, and ids
 *   nothing refers to (the root's stays) dropped;
 * - a label's words, one `<tspan>` each with the same attributes and no position of their
 *   own, joined into one (text flows on from one tspan to the next, so it is drawn the same);
 * - `font-style="normal"` and `font-weight="normal"` on every word, when nothing in the SVG
 *   makes text italic or bold (no rule, no other value), and the classes mermaid names its
 *   label tspans with (`text-outer-tspan row`, `text-inner-tspan`) when no rule uses them.
 *
 * Kept ids stay as they are (the page gives each diagram its own prefix, see mermaid.ts), and
 * so do classes, text and labels. POST_VERSION is part of the cache key of a processed diagram:
 * change it whenever this file's output changes.
 */
import {
  type CustomPlugin,
  optimize,
  querySelector,
  type XastChild,
  type XastElement,
  type XastRoot,
} from 'svgo';
import { PRECISION, stadiumsAsRects } from './mermaid-stadium.ts';

export const POST_VERSION = 'svgo-4.1/nfwalk-4';

function elements(node: XastRoot | XastElement): XastElement[] {
  const out: XastElement[] = [];
  const walk = (n: XastRoot | XastElement) => {
    for (const c of n.children) {
      if (c.type !== 'element') continue;
      out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stylesheet rules that match nothing

interface CssBlock {
  /** The selector or at-rule prelude, as written. */
  head: string;
  /** The text between the braces. */
  body: string;
}

/**
 * A stylesheet's top-level blocks (`head{body}`), braces balanced; undefined for anything else
 * (a stray `;` at top level, an unbalanced brace): such a sheet is left as it is.
 */
function cssBlocks(css: string): CssBlock[] | undefined {
  const out: CssBlock[] = [];
  let at = 0;
  while (at < css.length) {
    const open = css.indexOf('{', at);
    if (open < 0) return css.slice(at).trim() === '' ? out : undefined;
    const head = css.slice(at, open).trim();
    if (head.includes('}') || head.includes(';')) return undefined;
    let depth = 1;
    let i = open + 1;
    for (; i < css.length && depth > 0; i++) {
      if (css[i] === '{') depth++;
      else if (css[i] === '}') depth--;
    }
    if (depth !== 0) return undefined;
    out.push({ head, body: css.slice(open + 1, i - 1) });
    at = i;
  }
  return out;
}

/** Selectors separated by top-level commas (none of mermaid's have commas inside brackets). */
function selectorsOf(head: string): string[] | undefined {
  if (/[()"'\\]/.test(head.replace(/\[[^\]]*\]/g, ''))) return undefined;
  return head.split(',').map((s) => s.trim());
}

/**
 * Whether a selector can match an element of the SVG (true when it cannot be tested). Most of
 * mermaid's rules name a class, element or id this diagram does not have: those are answered
 * from the SVG's own names without a query, and each query is asked once per SVG (both themes'
 * stylesheets have the same selectors).
 */
function selectorMatcher(root: XastRoot): (selector: string) => boolean {
  const names = new Set<string>();
  const classes = new Set<string>();
  const ids = new Set<string>();
  // Compared without case: where a name's case would decide, the query does.
  for (const el of elements(root)) {
    names.add(el.name.toLowerCase());
    for (const c of (el.attributes.class ?? '').split(/\s+/)) if (c) classes.add(c.toLowerCase());
    if (el.attributes.id !== undefined) ids.add(el.attributes.id.toLowerCase());
  }
  /** Whether every class, id and element name the selector names is in the SVG. */
  const namesPresent = (plain: string): boolean => {
    const bare = plain.replace(/\[[^\]]*\]/g, ' ');
    for (const m of bare.matchAll(/([.#]?)(-?[_a-zA-Z][\w-]*)/g)) {
      const [, sigil, name] = m as unknown as [string, string, string];
      const before = bare[(m.index ?? 0) - 1];
      // A name right after another name's characters is part of it (`a.b` is checked as `.b`).
      if (sigil === '' && before !== undefined && /[\w-]/.test(before)) continue;
      const set = sigil === '.' ? classes : sigil === '#' ? ids : names;
      if (!set.has(name.toLowerCase())) return false;
    }
    return true;
  };
  const asked = new Map<string, boolean>();
  return (selector) => {
    let answer = asked.get(selector);
    if (answer === undefined) {
      answer = canMatch(root, selector, namesPresent);
      asked.set(selector, answer);
    }
    return answer;
  };
}

function canMatch(root: XastRoot, selector: string, namesPresent: (s: string) => boolean): boolean {
  // Pseudo-classes and elements (`:hover`, `::before`) do not change which element is meant.
  if (/\s:root\b/.test(selector)) return false; // `#id :root`: the root is no descendant
  const plain = selector.replace(/::?[a-z-]+/gi, '').trim();
  if (plain === '' || /(^|[\s>+~])$/.test(plain)) return true;
  if (!namesPresent(plain)) return false;
  try {
    return querySelector(root, plain) !== null;
  } catch {
    return true;
  }
}

/** The blocks kept: rules that can match, keyframes a kept rule names, other at-rules as is. */
function pruneBlocks(matches: (selector: string) => boolean, blocks: CssBlock[]): CssBlock[] {
  const kept: CssBlock[] = [];
  for (const b of blocks) {
    if (b.head.startsWith('@keyframes') || b.head.startsWith('@')) {
      kept.push(b);
      continue;
    }
    const inner = b.body.includes('{') ? cssBlocks(b.body) : undefined;
    if (inner) {
      // A nesting block (the dark theme's `:root[data-theme='dark']{…}`): prune inside it.
      const pruned = pruneBlocks(matches, inner);
      if (pruned.length > 0) kept.push({ head: b.head, body: cssText(pruned) });
      continue;
    }
    const selectors = selectorsOf(b.head);
    if (!selectors) {
      kept.push(b);
      continue;
    }
    const live = selectors.filter(matches);
    if (live.length > 0) kept.push({ head: live.join(','), body: b.body });
  }
  return kept;
}

function cssText(blocks: CssBlock[]): string {
  return blocks.map((b) => `${b.head}{${b.body}}`).join('');
}

/** Keyframes no kept declaration names are dropped (mermaid's edge animations). */
function dropUnusedKeyframes(blocks: CssBlock[]): CssBlock[] {
  const used = cssText(blocks.filter((b) => !b.head.startsWith('@keyframes')));
  return blocks.filter((b) => {
    const name = /^@keyframes\s+([\w-]+)/.exec(b.head)?.[1];
    return !name || new RegExp(`\\b${name}\\b`).test(used);
  });
}

const pruneStyles: CustomPlugin = {
  name: 'nfwalkPruneStyles',
  fn: (root) => {
    for (const el of elements(root)) {
      if (el.name !== 'style') continue;
      const text = el.children.find((c): c is Extract<XastChild, { type: 'text' | 'cdata' }> =>
        ['text', 'cdata'].includes(c.type),
      );
      if (!text || el.children.length !== 1) continue;
      const blocks = cssBlocks(text.value);
      if (!blocks) continue;
      text.value = cssText(dropUnusedKeyframes(pruneBlocks(selectorMatcher(root), blocks)));
    }
    return {};
  },
};

// ---------------------------------------------------------------------------------------------
// Markers and attributes

const dropUnreferencedDefs: CustomPlugin = {
  name: 'nfwalkDropUnreferencedDefs',
  fn: (root) => {
    const all = elements(root);
    const refs = new Set<string>();
    for (const el of all) {
      for (const v of Object.values(el.attributes)) {
        for (const m of v.matchAll(/url\(\s*['"]?#([^'")\s]+)/g)) refs.add(m[1]!);
        if (v.startsWith('#')) refs.add(v.slice(1));
      }
    }
    // Markers, and the icons mermaid's sequence diagrams define for every diagram (a computer,
    // a database, a clock: ~9 KB of path) and use only for actors of that kind; then the
    // <defs> they leave empty.
    const unused = (c: XastElement) =>
      (c.name === 'marker' || c.name === 'symbol') && !refs.has(c.attributes.id ?? '');
    const drop = (parent: XastRoot | XastElement) => {
      for (const c of parent.children) if (c.type === 'element') drop(c);
      parent.children = parent.children.filter(
        (c) =>
          c.type !== 'element' ||
          !(unused(c) || (c.name === 'defs' && c.children.every((d) => d.type !== 'element'))),
      );
    };
    drop(root);
    return {};
  },
};

const SCRIPT_ONLY = ['data-points', 'data-id', 'data-et', 'data-edge'];

/** The text of the SVG's stylesheets. */
function styleText(root: XastRoot): string {
  return elements(root)
    .filter((e) => e.name === 'style')
    .flatMap((e) => e.children.map((c) => ('value' in c ? c.value : '')))
    .join('');
}

const dropScriptAttributes: CustomPlugin = {
  name: 'nfwalkDropScriptAttributes',
  fn: (root) => {
    const css = styleText(root);
    const drop = css.includes('data-look') ? SCRIPT_ONLY : [...SCRIPT_ONLY, 'data-look'];
    return {
      element: {
        enter: (node) => {
          for (const a of drop) delete node.attributes[a];
          if (node.attributes.style !== undefined && /^[\s;]*$/.test(node.attributes.style))
            delete node.attributes.style;
          const cls = node.attributes.class;
          if (cls !== undefined) node.attributes.class = [...new Set(cls.split(/\s+/))].join(' ');
        },
      },
    };
  },
};

/** Ids nothing refers to (`url(#…)`, `href="#…"`, the stylesheet), except the root's. */
const dropUnreferencedIds: CustomPlugin = {
  name: 'nfwalkDropUnreferencedIds',
  fn: (root) => {
    const all = elements(root);
    let refs = styleText(root);
    for (const el of all) refs += ` ${Object.values(el.attributes).join(' ')}`;
    const used = new Set([...refs.matchAll(/#([\w-]+)/g)].map((m) => m[1]));
    for (const el of all) {
      if (el.name === 'svg' || el.attributes.id === undefined) continue;
      if (!used.has(el.attributes.id)) delete el.attributes.id;
    }
    return {};
  },
};

/** Label attributes that say what the text would be anyway (see the file's comment). */
const dropDefaultLabelStyle: CustomPlugin = {
  name: 'nfwalkDropDefaultLabelStyle',
  fn: (root) => {
    const css = styleText(root);
    const all = elements(root);
    const plain = (attr: 'font-style' | 'font-weight') =>
      !css.includes(attr) && all.every((e) => (e.attributes[attr] ?? 'normal') === 'normal');
    const attrs = (['font-style', 'font-weight'] as const).filter(plain);
    const classes = ['text-outer-tspan', 'row', 'text-inner-tspan'].filter(
      (c) => !new RegExp(`\\.${c}(?![\\w-])`).test(css),
    );
    for (const e of all) {
      if (e.name !== 'tspan') continue;
      for (const a of attrs) delete e.attributes[a];
      const cls = e.attributes.class;
      if (cls === undefined) continue;
      const kept = cls.split(/\s+/).filter((c) => !classes.includes(c));
      if (kept.length > 0) e.attributes.class = kept.join(' ');
      else delete e.attributes.class;
    }
    return {};
  },
};

const POSITIONED = ['x', 'y', 'dx', 'dy', 'rotate', 'textLength'];

/** Neighbouring tspans with the same attributes, no position of their own and only text. */
const joinWordTspans: CustomPlugin = {
  name: 'nfwalkJoinWordTspans',
  fn: () => ({
    element: {
      enter: (node) => {
        const out: XastChild[] = [];
        for (const c of node.children) {
          const prev = out.at(-1);
          if (
            c.type === 'element' &&
            prev?.type === 'element' &&
            c.name === 'tspan' &&
            prev.name === 'tspan' &&
            joinable(c) &&
            joinable(prev) &&
            JSON.stringify(c.attributes) === JSON.stringify(prev.attributes)
          ) {
            const [a, b] = [prev.children[0], c.children[0]];
            if (a?.type === 'text' && b?.type === 'text') a.value += b.value;
            continue;
          }
          out.push(c);
        }
        node.children = out;
      },
    },
  }),
};

function joinable(e: XastElement): boolean {
  return (
    e.children.length === 1 &&
    e.children[0]?.type === 'text' &&
    !POSITIONED.some((a) => a in e.attributes)
  );
}

/** The lighter SVG (see the file's comment). Deterministic: same input, same bytes. */
export function lightenSvg(svg: string): string {
  return optimize(stadiumsAsRects(svg, PRECISION), {
    multipass: false,
    // Quotes stay as they are in text (the stylesheet's `[data-theme='dark']`); XML needs only
    // these escaped there.
    js2svg: { pretty: false, regEntities: /[&<>]/g },
    plugins: [
      dropUnreferencedDefs,
      pruneStyles,
      // After pruning: data-look goes when no rule left selects by it.
      dropScriptAttributes,
      dropUnreferencedIds,
      dropDefaultLabelStyle,
      joinWordTspans,
      { name: 'convertPathData', params: { floatPrecision: PRECISION } },
      { name: 'convertTransform', params: { floatPrecision: PRECISION } },
      { name: 'cleanupNumericValues', params: { floatPrecision: PRECISION } },
    ],
  }).data;
}
