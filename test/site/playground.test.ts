/// <reference lib="dom" />
/**
 * The playground (issue #19) in a real browser (Debian chromium through playwright-core), on the
 * site built once for the browser tests (support/build.ts): the seed's explanation equals its
 * static page, Copy as Markdown equals `nfwalk explain --format md`, errors land at their line
 * and column, a share link reproduces the page in a fresh browser, it works with every request
 * to another host (and, once loaded, every request at all) blocked, and the speed and size the
 * issue asks for. Timings are the best of several runs: the machine is shared.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeProxyRuleset, kubeProxyScenario } from '../../bench/kube-proxy-gen.ts';
import type { RulesetError } from '../../src/ruleset/diagnostics.ts';
import { parseRulesetText } from '../../src/ruleset/parse.ts';
import { playgroundLink } from '../../src/site/pages.ts';
import { chromiumMissing, type LaunchedBrowser, launchChromium } from './support/browser.ts';
import { BUILD_TIMEOUT, buildSite, OUT, REPO } from './support/build.ts';
import { type StaticServer, serveStatic } from './support/static-server.ts';

const SEED = 'seed-docker-firewalld-radius';
const SEED_RULESET = readFileSync(join(REPO, 'scenarios', `${SEED}.nft`), 'utf8');
const EXPLANATION = '[data-pg="explanation"]';
/** Both texts of the seed's comparison, for a diff when they differ. */
const SAVED = join(REPO, 'test-results', 'playground');

describe('the link from a scenario page', () => {
  it('is relative and carries the scenario file, escaped', () => {
    expect(playgroundLink('scenarios/a b.yaml', 'en')).toBe(
      '[Open this scenario in the playground](../../playground/#scenario=a%20b.yaml)\n',
    );
    expect(playgroundLink('x.yaml', 'ja')).toContain('プレイグラウンド');
  });
});

/** The text of a page's explanation, without what only one of the two pages has around it. */
async function explanationText(page: Page, selector: string): Promise<string> {
  return page.evaluate((sel) => {
    const root = document.querySelector<HTMLElement>(sel);
    if (!root) throw new Error(`no ${sel}`);
    // Chrome: diagrams (drawn at different times), heading anchors, code-block buttons, the
    // playground's own title and the scenario page's links (its single-file and Markdown
    // versions, the playground).
    const chrome = 'figure.nfw-mermaid, .sl-anchor-link, .copy, .nfw-pg-title, .nfw-downloads';
    for (const el of root.querySelectorAll(chrome)) el.remove();
    // Folded content is part of the explanation: compared open.
    for (const el of root.querySelectorAll('details')) el.open = true;
    for (const el of root.querySelectorAll<HTMLElement>('.nfw-listing')) {
      el.style.contentVisibility = 'visible';
    }
    // biome-ignore lint/performance/useDomNodeTextContent: code blocks' lines are blocks: only the rendered text separates them
    return root.innerText.replace(/\s+/g, ' ').trim();
  }, selector);
}

/** Waits until the newest walk is shown (or its errors are). */
async function settled(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const region = document.querySelector(sel);
      const status = document.querySelector('[data-pg="status"]')?.textContent ?? '';
      return region?.getAttribute('aria-busy') === 'false' && status !== '';
    },
    EXPLANATION,
    { timeout, polling: 10 },
  );
}

