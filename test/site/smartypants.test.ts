/**
 * The playground's quick smartypants (src/site/smartypants.ts) gives exactly what
 * remark-smartypants — Astro's, the static pages' — gives: on texts made to exercise every
 * rule, and on every gallery page in both languages.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkSmartypants from 'remark-smartypants';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { pageTreeOf, readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { smartypantsTree } from '../../src/site/smartypants.ts';

async function library(tree: Root): Promise<Root> {
  return (await unified().use(remarkSmartypants).run(tree)) as Root;
}

function quick(tree: Root): Root {
  smartypantsTree(tree);
  return tree;
}

const parse = (md: string) => unified().use(remarkParse).use(remarkGfm).parse(md) as Root;

const SAMPLES = [
  `"Quoted" and 'single' -- a dash... and . . . spaced, \`\`double backticks'' too.`,
  `A *"quote across* emphasis" and [a 'link'](x) it's the host's rule.`,
  `# "Heading"\n\n| "a" | 'b' -- c |\n| --- | --- |\n| x... | y |\n\n\`code "not" changed\``,
  `Nothing to change here: 10.0.0.1 -> 10.0.0.2, ip daddr 1.2.3.4`,
];

describe('the quick smartypants', () => {
  for (const md of SAMPLES) {
    it(`equals remark-smartypants on ${JSON.stringify(md.slice(0, 30))}…`, async () => {
      expect(quick(parse(md))).toEqual(await library(parse(md)));
    });
  }

  it('changes what smartypants changes (the samples are not left as they are)', async () => {
    const before = parse(SAMPLES[0]!);
    expect(quick(parse(SAMPLES[0]!))).not.toEqual(before);
  });

  const dir = new URL('../../scenarios/', import.meta.url).pathname;
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it('equals remark-smartypants on every gallery page (en, ja)', async () => {
    expect(files.length).toBeGreaterThan(10);
    for (const name of files) {
      const walked = walk(readSources(scenarioFileSources(join(dir, name))));
      for (const lang of ['en', 'ja'] as const) {
        const page = () => pageTreeOf(walked, { lang, format: 'mdx' }).root;
        expect(quick(page()), `${name} (${lang})`).toEqual(await library(page()));
      }
    }
  }, 300_000);
});
