/**
 * Japanese, one term per concept: every Japanese page (each scenario's, and the guide's) says
 * a concept with the word the seed article uses — nft's own words for its objects (hook,
 * chain, base chain, policy, as in 「preroutingをhookしてnatを行うPREROUTINGというchain」),
 * レスポンス for the reply, 優先順位 for the order of base chains — never a second spelling.
 * Code spans, listings and diagrams' code are left out: there the ruleset's own words stand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

interface Term {
  concept: string;
  /** The word the pages use. */
  term: string;
  /** Other spellings of the same concept, none allowed. */
  variants: RegExp;
}

const TERMS: Term[] = [
  { concept: 'hook', term: 'hook', variants: /フック/g },
  {
    concept: 'base chain',
    term: 'base chain',
    variants: /ベースチ[ェエ][イー]ン|基本チェ[イー]ン/g,
  },
  { concept: 'regular chain', term: 'regular chain', variants: /通常の?チ[ェエ][イー]ン/g },
  { concept: 'chain', term: 'chain', variants: /チ[ェエ][イー]ン/g },
  { concept: 'policy', term: 'policy', variants: /ポリシー/g },
  // The reply packet; 応答する (to answer), conntrack's 応答方向 (reply direction) and TCP's
  // 確認応答 (acknowledgement, as in 確認応答番号) stay.
  {
    concept: 'reply',
    term: 'レスポンス',
    variants: /(?<!確認)応答(?![しすせ]|方向)|戻りパケット|返りパケット|リプライ|返信/g,
  },
  { concept: 'request', term: 'リクエスト', variants: /(?<!エコー)要求/g },
  { concept: 'connection', term: '接続', variants: /コネクション(?!トラッキング)/g },
  { concept: 'conntrack', term: 'conntrack', variants: /接続追跡|コネクショントラッキング/g },
  {
    concept: 'routing decision',
    term: 'routing decision',
    variants: /ルーティング(判断|決定)|経路(決定|選択)/g,
  },
  { concept: 'priority order', term: '優先順位', variants: /優先度|プライオリティ/g },
  {
    concept: 'interface',
    term: 'インターフェース',
    variants: /インタ[ー]?フェイス|インタフェース|(?<![A-Za-z])IF(?![A-Za-z])/g,
  },
  { concept: 'verdict', term: '判定', variants: /(?<![A-Za-z])verdict(?! map)(?![A-Za-z])/g },
  { concept: 'family', term: 'ファミリ', variants: /ファミリー/g },
  { concept: 'table', term: 'テーブル', variants: /(?<![A-Za-z_-])tables?(?![A-Za-z_-])/g },
  { concept: 'server', term: 'サーバ', variants: /サーバー/g },
];

/** The prose of a Markdown or MDX page: fenced blocks, listings and code spans removed. */
function prose(page: string): string {
  return page
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?\n\1[^\n]*$/gm, '')
    .replace(/^(import|export) .*$/gm, '')
    .replace(/<ChainListing\b[\s\S]*?\/>/g, '')
    .replace(/`[^`\n]*`/g, '');
}

/** Every other spelling of a concept the page uses, with a little context. */
function termFaults(page: string): string[] {
  const text = prose(page);
  const out: string[] = [];
  for (const t of TERMS) {
    for (const m of text.matchAll(t.variants)) {
      const at = m.index ?? 0;
      out.push(
        `${t.concept}: "${m[0]}" for "${t.term}" in …${text.slice(Math.max(0, at - 12), at + 12)}…`,
      );
    }
  }
  return out;
}

const scenarioDir = join(repoRoot, 'scenarios');
const scenarios = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];
const guideDir = join(repoRoot, 'content/docs/ja');
const guide = existsSync(guideDir)
  ? readdirSync(guideDir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.mdx?$/.test(f))
  : [];

describe('Japanese terms', () => {
  it('finds a second spelling of a concept, and leaves code and the allowed words alone', () => {
    const concepts = (page: string) => termFaults(page).map((f) => f.split(':')[0]);
    expect(concepts('各フックのベースチェインを優先度順に')).toEqual([
      'hook',
      'base chain',
      'chain',
      'priority order',
    ]);
    expect(termFaults('入力IFは')[0]).toBe('interface: "IF" for "インターフェース" in …入力IFは…');
    expect(concepts('入力IFは `eth0`。応答が返ってきます')).toEqual(['reply', 'interface']);
    expect(
      termFaults(
        '各hookのbase chainを優先順位の順に。カーネルが応答します。`table ip nat` と verdict map\n\n```nft\ntable ip nat { chain フック {} }\n```',
      ),
    ).toEqual([]);
  });

  for (const file of scenarios) {
    it(`${file}: one term per concept on the Japanese page`, () => {
      const sc = loadScenario(join(scenarioDir, file));
      const rs = readRuleset(sc);
      const page = explainToText(sc, rs, simulate(sc, rs), { lang: 'ja', format: 'md' }).markdown;
      expect(termFaults(page)).toEqual([]);
    });
  }

  for (const file of guide) {
    it(`guide ${file}: one term per concept`, () => {
      expect(termFaults(readFileSync(join(guideDir, file), 'utf8'))).toEqual([]);
    });
  }
});
