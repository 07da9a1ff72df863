/**
 * Text from a ruleset or scenario is never code: a rule comment or a summary holding
 * `<script>`, braces, backticks or pipes comes out as the same characters, as text, in
 * Markdown and in MDX.
 */

import { readFileSync } from 'node:fs';
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { FOLD_HTML } from '../support/fold-html.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureDir, fixtureRuleset, fixtureScenario } from './helpers.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${y}` is part of the hostile text
const NASTY = '<script>alert(1)</script> {x} `tick` a|b ${y} </ChainListing>';
const ruleLine =
  'meta l4proto udp udp dport 1812 counter packets 0 bytes 0 dnat to 172.20.0.4:1812';

function nastyInputs() {
  const text = readFileSync(`${fixtureDir}ruleset.nft`, 'utf8').replace(
    ruleLine,
    `${ruleLine} comment ${JSON.stringify(NASTY)}`,
  );
  const ruleset = fixtureRuleset(text);
  const scenario = { ...fixtureScenario(), title: `T ${NASTY}`, summary: `S ${NASTY}` };
  const trace: Trace = JSON.parse(JSON.stringify(seedTrace));
  return { scenario, ruleset, trace };
}

function texts(tree: Root): string[] {
  const out: string[] = [];
  visit(tree, (n) => {
    if ('value' in n && typeof n.value === 'string') out.push(n.value);
  });
  return out;
}

describe('ruleset and scenario text stays text', () => {
  it('the rule with the comment is on the page: its listing quotes the comment literally', () => {
    const { ruleset } = nastyInputs();
    const rule = ruleset.tables
      .flatMap((t) => t.chains)
      .flatMap((c) => c.rules)
      .find((r) => r.text.includes('alert(1)'));
    expect(rule?.comment ?? rule?.text).toContain('<script>');
  });

  it('Markdown: no raw HTML node but the folds, the comment and the title come back as the same characters', () => {
    const { scenario, ruleset, trace } = nastyInputs();
    const md = explainToText(scenario, ruleset, trace, { lang: 'en', format: 'md' }).markdown;
    const tree = unified().use(remarkParse).use(remarkGfm).parse(md) as Root;
    let html = 0;
    visit(tree, 'html', (node: { value: string }) => {
      expect(node.value).toMatch(FOLD_HTML);
      html++;
    });
    expect(html).toBeGreaterThan(0);
    const all = texts(tree);
    expect(all.some((v) => v.includes(NASTY))).toBe(true); // the listing (code) quotes the comment
    const heading = tree.children.find((n) => n.type === 'heading' && n.depth === 1);
    expect(heading && texts({ type: 'root', children: [heading] }).join('')).toBe(`T ${NASTY}`);
    // The summary is Markdown by the scenario format; its raw HTML is kept as text.
    expect(all.join('\n')).toContain('<script>alert(1)</script>');
  });

  for (const lang of ['en', 'ja'] as const) {
    it(`MDX (${lang}): parses as MDX, no element but the site's components, the comment reaches ChainListing's lines literally`, () => {
      const { scenario, ruleset, trace } = nastyInputs();
      const mdx = explainToText(scenario, ruleset, trace, { lang, format: 'mdx' }).markdown;
      const tree = unified().use(remarkParse).use(remarkMdx).use(remarkGfm).parse(mdx) as Root;
      const names = new Set<string>();
      let found = false;
      visit(tree, (n) => {
        if (n.type === 'mdxJsxFlowElement' || n.type === 'mdxJsxTextElement') {
          names.add(n.name ?? '');
          for (const a of n.attributes) {
            if (a.type === 'mdxJsxAttribute' && a.name === 'lines' && typeof a.value === 'string') {
              const lines = JSON.parse(a.value) as { text: string }[];
              if (lines.some((l) => l.text.includes(NASTY))) found = true;
            }
          }
        }
        expect(n.type).not.toBe('mdxFlowExpression');
        expect(n.type).not.toBe('mdxTextExpression');
        expect(n.type).not.toBe('mdxjsEsm');
      });
      // The site's components, and the plain HTML elements folded content is written with.
      expect([...names].sort()).toEqual(['ChainListing', 'Step', 'details', 'summary']);
      expect(found).toBe(true);
      // The summary's braces and tag are text in the page, not an expression or an element.
      expect(texts(tree).join('\n')).toContain('<script>alert(1)</script> {x}');
    });
  }
});

describe('MDX compiles', () => {
  it('with @mdx-js/mdx, when it is installed', async (ctx) => {
    let compile: ((s: string) => Promise<unknown>) | undefined;
    try {
      const mod = '@mdx-js/mdx';
      compile = ((await import(mod)) as { compile: (s: string) => Promise<unknown> }).compile;
    } catch {
      ctx.skip(
        '@mdx-js/mdx is not installed under node_modules (remark-mdx parsing is tested above)',
      );
      return;
    }
    const { scenario, ruleset, trace } = nastyInputs();
    const mdx = explainToText(scenario, ruleset, trace, { lang: 'ja', format: 'mdx' }).markdown;
    const js = String(await compile(mdx));
    // The hostile tag stays a string: no element is created for it.
    expect(js).not.toMatch(/jsx[sD]*\(\s*"script"|_components\.script/);
    // …it is the text of a paragraph, a string literal in the compiled page.
    expect(js).toContain('"S <script>alert(1)</script> {x} "');
  });
});