/** Replaces the text of the editor labelled `label`, as a paste would. */
async function replaceText(page: Page, label: string, text: string): Promise<void> {
  await page.locator(`.cm-content[aria-label="${label}"]`).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

function fragmentOf(file: string, scenario: string, ruleset: string): string {
  const json = JSON.stringify({ v: 1, file, scenario, ruleset });
  return `s=${deflateRawSync(Buffer.from(json)).toString('base64url')}`;
}

if (chromiumMissing) console.warn(`playground browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing !== undefined)('the playground in chromium', () => {
  let server: StaticServer;
  let browser: LaunchedBrowser;
  const requested: string[] = [];

  beforeAll(async () => {
    const seconds = buildSite();
    if (seconds > 0) console.info(`site built in ${seconds.toFixed(1)} s`);
    server = await serveStatic(OUT, '/nfwalk-test/');
    browser = await launchChromium();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.origin,
    });
    browser.context.on('request', (r) => requested.push(r.url()));
  }, BUILD_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + path, { waitUntil: 'load' });
    expect(errors, `script errors on ${path}`).toEqual([]);
    return page;
  }

  it('explains the seed as its static page does, and copies what nfwalk explain prints', async () => {
    const page = await open('playground/');
    await settled(page);
    expect(await page.locator('[data-pg="status"]').textContent()).toMatch(/^Explained in/);
    await page.getByRole('button', { name: 'Copy as Markdown' }).click();
    await expect.poll(() => page.locator('[data-pg="status"]').textContent()).toMatch(/clipboard/);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const cli = execFileSync(
      process.execPath,
      [join(REPO, 'bin/nfwalk.mjs'), 'explain', `scenarios/${SEED}.yaml`, '--lang', 'en'],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(copied).toBe(cli);
    const figures = await page.locator(`${EXPLANATION} figure.nfw-mermaid`).count();
    const played = await explanationText(page, EXPLANATION);
    const staticPage = await open(`scenarios/${SEED}/`);
    expect(await staticPage.locator('main figure.nfw-mermaid').count()).toBe(figures);
    const published = await explanationText(staticPage, 'main .sl-markdown-content');
    mkdirSync(SAVED, { recursive: true });
    writeFileSync(join(SAVED, 'seed-played.txt'), played.replace(/ (?=\(\d+\) )/g, '\n'));
    writeFileSync(join(SAVED, 'seed-published.txt'), published.replace(/ (?=\(\d+\) )/g, '\n'));
    expect(played.length).toBeGreaterThan(10_000);
    expect(played).toBe(published);
    await page.close();
    await staticPage.close();
  });

  it('colours the ruleset editor with the site grammar of its format (nft, iptables-save)', async () => {
    const page = await open('playground/');
    await settled(page);
    /** Colours of the editor's pieces whose text is `word`, and of plain text. */
    const colours = (word: string) =>
      page.evaluate((w) => {
        const editor = document.querySelector('.cm-content[aria-label="Ruleset"]')!;
        const line = editor.querySelector('.cm-line')!;
        const pieces = [...editor.querySelectorAll('.cm-line span')].filter(
          (s) => s.textContent === w,
        );
        return {
          plain: getComputedStyle(line).color,
          word: pieces.map((s) => getComputedStyle(s).color),
        };
      }, word);
    const nft = await colours('dnat');
    expect(nft.word.length).toBeGreaterThan(0);
    expect(nft.word[0]).not.toBe(nft.plain);

    await page.locator('[data-pg="picker"]').selectOption('docker-published-ports.yaml');
    await expect
      .poll(() => page.locator('[data-pg="format"]').textContent(), { timeout: 60_000 })
      .toMatch(/iptables/i);
    const ipt = await colours('-A');
    expect(ipt.word.length).toBeGreaterThan(0);
    expect(ipt.word[0]).not.toBe(ipt.plain);
    await page.close();
  });

  it('marks a ruleset typo at its line and column, keeps the last page, and updates once fixed', async () => {
    const page = await open('playground/');
    await settled(page);
    const before = await explanationText(page, EXPLANATION);
    const lines = SEED_RULESET.split('\n');
    expect(lines[1]).toBe('\tchain PREROUTING {');
    const typo = [lines[0], '\tchian PREROUTING {', ...lines.slice(2)].join('\n');
    let expected: RulesetError | undefined;
    try {
      parseRulesetText(typo, 'nft', `${SEED}.nft`);
    } catch (e) {
      expected = e as RulesetError;
    }
    const first = expected?.diagnostics[0];
    if (!first) throw new Error('the typo was not refused by the parser');
    await replaceText(page, 'Ruleset', typo);
    const errors = page.getByRole('list', { name: 'Errors' });
    await expect
      .poll(() => errors.locator('li').first().textContent(), { timeout: 60_000 })
      .toBe(`${first.file}:${first.line}:${first.col}: error: ${first.message}`);
    // The error leads to its place; there the editor underlines it: which line (by the line
    // number beside it) and which column (by the text before it)?
    await errors.getByRole('button').first().click();
    const range = page.locator('.cm-content[aria-label="Ruleset"] .cm-lintRange-error').first();
    await range.waitFor();
    const marked = await range.evaluate((mark) => {
      const line = mark.closest('.cm-line');
      if (!line) return undefined;
      const before = document.createRange();
      before.setStart(line, 0);
      before.setEndBefore(mark);
      const top = line.getBoundingClientRect().top;
      const editor = mark.closest('.cm-editor');
      const numbers = [...(editor?.querySelectorAll('.cm-lineNumbers .cm-gutterElement') ?? [])];
      const number = numbers.find((n) => Math.abs(n.getBoundingClientRect().top - top) < 2);
      return { line: Number(number?.textContent), col: before.toString().length + 1 };
    });
    expect(marked).toEqual({ line: first.line, col: first.col });
    expect(await page.locator(`${EXPLANATION}.nfw-pg-stale`).count()).toBe(1);
    expect(await explanationText(page, EXPLANATION)).toBe(before);
    const fixed = [lines[0], '\tchain PREROUTING_X {', ...lines.slice(2)].join('\n');
    await replaceText(page, 'Ruleset', fixed);
    await expect
      .poll(() => page.locator(EXPLANATION).textContent(), { timeout: 60_000 })
      .toContain('chain PREROUTING_X {');
    expect(await errors.isHidden()).toBe(true);
    expect(await page.locator(`${EXPLANATION}.nfw-pg-stale`).count()).toBe(0);
    await page.close();
  });

  it('reproduces the page from a share link in a fresh browser', async () => {
    const page = await open(`playground/#scenario=gallery-libvirt-nat.yaml`);
    await settled(page);
    const shown = await explanationText(page, EXPLANATION);
    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => page.locator('[data-pg="status"]').textContent()).toMatch(/link/);
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/#s=[A-Za-z0-9_-]+$/);
    const fresh = await launchChromium();
    try {
      const other = await fresh.context.newPage();
      await other.goto(link, { waitUntil: 'load' });
      await settled(other);
      expect(await explanationText(other, EXPLANATION)).toBe(shown);
    } finally {
      await fresh.close();
    }
    await page.close();
  });

  it('works with every request to another host blocked, and with all requests blocked once loaded', async () => {
    const page = await browser.context.newPage();
    const asked: string[] = [];
    let offline = false;
    await page.route('**/*', (route) => {
      const url = route.request().url();
      asked.push(url);
      if (offline || new URL(url).origin !== server.origin) return route.abort();
      return route.continue();
    });
    await page.goto(`${server.url}playground/`, { waitUntil: 'load' });
    await settled(page);
    // The diagrams are drawn as they come near the screen, by the bundle the site serves.
    await page.locator(`${EXPLANATION} figure.nfw-mermaid`).first().scrollIntoViewIfNeeded();
    await page.locator(`${EXPLANATION} figure.nfw-mermaid-drawn svg`).first().waitFor();
    offline = true;
    const lines = SEED_RULESET.split('\n');
    await replaceText(
      page,
      'Ruleset',
      [lines[0], '\tchain PRE_OFFLINE {', ...lines.slice(2)].join('\n'),
    );
    await expect
      .poll(() => page.locator(EXPLANATION).textContent(), { timeout: 60_000 })
      .toContain('chain PRE_OFFLINE {');
    expect(asked.filter((u) => new URL(u).origin !== server.origin)).toEqual([]);
    await page.close();
  });

  // Issue #19's target is 300 ms from the debounce to the new page on screen. Measured in the
  // page: from the walk's start (the region turns busy) to the second animation frame after it
  // is done, i.e. once the frame holding the new explanation has been painted. The suite runs
  // two files at once on CI's two cores, so the assertion guards against regressions at 500 ms,
  // and the figures are printed for the note.
  it('explains the seed within 500 ms of the debounce, painted (best of five edits)', async () => {
    const page = await open('playground/');
    await settled(page);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.evaluate((sel) => {
        const region = document.querySelector(sel)!;
        const w = window as unknown as { nfwTook?: Promise<number> };
        w.nfwTook = new Promise((resolve) => {
          let start: number | undefined;
          const seen = new MutationObserver(() => {
            const busy = region.getAttribute('aria-busy');
            if (busy === 'true') start ??= performance.now();
            else if (start !== undefined) {
              seen.disconnect();
              const begun = start;
              requestAnimationFrame(() =>
                requestAnimationFrame(() => resolve(performance.now() - begun)),
              );
            }
          });
          seen.observe(region, { attributes: true, attributeFilter: ['aria-busy'] });
        });
      }, EXPLANATION);
      await page.locator('.cm-content[aria-label="Ruleset"]').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('#');
      const took = await page.evaluate(
        () => (window as unknown as { nfwTook: Promise<number> }).nfwTook,
      );
      times.push(Math.round(took));
      await settled(page);
    }
    console.info(`seed after the debounce, painted: ${times.join(', ')} ms (target 300 ms)`);
    expect(Math.min(...times)).toBeLessThanOrEqual(500);
    await page.close();
  });

  for (const { services, budget } of [
    { services: 5_000, budget: 3_000 },
    { services: 50_000, budget: undefined },
  ]) {
    it(`walks ${services} kube-proxy services${budget ? ` within ${budget} ms` : ' without blocking the page'}`, async () => {
      const file = `kube-${services}.yaml`;
      const fragment = fragmentOf(
        file,
        kubeProxyScenario(services, `kube-${services}.nft`),
        kubeProxyRuleset(services),
      );
      const page = await open(`playground/#${fragment}`);
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('aria-busy') === 'true',
        EXPLANATION,
        { polling: 5, timeout: 120_000 },
      );
      expect(await page.locator('[data-pg="progress"]').isVisible()).toBe(true);
      const started = Date.now();
      // The page's longest stall while the worker runs: a timer that should fire every 5 ms.
      const stall = await page.evaluate(
        (sel) =>
          new Promise<number>((resolve) => {
            let last = performance.now();
            let longest = 0;
            const tick = () => {
              const now = performance.now();
              longest = Math.max(longest, now - last);
              last = now;
              const busy = document.querySelector(sel)?.getAttribute('aria-busy') === 'true';
              if (busy) setTimeout(tick, 5);
              else resolve(longest);
            };
            tick();
          }),
        EXPLANATION,
      );
      const took = Date.now() - started;
      console.info(`${services} services: ${took} ms, longest stall ${Math.round(stall)} ms`);
      expect(await page.locator('[data-pg="status"]').textContent()).toMatch(/^Explained in/);
      expect(await page.locator(EXPLANATION).textContent()).toContain('svc_');
      if (budget) expect(took).toBeLessThanOrEqual(budget);
      else expect(stall).toBeLessThan(500);
      await page.close();
    }, 300_000);
  }

  it('ships at most 1 MB of gzipped JavaScript, the diagram renderer aside', () => {
    // The page inlines its module scripts (so that it also opens from file://:
    // src/site/offline-integration.ts); the bundle they came from stays in _astro/.
    const dir = join(OUT, '_astro');
    const entry = readdirSync(dir).find((n) => /^Playground\b.*\.js$/.test(n));
    expect(entry).toBeDefined();
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const code = readFileSync(join(dir, name), 'utf8');
      // Static imports and the worker; dynamic imports (the gallery's files) load when picked.
      const refs = code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"|(worker-[\w-]+\.js)/g);
      for (const m of refs) visit(m[1] ?? m[2]!);
    };
    visit(entry!);
    expect([...seen].some((n) => n.startsWith('worker-'))).toBe(true);
    const sizes = [...seen].map((n) => gzipSync(readFileSync(join(dir, n))).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.info(
      `playground JavaScript: ${(total / 1024).toFixed(0)} kB gzipped in ${seen.size} files (${readdirSync(dir).length} in _astro)`,
    );
    expect(total).toBeLessThanOrEqual(1024 * 1024);
  });

  it('asked no host but the local server', () => {
    expect(requested.filter((u) => new URL(u).origin !== server.origin)).toEqual([]);
  });
});
