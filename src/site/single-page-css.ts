/**
 * The single-file page's stylesheet: a small page layout with Starlight's colour variables
 * (light, and dark under `prefers-color-scheme`), then the site's own nfwalk.css and print.css.
 * The site switches themes with `data-theme` on <html>, set by a script; a file with no script
 * says the same with media queries, so rules written for `:root[data-theme='…']` are moved
 * under `@media (prefers-color-scheme: …)`.
 */
import { readFileSync } from 'node:fs';

const BASE_CSS = `
:root {
  color-scheme: light dark;
  --sl-color-white: #17181c; --sl-color-gray-1: #24272f; --sl-color-gray-2: #353841;
  --sl-color-gray-3: #545861; --sl-color-gray-4: #888b96; --sl-color-gray-5: #c0c2c7;
  --sl-color-gray-6: #eceef2; --sl-color-gray-7: #f5f6f8; --sl-color-black: #ffffff;
  --sl-color-accent-low: #c7d6ff; --sl-color-accent: #4e5ed8; --sl-color-accent-high: #1e2a8a;
  --sl-text-xs: 0.8125rem; --sl-text-code: 0.875rem;
  --sl-font-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace;
  --sl-nav-height: 0rem;
}
@media (prefers-color-scheme: dark) {
  :root {
    --sl-color-white: #ffffff; --sl-color-gray-1: #eceef2; --sl-color-gray-2: #c0c2c7;
    --sl-color-gray-3: #888b96; --sl-color-gray-4: #545861; --sl-color-gray-5: #353841;
    --sl-color-gray-6: #24272f; --sl-color-gray-7: #17181c; --sl-color-black: #131418;
    --sl-color-accent-low: #131e4f; --sl-color-accent: #5d6dff; --sl-color-accent-high: #b3c7ff;
  }
}
body {
  margin: 0; background: var(--sl-color-black); color: var(--sl-color-gray-2);
  font: 16px/1.65 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK JP',
    'IPAGothic', sans-serif;
}
.nfw-page { max-width: 54rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1, h2, h3, h4 { color: var(--sl-color-white); line-height: 1.25; }
h1 { font-size: 2.2rem; }
a { color: var(--sl-color-accent-high); }
code { font-family: var(--sl-font-mono); font-size: 0.875em; }
:not(pre) > code { background: var(--sl-color-gray-6); padding: 0.1em 0.3em; border-radius: 0.2em; }
pre { overflow-x: auto; }
pre.mermaid { text-align: start; background: var(--sl-color-gray-6); padding: 0.75rem; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--sl-color-gray-5); padding: 0.3rem 0.6rem; text-align: start; }
blockquote { margin-inline: 0; padding-inline-start: 1rem; border-inline-start: 3px solid var(--sl-color-gray-5); }
`;

/** Top-level rules of a stylesheet (no comments): [prelude, body] pairs. */
function topLevelRules(css: string): [string, string][] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const rules: [string, string][] = [];
  let depth = 0;
  let start = 0;
  let open = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') {
      if (depth === 0) open = i;
      depth += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) {
        rules.push([text.slice(start, open).trim(), text.slice(open + 1, i)]);
        start = i + 1;
      }
    }
  }
  return rules;
}

const THEMED = /^:root\[data-theme=(['"])(light|dark)\1\]/;

/** `:root[data-theme='x'] …` rules moved under `@media (prefers-color-scheme: x)`. */
export function themeByMediaQuery(css: string): string {
  const out: string[] = [];
  for (const [prelude, body] of topLevelRules(css)) {
    const selectors = prelude.startsWith('@') ? [prelude] : prelude.split(',').map((s) => s.trim());
    const plain = selectors.filter((s) => !THEMED.test(s));
    if (plain.length) out.push(`${plain.join(',\n')} {${body}}`);
    for (const scheme of ['light', 'dark'] as const) {
      const themed = selectors
        .map((s) => THEMED.exec(s))
        .filter((m): m is RegExpExecArray => m?.[2] === scheme)
        .map((m) => `:root${m.input.slice(m[0].length)}`);
      if (themed.length) {
        out.push(`@media (prefers-color-scheme: ${scheme}) {\n${themed.join(',\n')} {${body}}\n}`);
      }
    }
  }
  return out.join('\n');
}

/** An SVG stylesheet's dark half (mermaid-page.ts writes it under `:root[data-theme='dark']{`). */
export function svgThemeByMediaQuery(css: string): string {
  return css.replaceAll(":root[data-theme='dark']{", '@media (prefers-color-scheme: dark){');
}

function styleFile(name: string): string {
  return readFileSync(new URL(`./styles/${name}`, import.meta.url), 'utf8');
}

let css: string | undefined;

export function singlePageCss(): string {
  css ??= [BASE_CSS, themeByMediaQuery(styleFile('nfwalk.css')), styleFile('print.css')].join('\n');
  return css;
}
