/**
 * Ruleset and scenario text never executes: a scenario whose comments, chain and set names,
 * interface names, title and summary carry MDX/JSX, ESM, HTML and Markdown syntax is explained
 * in md and mdx (en and ja); the Markdown is rendered to HTML and the MDX compiled with
 * @mdx-js/mdx and run. Everything hostile must come out as text: no element, no expression
 * evaluated, no export or import, no javascript: link.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, run } from '@mdx-js/mdx';
import type { Element, ElementContent, Root as HastRoot, Text } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { Root } from 'mdast';
import { toHast } from 'mdast-util-to-hast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { loadRuleset } from '../../src/ruleset/load.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { FOLD_HTML } from '../support/fold-html.ts';
import { HOSTILE_RULESET, HOSTILE_SCENARIO, MUST_SHOW } from './hostile-fixture.ts';

const ALLOWED_TAGS = new Set([
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'a', 'em', 'strong', 'del'],
  ...['code', 'pre', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'br', 'hr'],
  ...['sup', 'section', 'div', 'span', 'input', 'details', 'summary'],
]);

let dir = '';
let scenarioFile = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nfwalk-safety-'));
  writeFileSync(join(dir, 'hostile.nft'), HOSTILE_RULESET);
  scenarioFile = join(dir, 'hostile.yaml');
  writeFileSync(scenarioFile, HOSTILE_SCENARIO);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function explained(lang: 'en' | 'ja', format: 'md' | 'mdx') {
  const scenario = loadScenario(scenarioFile);
  const ruleset = loadRuleset(scenario.ruleset);
  const trace = simulate(scenario, ruleset);
  // The walk must reach the hostile rules, or the test would prove nothing about them.
  expect(JSON.stringify(trace)).toContain('jump __bold__');
  return explainToText(scenario, ruleset, trace, { lang, format });
}

/** Every text node's value, and every string property (the ChainListing lines), joined. */
function allText(tree: HastRoot | Element): string {
  const out: string[] = [];
  visit(tree, (n) => {
    if (n.type === 'text') out.push((n as Text).value);
    if (n.type === 'element') {
      for (const v of Object.values((n as Element).properties ?? {})) {
        if (typeof v === 'string') out.push(v);
      }
    }
  });
  return out.join('\n');
}

function checkElements(tree: HastRoot | Element, extraTags: string[] = []): void {
  visit(tree, 'element', (el: Element) => {
    expect(ALLOWED_TAGS.has(el.tagName) || extraTags.includes(el.tagName), el.tagName).toBe(true);
    for (const [k, v] of Object.entries(el.properties ?? {})) {
      expect(k.toLowerCase().startsWith('on'), `${el.tagName}.${k}`).toBe(false);
      if (k === 'href' || k === 'src') expect(String(v)).not.toMatch(/^\s*javascript:/i);
    }
  });
  visit(tree, 'raw', () => {
    throw new Error('a raw HTML node reached the page');
  });
}

describe('hostile scenario text in Markdown', () => {
  for (const lang of ['en', 'ja'] as const) {
    it(`${lang}: no HTML node but the folds, no javascript: link; rendered HTML shows the text`, () => {
      const { markdown } = explained(lang, 'md');
      const mdast = unified().use(remarkParse).use(remarkGfm).parse(markdown) as Root;
      visit(mdast, (n) => {
        // Raw HTML only as the explainer's own folds, with escaped text in their summaries.
        if (n.type === 'html') expect(n.value, 'raw HTML in the Markdown').toMatch(FOLD_HTML);
        if (n.type === 'link') expect(n.url).not.toMatch(/^\s*javascript:/i);
      });
      const hast = toHast(mdast) as HastRoot;
      checkElements(hast);
      const html = toHtml(hast);
      expect(html).not.toMatch(/<(script|img|foo)\b|<[^>]*\son\w+=/i);
      const text = allText(hast);
      for (const s of MUST_SHOW) expect(text).toContain(s);
    });
  }
});

/** A JSX runtime that builds hast, with the site's components as plain elements. */
function hastRuntime() {
  const toChildren = (c: unknown): ElementContent[] =>
    c === undefined || c === null || c === false
      ? []
      : Array.isArray(c)
        ? c.flatMap(toChildren)
        : typeof c === 'string' || typeof c === 'number'
          ? [{ type: 'text', value: String(c) }]
          : [c as ElementContent];
  const jsx = (
    type: unknown,
    props: Record<string, unknown>,
  ): ElementContent | ElementContent[] => {
    const { children, ...rest } = props;
    if (typeof type === 'function') return (type as (p: unknown) => ElementContent)(props);
    if (typeof type === 'symbol' || type === Fragment) return toChildren(children);
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(rest)) properties[k] = String(v);
    return { type: 'element', tagName: String(type), properties, children: toChildren(children) };
  };
  const Fragment = Symbol('Fragment');
  return { Fragment, jsx, jsxs: jsx, jsxDEV: jsx };
}

const components = {
  // The site's ChainListing prints its lines as text (Astro escapes them); so does this one.
  // Its lines come as JSON text (src/explain/mdx.ts).
  ChainListing: (p: { lines?: string; title?: string }) => ({
    type: 'element',
    tagName: 'chain-listing',
    properties: { title: String(p.title ?? '') },
    children: (JSON.parse(p.lines ?? '[]') as { mark: string; text: string }[]).map((l) => ({
      type: 'text',
      value: `${l.mark} ${l.text}\n`,
    })),
  }),
  Step: (p: { children?: unknown }) => ({
    type: 'element',
    tagName: 'step',
    properties: {},
    children: [p.children].flat() as ElementContent[],
  }),
  CliCommands: (p: Record<string, unknown>) => ({
    type: 'element',
    tagName: 'cli-commands',
    properties: { data: JSON.stringify(p) },
    children: [],
  }),
};

describe('hostile scenario text in MDX', () => {
  for (const lang of ['en', 'ja'] as const) {
    it(`${lang}: compiles and runs with no export, import, expression or hostile element; shows the text`, async () => {
      const { markdown } = explained(lang, 'mdx');
      const code = String(await compile(markdown, { outputFormat: 'function-body' }));
      expect(code).not.toMatch(/await import|_resolveDynamicMdxSpecifier/);
      const g = globalThis as { alert?: unknown; nfwalkPwned?: number };
      let alerts = 0;
      g.alert = () => alerts++;
      try {
        const mod = await run(code, { ...hastRuntime(), baseUrl: import.meta.url } as never);
        expect(Object.keys(mod).sort()).toEqual(['default']);
        const tree = (mod.default as (p: unknown) => unknown)({ components }) as
          | ElementContent
          | ElementContent[];
        const root: HastRoot = { type: 'root', children: [tree].flat() as ElementContent[] };
        checkElements(root, ['chain-listing', 'step', 'cli-commands']);
        const html = toHtml(root);
        expect(html).not.toMatch(/<(script|img|foo)\b|<[^>]*\son\w+=/i);
        const text = allText(root);
        for (const s of MUST_SHOW) expect(text).toContain(s);
      } finally {
        delete g.alert;
      }
      expect(alerts).toBe(0);
      expect(g.nfwalkPwned).toBeUndefined();
    });
  }
});
