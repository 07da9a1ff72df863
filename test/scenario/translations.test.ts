/**
 * `translations:` (docs/spec/scenario-format.md, a compatible extension of v1): per-language
 * title and summary, checked with positions like every other key, and what each language's
 * page shows.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { explainScenarioFile } from '../../src/pipeline-files.ts';
import type { Diagnostic } from '../../src/ruleset/diagnostics.ts';
import { loadScenario, parseScenario } from '../../src/scenario/load.ts';
import type { Scenario } from '../../src/scenario/model.ts';
import { scenarioIn, scenarioText } from '../../src/scenario/text.ts';
import { indexPage, scenarioPage } from '../../src/site/pages.ts';
import { scenarioErrors, scratch, VALID } from './helpers.ts';

const repoRoot = join(import.meta.dirname, '../..');

let s: ReturnType<typeof scratch>;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.done());

const errorsOf = (text: string): Diagnostic[] => scenarioErrors(text, s.dir);

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function posOf(text: string, needle: string): { line: number; col: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}

/** VALID with a summary and the given lines inserted before `ruleset:`. */
function withTop(lines: string, summary = 'summary: Through the bridge.\n'): string {
  return VALID.replace('ruleset: rules.nft', `${summary}${lines}ruleset: rules.nft`);
}

const JA = `translations:
  ja:
    title: "Docker を通る RADIUS"
    summary: |
      ブリッジを通ります。
`;

describe('translations: loading', () => {
  it('loads a translation into the scenario, beside the unchanged own text', () => {
    const sc = parseScenario(withTop(JA), 'x.yaml', s.dir);
    expect(sc.title).toBe('RADIUS through Docker');
    expect(sc.summary).toBe('Through the bridge.');
    expect(sc.lang).toBe('en');
    expect(sc.translations).toEqual({
      ja: { title: 'Docker を通る RADIUS', summary: 'ブリッジを通ります。\n' },
    });
  });

  it('a v1 file (no translations) loads exactly as before, with no translations field', () => {
    const sc = parseScenario(VALID, 'x.yaml', s.dir);
    expect('translations' in sc).toBe(false);
    expect(scenarioText(sc, 'ja')).toEqual({ title: 'RADIUS through Docker' });
  });

  it('adding translations changes nothing else in the loaded scenario', () => {
    const strip = (sc: Scenario) =>
      JSON.parse(
        JSON.stringify(sc, (k, v) => (k === 'span' || k === 'translations' ? undefined : v)),
      );
    const plain = parseScenario(withTop(''), 'x.yaml', s.dir);
    const translated = parseScenario(withTop(JA), 'x.yaml', s.dir);
    expect(strip(translated)).toEqual(strip(plain));
  });

  it('reports unknown languages, the own language and unknown keys at their position', () => {
    const text = withTop(`translations:
  fr:
    title: Par Docker
  en:
    title: Again
  ja:
    title: Docker
    summary: ブリッジ
    subtitle: x
`);
    const errs = errorsOf(text);
    expect(errs.map((e) => e.message)).toEqual([
      'translations: "fr" is not a language nfwalk writes pages in (write en or ja)',
      "translations.en: en is this scenario's own language (lang: en); its text is the top-level title and summary",
      'unknown key "subtitle" in translations.ja',
    ]);
    expect(errs.map((e) => ({ line: e.line, col: e.col }))).toEqual([
      posOf(text, 'fr:'),
      posOf(text, 'en:\n    title: Again'),
      posOf(text, 'subtitle'),
    ]);
    expect(errs.every((e) => e.file === 'x.yaml')).toBe(true);
  });

  it('refuses wrong shapes and an empty title, with positions', () => {
    const notMap = withTop('translations: [ja]\n');
    expect(errorsOf(notMap)).toEqual([
      expect.objectContaining({
        message: 'translations must be a mapping (key: value lines), not a list',
        ...posOf(notMap, '[ja]'),
      }),
    ]);
    const noTitle = withTop('translations:\n  ja:\n    summary: ブリッジ\n');
    expect(errorsOf(noTitle)).toEqual([
      expect.objectContaining({
        message: 'missing key "title" in translations.ja',
        ...posOf(noTitle, 'summary: ブリッジ'),
      }),
    ]);
    const empty = withTop('translations:\n  ja:\n    title: " "\n    summary: ブリッジ\n');
    expect(errorsOf(empty)).toEqual([
      expect.objectContaining({
        message: 'translations.ja.title must not be empty',
        ...posOf(empty, '" "'),
      }),
    ]);
    const number = withTop('translations:\n  ja:\n    title: 42\n    summary: ブリッジ\n');
    expect(errorsOf(number)[0]!.message).toBe(
      'translations.ja.title must be a string, not a number (42)',
    );
  });

  it('keeps both pages alike: a summary on one side needs one on the other', () => {
    const missing = withTop('translations:\n  ja:\n    title: Docker\n');
    expect(errorsOf(missing)).toEqual([
      expect.objectContaining({
        message:
          'translations.ja: the scenario has a summary, so its ja translation needs one too (summary: …)',
        ...posOf(missing, 'title: Docker'),
      }),
    ]);
    const extra = withTop('translations:\n  ja:\n    title: Docker\n    summary: ブリッジ\n', '');
    expect(errorsOf(extra)).toEqual([
      expect.objectContaining({
        message:
          'translations.ja.summary: the scenario has no summary in its own language (lang: en); add one there or remove this one',
        ...posOf(extra, 'summary: ブリッジ'),
      }),
    ]);
    // Both without a summary is fine.
    const none = parseScenario(
      withTop('translations:\n  ja:\n    title: Docker\n', ''),
      'x.yaml',
      s.dir,
    );
    expect(none.translations).toEqual({ ja: { title: 'Docker' } });
  });

  it('a Japanese scenario may carry its English text', () => {
    const text = withTop(
      'translations:\n  en:\n    title: Through Docker\n    summary: Over the bridge.\n',
      'summary: ブリッジを通ります。\n',
    ).replace('lang: en', 'lang: ja');
    const sc = parseScenario(text, 'x.yaml', s.dir);
    expect(scenarioText(sc, 'en')).toEqual({
      title: 'Through Docker',
      summary: 'Over the bridge.',
    });
    expect(scenarioText(sc, 'ja')).toEqual({
      title: 'RADIUS through Docker',
      summary: 'ブリッジを通ります。',
    });
    const shown = scenarioIn(sc, 'en');
    expect([shown.title, shown.summary, shown.lang, shown.packets]).toEqual([
      'Through Docker',
      'Over the bridge.',
      'ja',
      sc.packets,
    ]);
  });
});

