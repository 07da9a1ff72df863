/**
 * The hostile scenario through the real site build (NFWALK_SCENARIOS points the build at a
 * temporary folder): its page exists, shows the hostile text as text, and no script, element,
 * event handler or javascript: link came from it. About a minute on 2 cores.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Element, Root } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { toString as hastToString } from 'hast-util-to-string';
import { visit } from 'unist-util-visit';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnv, REPO } from '../site/support/build.ts';
import { HOSTILE_RULESET, HOSTILE_SCENARIO, MUST_SHOW } from './hostile-fixture.ts';

/** The site's Markdown pipeline makes quotes and dashes typographic (smartypants): compare without. */
function typographic(s: string): string {
  return s.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/[—–]/g, '--').replace(/--+/g, '--');
}

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? htmlFiles(p) : p.endsWith('.html') ? [p] : [];
  });
}

describe('hostile scenario through the site build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nfw-hostile-scenarios-'));
  const out = mkdtempSync(join(tmpdir(), 'nfw-hostile-out-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('builds a page that shows the text and runs none of it', () => {
    writeFileSync(join(dir, 'hostile.nft'), HOSTILE_RULESET);
    writeFileSync(join(dir, 'hostile.yaml'), HOSTILE_SCENARIO);
    const log = execFileSync(
      process.execPath,
      [join(REPO, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', out],
      {
        cwd: REPO,
        env: { ...buildEnv(), NFWALK_SCENARIOS: dir },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    // Module code in the page would have run during the build.
    expect(log).not.toContain('nfwalkPwned');
    const pages = htmlFiles(out)
      .map((f) => ({ f, html: readFileSync(f, 'utf8') }))
      .filter((p) => p.html.includes('x__client__'));
    // en and ja pages of the scenario.
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const { f, html } of pages) {
      const tree = fromHtml(html) as Root;
      visit(tree, 'element', (el: Element) => {
        expect(el.tagName, f).not.toBe('foo');
        for (const [k, v] of Object.entries(el.properties ?? {})) {
          const value = Array.isArray(v) ? v.join(' ') : String(v);
          if (/^on/i.test(k)) expect(value, `${f}: ${el.tagName}.${k}`).not.toMatch(/alert/);
          if (k === 'href' || k === 'src')
            expect(value, `${f}: ${el.tagName}.${k}`).not.toMatch(/^\s*javascript:|^x$/i);
        }
        if (el.tagName === 'script') expect(hastToString(el), f).not.toContain('alert(1)');
      });
      const text = typographic(hastToString(tree));
      for (const s of MUST_SHOW) expect(text, f).toContain(typographic(s));
    }
  }, 600_000);
});
