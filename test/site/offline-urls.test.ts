/** The rewrite of a built page's URLs for reading from a folder (src/site/offline-urls.ts). */
import { describe, expect, it } from 'vitest';
import { offlinePage, relativeUrl, type SiteFiles } from '../../src/site/offline-urls.ts';

function site(base: string, files: Record<string, string>): SiteFiles {
  return {
    base,
    exists: (path) => path in files,
    read: (path) => {
      const code = files[path];
      if (code === undefined) throw new Error(`no ${path}`);
      return code;
    },
  };
}

const FILES = {
  'index.html': '',
  'guide/cli/index.html': '',
  'scenarios/x/index.html': '',
  'ja/scenarios/x/index.html': '',
  '_astro/a.css': '',
  '_astro/toc.js': 'export const t = 1;',
  '_astro/entry.js': 'import{t as e}from"./toc.js";console.log(e);',
  '_astro/lazy.js': 'document.x=()=>import(`./toc.js`);',
};

describe('relativeUrl', () => {
  const s = site('/sub/', FILES);
  it('makes the site’s URLs relative to the page, naming index.html', () => {
    expect(relativeUrl('/sub/guide/cli/', 'scenarios/x/index.html', s)).toBe(
      '../../guide/cli/index.html',
    );
    expect(relativeUrl('/sub/', 'scenarios/x/index.html', s)).toBe('../../index.html');
    expect(relativeUrl('/sub/scenarios/x/#step-1', 'scenarios/x/index.html', s)).toBe(
      'index.html#step-1',
    );
    expect(relativeUrl('/sub/_astro/a.css', 'index.html', s)).toBe('_astro/a.css');
    expect(relativeUrl('/sub/ja/scenarios/x/', 'scenarios/x/index.html', s)).toBe(
      '../../ja/scenarios/x/index.html',
    );
  });
  it('names the index.html of a folder a relative link points to', () => {
    expect(relativeUrl('./x/', 'scenarios/index.html', s)).toBe('./x/index.html');
    expect(relativeUrl('../guide/cli/#opts', 'scenarios/index.html', s)).toBe(
      '../guide/cli/index.html#opts',
    );
    expect(relativeUrl('./nope/', 'scenarios/index.html', s)).toBeUndefined();
    expect(relativeUrl('./x.md', 'scenarios/x/index.html', s)).toBeUndefined();
  });
  it('leaves other URLs alone', () => {
    for (const url of ['#a', 'https://example.org/', '//example.org/x', '/other/', 'data:x']) {
      expect(relativeUrl(url, 'index.html', s)).toBeUndefined();
    }
  });
  it('keeps a folder without index.html a folder', () => {
    expect(relativeUrl('/sub/pagefind/', 'guide/cli/index.html', s)).toBe('../../pagefind/');
  });
});

describe('offlinePage', () => {
  const s = site('/', FILES);
  const page = (body: string) =>
    `<!doctype html><html><head><link rel="stylesheet" href="/_astro/a.css"></head><body>${body}</body></html>`;

  it('rewrites links, stylesheets and the language switch’s choices', () => {
    const out = offlinePage(
      page(
        '<a href="/guide/cli/">cli</a><starlight-lang-select><select><option value="/ja/scenarios/x/">ja</option></select></starlight-lang-select>',
      ),
      'scenarios/x/index.html',
      s,
    );
    expect(out).toContain('href="../../_astro/a.css"');
    expect(out).toContain('href="../../guide/cli/index.html"');
    expect(out).toContain('value="../../ja/scenarios/x/index.html"');
  });

  it('inlines a module script and its imports as data: modules', () => {
    const out = offlinePage(
      page('<script type="module" src="/_astro/entry.js"></script>'),
      'index.html',
      s,
    );
    const src = /<script type="module" src="data:text\/javascript;base64,([^"]+)"/.exec(out)?.[1];
    const code = Buffer.from(src ?? '', 'base64').toString();
    expect(code).toMatch(/^import\{t as e\}from"data:text\/javascript;base64,/);
    const inner = /base64,([^"]+)"/.exec(code)?.[1] ?? '';
    expect(Buffer.from(inner, 'base64').toString()).toBe('export const t = 1;');
  });

  it('loads a script with lazy imports only when served, without a </script> in its text', () => {
    const out = offlinePage(
      page('<script type="module" src="/_astro/lazy.js"></script>'),
      'guide/cli/index.html',
      s,
    );
    expect(out).not.toContain('src="/_astro/lazy.js"');
    expect(out).toContain(
      `if (location.protocol !== 'file:') document.write("\\u003cscript type=\\"module\\" src=\\"../../_astro/lazy.js\\">\\u003c/script>");`,
    );
  });

  it('escapes text, never turning it into markup', () => {
    const out = offlinePage(page('<p>&lt;script&gt;x&lt;/script&gt;</p>'), 'index.html', s);
    expect(out).toContain('<p>&#x3C;script>x&#x3C;/script></p>');
  });
});
