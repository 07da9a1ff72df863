/**
 * The MDX honours the site's component contract (src/site/components/CONTRACT.md): every
 * listing mark is in the seed notation the site parses, anchors are unique and well formed,
 * every listing's steps have their <Step> items, and a listing folds only rules never reached
 * and lines whose steps the explanation folds too (one item `(first)–(last)`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { explainScenarioFile } from '../../src/pipeline-files.ts';
import { parseMarks } from '../../src/site/listing.ts';
import { repoRoot } from './helpers.ts';

const dir = join(repoRoot, 'scenarios');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.yaml')) : [];

type Line = { mark?: string; text: string };
type Fold = { from: number; to: number; summary: string };

/** The step numbers marked on `lines`. */
const numbersOn = (lines: Line[]) =>
  lines.flatMap((l) => parseMarks(l.mark ?? '').flatMap((m) => (m.n === undefined ? [] : [m.n])));

function attr(el: MdxJsxFlowElement, name: string): unknown {
  const a = el.attributes.find((x) => x.type === 'mdxJsxAttribute' && x.name === name);
  if (a?.type !== 'mdxJsxAttribute') return undefined;
  if (typeof a.value === 'string' || a.value === null || a.value === undefined) return a.value;
  return JSON.parse(a.value.value);
}

describe('MDX for the site', () => {
  it.skipIf(files.length === 0)('has scenarios to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(`${file}: marks parse, anchors are unique, every step has its item`, async () => {
      const page = explainScenarioFile(join(dir, file), { lang: 'en', format: 'mdx' });
      expect(page.markdown).not.toMatch(/^---|^import |^export /m);
      const tree = unified().use(remarkParse).use(remarkMdx).parse(page.markdown) as Root;
      const anchors: string[] = [];
      const steps = new Map<string, number[]>();
      const marked = new Map<string, Set<number>>();
      const folds = new Map<string, { lines: Line[]; folds: Fold[] }>();
      const told = new Map<string, [number, number][]>();
      visit(tree, 'mdxJsxFlowElement', (el: MdxJsxFlowElement) => {
        // Folded content: plain HTML elements, without props.
        if (el.name === 'details') {
          expect(el.attributes).toEqual([]);
          return;
        }
        const anchor = attr(el, 'anchor');
        expect(typeof anchor).toBe('string');
        expect(anchor as string).toMatch(/^[A-Za-z][\w-]*$/);
        if (el.name === 'ChainListing') {
          anchors.push(anchor as string);
          const numbers = new Set<number>();
          // `lines` is the listing's JSON in a string attribute (src/explain/mdx.ts).
          const lines = JSON.parse(attr(el, 'lines') as string) as Line[];
          const f = attr(el, 'folds') as string | undefined;
          if (f !== undefined) folds.set(anchor as string, { lines, folds: JSON.parse(f) });
          for (const line of lines) {
            expect(typeof line.text).toBe('string');
            for (const m of parseMarks(line.mark ?? '')) if (m.n !== undefined) numbers.add(m.n);
          }
          marked.set(anchor as string, numbers);
        } else if (el.name === 'Step') {
          const n = attr(el, 'n') as number;
          // An item told for steps n to last folds those steps, each a <Step> of its own
          // (the target of its links): the item itself is not counted.
          const last = attr(el, 'last') as number | undefined;
          if (last !== undefined) {
            expect(last).toBeGreaterThan(n);
            told.set(anchor as string, [...(told.get(anchor as string) ?? []), [n, last]]);
            return;
          }
          const list = steps.get(anchor as string) ?? [];
          list.push(n);
          steps.set(anchor as string, list);
        }
      });
      expect(new Set(anchors).size).toBe(anchors.length);
      for (const [anchor, numbers] of marked) {
        const items = steps.get(anchor) ?? [];
        expect(items).toEqual(items.map((_, i) => i + 1));
        for (const n of numbers) expect(items, `${anchor} (${n})`).toContain(n);
      }
      for (const [anchor, listing] of folds) {
        for (const f of listing.folds) {
          const folded = listing.lines.slice(f.from, f.to);
          const numbers = numbersOn(folded);
          // Rules never reached: not a mark on them, not even ↓.
          if (f.summary.includes('not reached')) {
            expect(
              folded.filter((l) => l.mark),
              `${anchor} fold ${f.summary}`,
            ).toEqual([]);
            continue;
          }
          expect(numbers.length, `${anchor} fold ${f.summary}`).toBeGreaterThan(0);
          const item = (told.get(anchor) ?? []).find(
            ([n, last]) => Math.min(...numbers) >= n && Math.max(...numbers) <= last,
          );
          expect(item, `${anchor}: fold "${f.summary}" is one folded item`).toBeDefined();
        }
      }
      if (file === 'seed-docker-firewalld-radius.yaml') {
        // Its prerouting listings fold firewalld's zone chains behind raw_ and mangle_PREROUTING.
        const summaries = [...folds.values()].flatMap((l) => l.folds.map((f) => f.summary));
        expect(summaries.filter((s) => s.includes('reached from raw_PREROUTING'))).toHaveLength(2);
        expect(summaries).toContain('… 8 rules, not reached');
      }
    });
  }
});
