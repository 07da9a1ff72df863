/** The playground's own words, in each of the site's languages. */
import type { Lang } from '../../scenario/model.ts';

export interface UiText {
  scenario: string;
  ruleset: string;
  working: string;
  updated(millis: number): string;
  hasErrors(count: number): string;
  failed(message: string): string;
  copied: string;
  linkCopied: string;
  /** The ruleset format the scenario's `ruleset:` gives, as the editor's caption says it. */
  formats: Record<string, string>;
}

export const UI_TEXT: Record<Lang, UiText> = {
  en: {
    scenario: 'Scenario',
    ruleset: 'Ruleset',
    working: 'Walking the packets…',
    updated: (ms) => `Explained in ${ms} ms.`,
    hasErrors: (n) =>
      `${n} error${n === 1 ? '' : 's'} in the input: the explanation below is the last one that worked.`,
    failed: (m) => `The walk failed: ${m}. The explanation below is the last one that worked.`,
    copied: 'The Markdown is on the clipboard.',
    linkCopied: 'The link is on the clipboard.',
    formats: {
      nft: 'nft list ruleset text',
      'nft-json': 'nft -j JSON',
      'iptables-save': 'iptables-save',
    },
  },
  ja: {
    scenario: 'シナリオ',
    ruleset: 'ルールセット',
    working: 'パケットを追っています…',
    updated: (ms) => `${ms} ms で説明を作りました。`,
    hasErrors: (n) =>
      `入力にエラーが ${n} 個あります。下の説明は最後にうまくいったときのものです。`,
    failed: (m) => `処理に失敗しました: ${m}。下の説明は最後にうまくいったときのものです。`,
    copied: 'Markdown をクリップボードにコピーしました。',
    linkCopied: 'リンクをクリップボードにコピーしました。',
    formats: {
      nft: 'nft list ruleset のテキスト',
      'nft-json': 'nft -j の JSON',
      'iptables-save': 'iptables-save',
    },
  },
};