describe('translations: the scenarios of this repository', () => {
  const dir = join(repoRoot, 'scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('every scenario has its title and summary in the other language', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const sc = loadScenario(join(dir, f));
      const other = sc.lang === 'en' ? 'ja' : 'en';
      const t = sc.translations?.[other];
      expect(t, `${f}: no translations.${other}`).toBeDefined();
      expect(t!.title, f).not.toBe(sc.title);
      expect(Boolean(t!.summary), f).toBe(Boolean(sc.summary));
      // Japanese text is written in Japanese script; English text has none.
      const kana = /[\u3040-\u30ff]/;
      expect(kana.test(t!.title + (t!.summary ?? '')), f).toBe(other === 'ja');
    }
  });
});

describe('translations: the pages', () => {
  const file = 'scenarios/router-forward.yaml';

  it("the ja page of an English scenario shows the Japanese title and summary, the en page the scenario's own", async () => {
    const sc = loadScenario(join(repoRoot, file));
    expect(sc.lang).toBe('en');
    const ja = sc.translations!.ja!;
    const jaPage = explainScenarioFile(join(repoRoot, file), { lang: 'ja', format: 'md' });
    expect(jaPage.title).toBe(ja.title);
    expect(jaPage.summary).toBe(ja.summary);
    expect(jaPage.markdown.split('\n')[0]).toBe(`# ${ja.title}`);
    expect(jaPage.markdown).toContain(ja.summary!.split('\n')[0]!);
    expect(jaPage.markdown).not.toContain(sc.title);

    const enPage = explainScenarioFile(join(repoRoot, file), { lang: 'en', format: 'md' });
    expect(enPage.title).toBe(sc.title);
    expect(enPage.markdown.split('\n')[0]).toBe(`# ${sc.title}`);
    expect(enPage.markdown).not.toContain(ja.title);
  });

  it("the site's ja page frontmatter and ja index use the Japanese text", async () => {
    const sc = loadScenario(join(repoRoot, file));
    const ja = sc.translations!.ja!;
    const explained = explainScenarioFile(join(repoRoot, file), {
      lang: 'ja',
      format: 'mdx',
    });
    const page = scenarioPage(explained, '../components', file);
    const front = parse(page.split('---\n')[1]!) as Record<string, unknown>;
    expect(front.title).toBe(ja.title);
    expect(front.description).toBe(`${ja.summary!.split('。')[0]}。`);
    const index = indexPage([{ slug: 'router-forward', file, explained }], 'ja');
    expect(index).toContain(`[${ja.title}](./router-forward/)`);
    expect(index).not.toContain(sc.title);
  });
});
