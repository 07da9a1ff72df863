/** Both catalogues say everything: same keys, and no page shows a key or an unfilled slot. */
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { ja } from '../../src/explain/i18n/ja.ts';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

describe('message catalogues', () => {
  it('English and Japanese have the same keys, all functions', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(ja)) expect(typeof v, k).toBe('function');
  });

  const scenario = fixtureScenario();
  const ruleset = fixtureRuleset();
  const traces = { fixture: seedTrace, simulated: simulate(scenario, ruleset) };
  const keys = Object.keys(en).filter((k) => /[a-z][A-Z]/.test(k));

  for (const [name, trace] of Object.entries(traces)) {
    for (const lang of ['en', 'ja'] as const) {
      it(`the ${name} trace's ${lang} page holds no message key, undefined or object text`, () => {
        const page = explainToText(scenario, ruleset, trace, { lang, format: 'md' }).markdown;
        for (const bad of ['undefined', '[object Object]', 'NaN', '${'])
          expect(page).not.toContain(bad);
        // A catalogue key (camelCase identifier) on the page means a sentence went missing.
        const prose = page.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
        for (const k of keys) expect(prose, k).not.toMatch(new RegExp(`\\b${k}\\b`));
      });
    }
  }

  it('the Japanese page is Japanese: every explanation item has kana or kanji', () => {
    const page = explainToText(scenario, ruleset, seedTrace, { lang: 'ja', format: 'md' }).markdown;
    const items = page.match(/^- \(\d+\) .*$/gm) ?? [];
    expect(items.length).toBeGreaterThan(10);
    for (const item of items) expect(item).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  });

  it('notes are told from their detail in the page language, never as the English message', () => {
    const withNotes = structuredClone(seedTrace);
    const events = withNotes.conversations[0]!.packets[0]!.events;
    const lines = [
      'MESSAGE-no-answer',
      'MESSAGE-nat-without-conntrack',
      'not modelled, so the walk ignores: net.ipv4.conf.all.rp_filter = 1',
    ];
    events.unshift(
      {
        type: 'note',
        message: lines[0]!,
        detail: { kind: 'no-answer', to: 'db', daddr: '10.9.9.9' },
      },
      {
        type: 'note',
        message: lines[1]!,
        detail: { kind: 'nat-without-conntrack', statement: 'snat' },
      },
      {
        type: 'note',
        message: lines[2]!,
        detail: {
          kind: 'sysctl-not-modelled',
          sysctl: ['net.ipv4.conf.all.rp_filter'],
          values: [1],
        },
      },
    );
    const en = explainToText(scenario, ruleset, withNotes, { lang: 'en', format: 'md' }).markdown;
    const ja = explainToText(scenario, ruleset, withNotes, { lang: 'ja', format: 'md' }).markdown;
    for (const line of lines) {
      expect(en).not.toContain(line);
      expect(ja).not.toContain(line);
    }
    expect(en).toContain('`db` is not 10.9.9.9, so it does not answer');
    expect(ja).toContain('`db` は 10.9.9.9 ではないので応答しません');
    expect(en).toContain('The `snat` statement does nothing here');
    expect(ja).toMatch(/`snat` 文は変換を記録できず/);
    expect(ja).toMatch(/`net\.ipv4\.conf\.all\.rp_filter` を設定していますが/);
    expect(en).toMatch(/sets `net\.ipv4\.conf\.all\.rp_filter`, which nfwalk does not model/);
  });
});
