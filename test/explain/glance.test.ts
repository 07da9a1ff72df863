/**
 * The answer first: every conversation opens with a table per packet, one row per hook
 * crossing in the trace's order, each row linking to that hook's section; the top of the page
 * links to every why-section. Every such link lands on a heading of the page.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import GithubSlugger from 'github-slugger';
import type { Heading, Link, Root, Table } from 'mdast';
import { toString as mdastToString } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { stageWalks, walkPacket } from '../../src/explain/walk.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

const scenarioDir = join(repoRoot, 'scenarios');
const files = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

function all<T>(n: { children?: unknown[] }, type: string): T[] {
  const out: T[] = [];
  const go = (x: { type?: string; children?: unknown[] }) => {
    if (x.type === type) out.push(x as T);
    for (const c of x.children ?? []) go(c as never);
  };
  go(n as never);
  return out;
}

describe('the answer first', () => {
  for (const file of files) {
    for (const lang of ['en', 'ja'] as const) {
      it(`${file} (${lang}): a linked row per hook crossing, links that land`, () => {
        const sc = loadScenario(join(scenarioDir, file));
        const rs = readRuleset(sc);
        const trace = simulate(sc, rs);
        const page = explainToText(sc, rs, trace, { lang, format: 'md' }).markdown;
        const tree = unified().use(remarkParse).use(remarkGfm).parse(page) as Root;
        const slugger = new GithubSlugger();
        const ids = new Set(
          all<Heading>(tree, 'heading').map((h) => slugger.slug(mdastToString(h))),
        );
        const links = all<Link>(tree, 'link').filter((l) => l.url.startsWith('#'));
        expect(links.length).toBeGreaterThan(0);
        for (const l of links) expect(ids, `${l.url} lands on a heading`).toContain(l.url.slice(1));
        // One table per packet, a row per hook crossing (header row aside), in order; a
        // packet a flowtable forwarded from the ingress hook crosses none: a line, no table.
        const fastPath = (w: ReturnType<typeof walkPacket>) =>
          stageWalks(w).length === 0 &&
          w.items.some(
            (i) =>
              i.kind === 'info' &&
              i.event.type === 'flowtable' &&
              i.event.detail.step === 'fast-path',
          );
        const walks = trace.conversations
          .flatMap((c) => c.packets.map((p, i) => walkPacket(rs, p, c.index, i)))
          .filter((w) => !fastPath(w));
        const glances = all<Table>(tree, 'table').filter((t) =>
          t.children.slice(1).every((r) => all<Link>(r.children[0]!, 'link').length === 1),
        );
        expect(glances.length).toBe(walks.length);
        walks.forEach((w, k) => {
          const hooks = glances[k]!.children.slice(1).map((r) => mdastToString(r.children[0]!));
          expect(hooks).toEqual(
            stageWalks(w).map(
              (s) =>
                `${s.stage.fclass === 'l3' ? (w.ipFamily === 4 ? 'ip' : 'ip6') : s.stage.fclass} ${s.stage.hook}`,
            ),
          );
        });
      });
    }
  }
});
