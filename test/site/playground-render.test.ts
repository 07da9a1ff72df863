/**
 * The playground renders the explainer's tree as it is, without printing MDX and parsing it
 * back (issue #19's 300 ms). The page must read the same as the MDX the site builds from: for
 * every gallery scenario in both languages, the HTML drawn from the tree equals the HTML drawn
 * from the serialised MDX, byte for byte.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageOf, pageTreeOf, readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { renderExplanation } from '../../src/site/playground/render.ts';

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('the playground renders the explainer tree as the MDX text would', () => {
  it('has scenarios to compare', () => expect(files.length).toBeGreaterThan(10));
  for (const name of files) {
    it(name, async () => {
      const walked = walk(readSources(scenarioFileSources(join(dir, name))));
      for (const lang of ['en', 'ja'] as const) {
        const fromText = await renderExplanation(pageOf(walked, { lang, format: 'mdx' }).markdown);
        const fromTree = await renderExplanation(pageTreeOf(walked, { lang, format: 'mdx' }).root);
        expect(fromTree.join('\n'), lang).toBe(fromText.join('\n'));
      }
    }, 60_000);
  }
});
