/**
 * The page and the trace cannot disagree: every step number on the page is a compared trace
 * event of that hook, in order, and every matched rule is the one the listing marks; every
 * address it prints is the trace's at that point, on every scenario in both languages.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messages } from '../../src/explain/i18n/index.ts';
import { explainToText } from '../../src/explain/index.ts';
import { findChain, listingRows } from '../../src/explain/listing.ts';
import { plain } from '../../src/explain/phrase.ts';
import { walkPacket } from '../../src/explain/walk.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { comparedEvents } from '../../src/netfilter/trace.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario, repoRoot } from './helpers.ts';
import { addressDisagreements, routingContradictions } from './page-addresses.ts';

const scenario = fixtureScenario();
const ruleset = fixtureRuleset();
const scenarioDir = join(repoRoot, 'scenarios');
const scenarioFiles = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

function checkTrace(trace: typeof seedTrace, ruleset = fixtureRuleset()) {
  for (const conv of trace.conversations) {
    conv.packets.forEach((packet, pi) => {
      const walk = walkPacket(ruleset, packet, conv.index, pi);
      const stages = walk.items.filter((i) => i.kind === 'stage');
      // Steps, in order over all hooks, are exactly the compared events.
      const steps = stages.flatMap((s) => s.replay.steps.map((x) => x.event));
      expect(steps).toEqual(comparedEvents(packet.events));
      for (const s of stages) {
        // Numbering restarts at 1 on every hook.
        expect(s.replay.steps.map((x) => x.n)).toEqual(s.replay.steps.map((_, i) => i + 1));
        const rows = listingRows(ruleset, s.tables, s.replay);
        for (const step of s.replay.steps) {
          const e = step.event;
          if (e.type === 'rule') {
            const rule = findChain(ruleset, e.family, e.table, e.chain)?.chain.rules[e.index];
            expect(rule, `${e.chain} #${e.index}`).toBeDefined();
            const row = rows.find(
              (r) =>
                r.text.trim() === (rule!.iptables?.line ?? rule!.text) &&
                r.mark.includes(`(${step.n})`),
            );
            expect(row, `rule ${e.chain} #${e.index} marked (${step.n})`).toBeDefined();
          } else if (e.type === 'enter') {
            const row = rows.find(
              (r) =>
                (r.text.includes(`hook ${e.hook}`) || r.text.startsWith(`:${e.chain} `)) &&
                r.mark.includes(`(${step.n})`),
            );
            expect(row, `enter ${e.chain} marked (${step.n})`).toBeDefined();
          } else {
            expect(
              rows.some(
                (r) =>
                  (r.text.trim() === '}' || r.text.startsWith(`:${e.chain} `)) &&
                  r.mark.includes(`(${step.n})`),
              ),
            ).toBe(true);
          }
        }
        // Every number in the listing belongs to a step of this hook.
        const numbers = rows.flatMap((r) =>
          [...r.mark.matchAll(/\((\d+)\)/g)].map((m) => Number(m[1])),
        );
        for (const n of numbers) expect(n).toBeLessThanOrEqual(s.replay.steps.length);
      }
    });
  }
}

describe('the page follows the trace', () => {
  it('on the hand-built seed trace: one step per compared event, each marked in its listing', () => {
    checkTrace(seedTrace);
  });

  it('on the simulator’s own trace of the same scenario', () => {
    checkTrace(simulate(scenario, ruleset));
  });

  for (const file of scenarioFiles) {
    it(`on every scenario: ${file}`, async () => {
      const sc = loadScenario(join(scenarioDir, file));
      const rs = readRuleset(sc);
      checkTrace(simulate(sc, rs), rs);
    });
  }

  it('writes one explanation item per step, numbered as in the listing', () => {
    const page = explainToText(scenario, ruleset, seedTrace, { lang: 'en', format: 'md' }).markdown;
    const compared = seedTrace.conversations[0]!.packets.flatMap((p) => comparedEvents(p.events));
    // An item is `(n)`, or `(first)–(last)` for a folded run of steps.
    const items = [...page.matchAll(/^- \((\d+)\)(?:–\((\d+)\))? /gm)];
    const steps = items.reduce((sum, m) => sum + Number(m[2] ?? m[1]) - Number(m[1]) + 1, 0);
    expect(steps).toBe(compared.length);
  });

  it('passes over the rules before the matched one and marks the jump target and the return point', () => {
    const walk = walkPacket(ruleset, seedTrace.conversations[0]!.packets[0]!, 0, 0);
    const forward = walk.items.find((i) => i.kind === 'stage' && i.stage.hook === 'forward');
    if (forward?.kind !== 'stage') throw new Error('no forward stage');
    const rows = listingRows(ruleset, forward.tables, forward.replay);
    const mark = (text: string) => rows.find((r) => r.text.trim() === text)?.mark;
    // As in the seed article: `->(3)(4)->` on the second jump, `->(5)` on the rule after it.
    expect(mark('counter packets 0 bytes 0 jump DOCKER-ISOLATION-STAGE-1')).toBe('->(3)(4)->');
    expect(
      mark('oifname "docker1" ct state related,established counter packets 0 bytes 0 accept'),
    ).toBe('->(5)↓');
    expect(mark('chain DOCKER {')).toBe('->(6)');
    expect(
      mark(
        'iifname != "docker1" oifname "docker1" meta l4proto udp ip daddr 172.20.0.3 udp dport 514 counter packets 0 bytes 0 accept',
      ),
    ).toBe('↓');
  });

  it('folds steps that do nothing to the packet into one item, first–last, with every step told again inside', async () => {
    const file = join(scenarioDir, 'seed-docker-firewalld-radius.yaml');
    if (!existsSync(file)) return;
    const sc = loadScenario(file);
    const rs = readRuleset(sc);
    const trace = simulate(sc, rs);
    const page = explainToText(sc, rs, trace, { lang: 'en', format: 'md' }).markdown;
    // The explanation lists, in page order: one per hook crossing with steps. An item is
    // `(n)` or `(first)–(last)`; a folded item lists its steps again, indented, inside.
    type Item = { first: number; last: number; text: string; inner: Map<number, string> };
    const lists: Item[][] = [];
    let cur: Item[] | undefined;
    for (const line of page.split('\n')) {
      const m = /^- \((\d+)\)(?:–\((\d+)\))? (.*)$/.exec(line);
      const inner = /^ {2,}- \((\d+)\)(?:–\((\d+)\))? (.*)$/.exec(line);
      if (m) {
        if (!cur || m[1] === '1') {
          cur = [];
          lists.push(cur);
        }
        const first = Number(m[1]);
        cur.push({ first, last: Number(m[2] ?? first), text: m[3]!, inner: new Map() });
      } else if (inner && cur) {
        for (let n = Number(inner[1]); n <= Number(inner[2] ?? inner[1]); n++)
          cur.at(-1)?.inner.set(n, `${cur.at(-1)?.inner.get(n) ?? ''} ${inner[3]}`);
      } else if (line !== '' && !line.startsWith('  ')) cur = undefined;
    }
    const stages = trace.conversations.flatMap((c) =>
      c.packets.flatMap((p, pi) =>
        walkPacket(rs, p, c.index, pi).items.filter((i) => i.kind === 'stage'),
      ),
    );
    const withSteps = stages.filter((s) => s.replay.steps.length > 0);
    expect(lists.length).toBe(withSteps.length);
    const emptyChain = (name: string) =>
      rs.tables.flatMap((t) => t.chains).find((c) => c.name === name)?.rules.length === 0;
    let folded = 0;
    withSteps.forEach((s, k) => {
      const items = lists[k]!;
      // Every step has exactly one item, in order.
      expect(
        items.flatMap((it) =>
          Array.from({ length: it.last - it.first + 1 }, (_, i) => it.first + i),
        ),
      ).toEqual(s.replay.steps.map((x) => x.n));
      for (const item of items.filter((it) => it.last > it.first)) {
        folded++;
        const steps = s.replay.steps.filter((x) => x.n >= item.first && x.n <= item.last);
        const jumps = steps.map((x) => (x.event.type === 'rule' ? x.event.verdict : ''));
        const runOfEmpty = jumps.every((v) => v.startsWith('jump ') && emptyChain(v.slice(5)));
        // A base chain whose rules only move between chains and whose policy accepts.
        const last = steps.at(-1)?.event;
        const quiet =
          steps[0]?.event.type === 'enter' &&
          last?.type === 'policy' &&
          last.verdict === 'accept' &&
          jumps.slice(1, -1).every((v) => /^(jump|goto|return)\b/.test(v));
        expect(runOfEmpty || quiet, `(${item.first})–(${item.last}) does nothing`).toBe(true);
        for (const x of steps) expect(item.inner.has(x.n), `(${x.n}) inside the fold`).toBe(true);
      }
      for (const step of s.replay.steps) {
        const e = step.event;
        if (e.type !== 'rule' || !e.verdict.startsWith('jump ')) continue;
        const item = items.find((it) => step.n >= it.first && step.n <= it.last)!;
        const text = item.last > item.first ? item.inner.get(step.n) : item.text;
        expect(text, `(${step.n}) names its target`).toContain(`\`${e.verdict.slice(5)}\``);
      }
    });
    // firewalld's zone chains make such folds on the seed page.
    expect(folded).toBeGreaterThan(0);
  });
});

describe('every address a page prints is the trace’s address at that point, routing told once', () => {
  const langs = ['en', 'ja'] as const;
  for (const file of scenarioFiles) {
    for (const lang of langs) {
      it(`${file} (${lang})`, () => {
        const sc = loadScenario(join(scenarioDir, file));
        const rs = readRuleset(sc);
        const trace = simulate(sc, rs);
        const page = explainToText(sc, rs, trace, { lang, format: 'md' }).markdown;
        expect(addressDisagreements(page, trace, messages(lang))).toEqual([]);
        expect(routingContradictions(page, messages(lang))).toEqual([]);
      });
    }
  }

  for (const lang of langs) {
    it(`fails on a page that shows a reply with its translated address (${lang})`, () => {
      const msg = messages(lang);
      const file = join(scenarioDir, 'router-forward.yaml');
      const sc = loadScenario(file);
      const rs = readRuleset(sc);
      const trace = simulate(sc, rs);
      const page = explainToText(sc, rs, trace, { lang, format: 'md' }).markdown;
      expect(addressDisagreements(page, trace, msg)).toEqual([]);
      // The reply as it is on the wire, and as it is after conntrack undid the masquerade.
      const wire = '192.0.2.80:80 → 198.51.100.2:41000';
      const translated = '192.0.2.80:80 → 10.10.0.11:41000';
      const wrongly = (from: string, to: string) => {
        expect(page).toContain(from);
        return addressDisagreements(page.replace(from, to), trace, msg).join('\n');
      };
      const heading = `### ${plain(msg.packetHeading('reply', wire))}`;
      expect(wrongly(heading, heading.replace(wire, translated))).toMatch(
        /packet 2 \(reply\): heading says 192\.0\.2\.80:80 → 10\.10\.0\.11:41000/,
      );
      const arrow = `P2-->>P1: tcp ${wire}`;
      expect(wrongly(arrow, arrow.replace(wire, translated))).toMatch(/sequence diagram arrows/);
      const atStart = plain(msg.packetAtStart(wire, null, null)).replace(/[.。]$/, '');
      // The first such line of the reply is its prerouting hook's.
      const at = page.indexOf(atStart, page.indexOf(heading));
      const wrongAt = `${page.slice(0, at)}${atStart.replace(wire, translated)}${page.slice(at + atStart.length)}`;
      expect(addressDisagreements(wrongAt, trace, msg).join('\n')).toMatch(
        /\(reply\) at l3 prerouting: page says 192\.0\.2\.80:80 → 10\.10\.0\.11:41000/,
      );
    });
  }
});
