/**
 * The page of a conversation that lists its TCP segments tells, for each segment, what it is
 * and the conntrack TCP state it leaves the entry in, as the trace has them — and why an
 * invalid one is invalid — in both languages.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import type { ConntrackDetail } from '../../src/netfilter/trace.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

const sc = loadScenario(join(repoRoot, 'scenarios/gallery-tcp-conntrack-states.yaml'));
const rs = readRuleset(sc);
const trace = simulate(sc, rs);
const page = (lang: 'en' | 'ja') => explainToText(sc, rs, trace, { lang, format: 'md' }).markdown;

/** Every conntrack event of a TCP segment, in page order. */
const details = trace.conversations.flatMap((c) =>
  c.packets.flatMap((p) =>
    p.events
      .filter((e) => e.type === 'conntrack')
      .map((e) => e.detail as ConntrackDetail)
      .filter((d) => d.tcp !== undefined || d.tcpInvalid !== undefined),
  ),
);

describe('the page of a segments conversation', () => {
  it('has TCP states from SYN_SENT to TIME_WAIT, an invalid SEQ and an invalid start', () => {
    const states = details.map((d) => d.tcp ?? d.tcpInvalid);
    expect(states).toEqual(expect.arrayContaining(['SYN_SENT', 'LAST_ACK', 'TIME_WAIT']));
    expect(states).toEqual(expect.arrayContaining(['seq-over', 'cannot-start']));
  });

  for (const lang of ['en', 'ja'] as const) {
    it(`tells each TCP state change the trace has, in order (${lang})`, () => {
      const text = page(lang);
      let at = -1;
      for (const d of details.filter((x) => x.tcpFrom)) {
        const said =
          lang === 'en'
            ? `moves from \`${d.tcpFrom}\` to \`${d.tcp}\``
            : `\`${d.tcpFrom}\` から \`${d.tcp}\` に変わります`;
        const found = text.indexOf(said, at + 1);
        expect(found, said).toBeGreaterThan(at);
        at = found;
      }
    });

    it(`says why a segment is invalid (${lang})`, () => {
      const text = page(lang);
      const why =
        lang === 'en'
          ? [
              'beyond the window the receiver announced',
              'only a SYN (or, with nf_conntrack_tcp_loose, an ACK) may start one',
            ]
          : ['受信側が通知したウィンドウの外', '接続を始められるのは SYN'];
      for (const w of why) expect(text).toContain(w);
    });
  }
});
