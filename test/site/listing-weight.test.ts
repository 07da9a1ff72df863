/**
 * Listings and diagrams as light as they can be without looking different: tokens coloured by
 * short classes (the stylesheet holds both themes' colours), the statement a step is at marked
 * and zero counters dimmed from the explainer's own offsets, mermaid's SVG lightened.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { explainScenarioFile } from '../../src/pipeline-files.ts';
import { colourLines, DARK_THEME, LIGHT_THEME } from '../../src/site/highlight.ts';
import { DEFAULT_COLOURS, TOKEN_CLASSES } from '../../src/site/highlight-tokens.ts';
import { type ListingLine, listingHtml, parseMarks } from '../../src/site/listing.ts';
import { PRECISION, stadiumsAsRects } from '../../src/site/mermaid-stadium.ts';
import { lightenSvg } from '../../src/site/mermaid-svgo.ts';

const REPO = join(import.meta.dirname, '..', '..');
const SCENARIOS = join(REPO, 'scenarios');
const CSS = readFileSync(join(REPO, 'src/site/styles/nfwalk.css'), 'utf8');

/** The colour nfwalk.css gives `.nfw-line .<cls>` in the dark (default) or the light theme. */
function cssColour(cls: string, theme: 'light' | 'dark'): string | undefined {
  const prefix = theme === 'light' ? ":root\\[data-theme='light'\\] " : '(?:^|\\n)';
  const re = new RegExp(`${prefix}\\.nfw-line \\.${cls} \\{\\s*color: (#[0-9a-f]{6});`);
  return re.exec(CSS)?.[1]?.toUpperCase();
}

describe('listing tokens as classes', () => {
  it(`colours every class as ${LIGHT_THEME} and ${DARK_THEME} do`, () => {
    for (const [pair, cls] of Object.entries(TOKEN_CLASSES)) {
      const [light, dark] = pair.split('|');
      expect(cssColour(cls, 'dark'), `.${cls} in dark`).toBe(dark);
      // A class whose two colours are the same needs no light rule.
      expect(cssColour(cls, 'light') ?? dark, `.${cls} in light`).toBe(light);
    }
    const plain = /\.nfw-listing \.nfw-line \{[^}]*color: (#[0-9a-f]{6})/g;
    expect([...CSS.matchAll(plain)].map((m) => m[1]?.toUpperCase())).toEqual([
      DEFAULT_COLOURS.dark,
      DEFAULT_COLOURS.light,
    ]);
  });

  it('needs no inline style for any ruleset of the scenarios', async () => {
    const files = readdirSync(SCENARIOS).filter((f) => /\.(nft|rules)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const unknown = new Set<string>();
    for (const f of files) {
      const lang = f.endsWith('.nft') ? 'nft' : 'iptables';
      const text = readFileSync(join(SCENARIOS, f), 'utf8');
      for (const line of await colourLines(text, lang)) {
        for (const t of line) {
          if (/^\s*$/.test(t.text)) continue;
          if (t.light === DEFAULT_COLOURS.light && t.dark === DEFAULT_COLOURS.dark) continue;
          if (!TOKEN_CLASSES[`${t.light}|${t.dark}`]) unknown.add(`${t.light}|${t.dark} ${f}`);
        }
      }
    }
    expect([...unknown]).toEqual([]);
  });

  it('writes a line as a few classed spans, the text unchanged', async () => {
    const text =
      '    meta l4proto udp udp dport 1812 counter packets 0 bytes 0 dnat to 172.20.0.4:1812';
    const html = await listingHtml({ anchor: 'a', lines: [{ text, mark: '(3)' }] });
    expect(html).not.toContain('style="--nfw-light');
    expect(html).toMatch(/<span class="k">meta <\/span>/);
    const visible = html.replace(/<span class="nfw-gutter">.*?<\/a><\/span>/, '');
    expect(visible.replace(/<[^>]+>/g, '')).toBe(text);
  });

  it('keeps an inline style for a colour it has no class for', async () => {
    // A colour pair no grammar scope gives today: drawn as before, with its colours inline.
    const { listingTreeWith } = await import('../../src/site/listing-tree.ts');
    const { toHtml } = await import('hast-util-to-html');
    const tree = await listingTreeWith({ anchor: 'a', lines: [{ text: 'x y' }] }, async () => [
      [
        { text: 'x', light: '#123456', dark: '#654321' },
        { text: ' y', light: DEFAULT_COLOURS.light, dark: DEFAULT_COLOURS.dark },
      ],
    ]);
    expect(toHtml(tree)).toContain(
      '<span style="--nfw-light:#123456;--nfw-dark:#654321">x</span> y</span>',
    );
  });
});

describe('the statement a step is at, and zero counters', () => {
  it('marks the hit and dims the counters at the offsets given, text unchanged', async () => {
    const text = '    udp dport 1812 counter packets 0 bytes 0 dnat to 172.20.0.4:1812';
    const hitAt = text.indexOf('dnat');
    const dimAt = text.indexOf('counter');
    const html = await listingHtml({
      anchor: 'a',
      lines: [
        {
          text,
          mark: '(2)',
          hit: [hitAt, text.length],
          dim: [[dimAt, dimAt + 'counter packets 0 bytes 0'.length]],
        },
      ],
    });
    const strip = (s: string) => s.replace(/<[^>]+>/g, '');
    const mark = /<mark class="nfw-hit">(.*?)<\/mark>/.exec(html)?.[1] ?? '';
    expect(strip(mark)).toBe('dnat to 172.20.0.4:1812');
    const dim =
      /<span class="nfw-dim">((?:<span class="\w">[^<]*<\/span>|[^<])*)<\/span>/.exec(html)?.[1] ??
      '';
    expect(strip(dim).trim()).toBe('counter packets 0 bytes 0');
    expect(strip(html.replace(/<span class="nfw-gutter">.*?<\/a><\/span>/, ''))).toBe(text);
  });

  it('refuses ranges outside the line or overlapping', async () => {
    const line = (extra: Partial<ListingLine>): ListingLine => ({
      text: 'tcp dport 22 accept',
      ...extra,
    });
    await expect(listingHtml({ anchor: 'a', lines: [line({ hit: [13, 30] })] })).rejects.toThrow(
      /not inside/,
    );
    await expect(
      listingHtml({ anchor: 'a', lines: [line({ hit: [4, 12], dim: [[0, 5]] })] }),
    ).rejects.toThrow(/overlap/);
  });

  it('on the seed page: every hit is the statement of a step, every dim a zero counter', () => {
    const page = explainScenarioFile(join(SCENARIOS, 'seed-docker-firewalld-radius.yaml'), {
      lang: 'en',
      format: 'mdx',
    });
    const tree = unified().use(remarkParse).use(remarkMdx).parse(page.markdown) as Root;
    const hits: string[] = [];
    let dims = 0;
    let stepRules = 0;
    visit(tree, 'mdxJsxFlowElement', (el: MdxJsxFlowElement) => {
      if (el.name !== 'ChainListing') return;
      const attr = el.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'lines');
      const value = attr?.value;
      // JSON in a string attribute (what the explainer writes) or in a {…} expression.
      if (!value) throw new Error('a listing without lines');
      const lines = JSON.parse(typeof value === 'string' ? value : value.value) as ListingLine[];
      for (const l of lines) {
        const isRule = /^ {4}(?!type )\S/.test(l.text);
        const at = parseMarks(l.mark ?? '').some((m) => m.kind === 'at' || m.kind === 'from');
        if (isRule && at) stepRules++;
        if (l.hit) {
          expect(l.mark ?? '', l.text).toMatch(/\(\d+\)/);
          hits.push(l.text.slice(...l.hit));
        }
        const counterOnly = l.text.trim() === 'counter packets 0 bytes 0';
        for (const d of l.dim ?? []) {
          expect(l.text.slice(...d)).toBe('counter packets 0 bytes 0');
          dims++;
        }
        // A zero counter is dimmed, unless it is all the rule does and the walk's step is there.
        if (isRule && l.text.includes('counter packets 0 bytes 0') && !(counterOnly && l.hit))
          expect(l.dim, l.text).toBeDefined();
      }
    });
    // Every rule a step is at has its statement marked: here jumps, DNAT, accepts.
    expect(hits.length).toBe(stepRules);
    expect(hits).toContain('dnat to 172.20.0.4:1812');
    expect(hits.some((h) => /^jump \w+/.test(h))).toBe(true);
    const acts = /^(jump|goto|accept|drop|return|dnat|snat|masquerade|reject|counter|ct|meta|log)/;
    expect(hits.filter((h) => !acts.test(h))).toEqual([]);
    expect(dims).toBeGreaterThan(10);
  });

  it('marks the target of an iptables-save rule to the end of its line', () => {
    const file = readdirSync(SCENARIOS).find((f) => f === 'docker-published-ports.yaml');
    expect(file).toBeDefined();
    const page = explainScenarioFile(join(SCENARIOS, file as string), {
      lang: 'en',
      format: 'mdx',
    });
    const hits = [
      ...page.markdown.matchAll(/"text":"((?:[^"\\]|\\.)*)","hit":\[(\d+),(\d+)\]/g),
    ].map((m) => JSON.parse(`"${m[1]}"`).slice(Number(m[2]), Number(m[3])) as string);
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h).toMatch(/^-j [A-Z-]+/);
    expect(hits.some((h) => /^-j DNAT --to-destination /.test(h))).toBe(true);
  });
});

describe("mermaid's SVG lightened", () => {
  /** A pill's outline as mermaid draws a stadium: many short bezier segments. */
  function pillPath(w: number, h: number): string {
    const r = h / 2;
    const pts: [number, number][] = [];
    for (let x = -w / 2 + r; x <= w / 2 - r; x += 4) pts.push([x, -r]);
    for (let a = -90; a <= 90; a += 6) {
      const t = (a * Math.PI) / 180;
      pts.push([w / 2 - r + r * Math.cos(t), r * Math.sin(t)]);
    }
    for (let x = w / 2 - r; x >= -w / 2 + r; x -= 4) pts.push([x, r]);
    for (let a = 90; a <= 270; a += 6) {
      const t = (a * Math.PI) / 180;
      pts.push([-w / 2 + r + r * Math.cos(t), r * Math.sin(t)]);
    }
    const [first, ...rest] = pts;
    return `M${first?.join(' ')} ${rest.map((p) => `C${p.join(' ')}, ${p.join(' ')}, ${p.join(' ')}`).join(' ')}`;
  }

  const svg = (body: string, css: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" id="X" viewBox="0 0 100.123456 50"><style>${css}</style><g><marker id="X-1"><path d="M0 0L10 5z"/></marker><marker id="X-2"><path d="M0 0L10 5z"/></marker></g>${body}</svg>`;
  const CSS =
    "#X .node rect{fill:#ECECFF;}#X .node path{fill:#ECECFF;}#X .cluster-label text{fill:#333;}@keyframes dash{to{stroke-dashoffset:0;}}#X .edge-animation-slow{animation:dash 50s linear infinite;}:root[data-theme='dark']{#X .node rect{fill:#1f2020;}#X .katex path{fill:#000;}}";

  it('draws a stadium as a rounded rect, drops what nothing uses, rounds numbers', () => {
    const body = `<g class="node" transform="translate(10.123456, 20.987654)"><path d="${pillPath(120, 31)}" stroke="#9370DB" style=""/></g><path class="flowchart-link" d="M0.123456,1.987654L30.5555555,40.44444" marker-end="url(#X-1)" data-points="W3t9XQ==" data-id="L_a_b_0"/>`;
    const out = lightenSvg(svg(body, CSS));
    expect(out).toMatch(
      /<rect x="-60" y="-15.5" width="120" height="31" rx="15.5" stroke="#9370DB"\/>/,
    );
    expect(out).not.toMatch(/<path[^>]* d="M-/); // the pill's path is gone
    expect(out).toContain('id="X-1"');
    expect(out).not.toContain('id="X-2"'); // no edge refers to it
    expect(out).not.toMatch(/data-points|data-id|style=""/);
    expect(out).toContain('translate(10.12 20.99)');
    expect(out).toContain('viewBox="0 0 100.12 50"');
    const css = /<style>(.*)<\/style>/.exec(out)?.[1] ?? '';
    expect(css).toBe(
      "#X .node rect{fill:#ECECFF;}:root[data-theme='dark']{#X .node rect{fill:#1f2020;}}",
    );
  });

  it('keeps a rule whose names are all in the SVG and that matches, whatever the case', () => {
    const body =
      '<g class="node Default"><foreignObject><text class="nodeLabel">a</text></foreignObject></g>';
    const css = [
      '#X g.node foreignObject text{fill:#111;}', // every name present, matches
      '#x .NODE foreignobject{fill:#222;}', // names present in another case: the query decides
      '#X .node.cluster text{fill:#333;}', // every name present, no element has both classes
      '#X .node [data-look="neo"] text{fill:#444;}', // attributes are left to the query
      '#X .absent text{fill:#555;}', // a class the SVG has not
      '#X .node circle{fill:#666;}', // an element the SVG has not
      '#Y .node{fill:#777;}', // an id the SVG has not
      '#X .nodeLabel,#X .missing{fill:#888;}', // one selector of two kept
    ].join('');
    const kept = /<style>(.*)<\/style>/.exec(lightenSvg(svg(body, css)))?.[1] ?? '';
    expect(kept).toBe('#X g.node foreignObject text{fill:#111;}#X .nodeLabel{fill:#888;}');
  });

  it('joins a label’s word tspans, drops ids nothing refers to and classes named twice', () => {
    const label =
      '<g id="X-7" class="label label edge"><text y="-10.1"><tspan class="text-outer-tspan row" x="0" dy="1.1em"><tspan class="text-inner-tspan" font-style="normal" font-weight="normal">packet</tspan><tspan class="text-inner-tspan" font-style="normal" font-weight="normal"> leaves</tspan></tspan><tspan class="text-outer-tspan row" x="0" dy="1.1em"><tspan class="text-inner-tspan" font-style="normal" font-weight="normal">now</tspan></tspan></text></g>';
    const out = lightenSvg(svg(label, '#X .label text{fill:#333;}'));
    expect(out).toContain(
      '<g class="label edge"><text y="-10.1"><tspan x="0" dy="1.1em"><tspan>packet leaves</tspan></tspan><tspan x="0" dy="1.1em"><tspan>now</tspan></tspan></text></g>',
    );
    expect(out).toMatch(/^<svg[^>]* id="X"/);
    // A rule that makes text bold, or uses the tspans' classes: their attributes stay.
    const bold = lightenSvg(
      svg(label, '#X .label{font-weight:bold;}#X .label .text-inner-tspan{fill:#333;}'),
    );
    expect(bold).toContain(
      '<tspan class="text-inner-tspan" font-weight="normal">packet leaves</tspan>',
    );
  });

  it('drops symbols nothing uses, and the defs they leave empty', () => {
    const defs =
      '<defs><symbol id="computer"><path d="M1 1h10"/></symbol></defs><defs><symbol id="database"><path d="M2 2h10"/></symbol></defs><use href="#database"/>';
    const out = lightenSvg(svg(defs, CSS));
    expect(out).not.toContain('M1 1'); // the computer: no <use> refers to it
    expect(out).toContain('<defs><symbol id="database">');
    expect(out.match(/<defs>/g)).toHaveLength(1);
  });

  it('leaves a path that is not a pill as a path', () => {
    const wave = `M0 0 ${Array.from({ length: 60 }, (_, i) => `C${i * 3} ${i % 2 ? 10 : -10}, ${i * 3 + 1} 3, ${i * 3 + 2} 0`).join(' ')}`;
    const out = lightenSvg(svg(`<g class="node"><path d="${wave}"/></g>`, CSS));
    expect(out).toMatch(/<g class="node"><path d="M0 0/);
    expect(out).toContain('#X .node path{fill:#ECECFF;}');
  });
});

describe('stadium outlines in the renderer page', () => {
  it('work from their own source alone, as the page runs them, and change nothing twice', () => {
    const pill = (w: number, h: number) => {
      const r = h / 2;
      const pts: string[] = [];
      for (let a = 0; a < 360; a += 2) {
        const t = (a * Math.PI) / 180;
        const cx = Math.cos(t) >= 0 ? w / 2 - r : -w / 2 + r;
        pts.push(`${cx + r * Math.cos(t)} ${r * Math.sin(t)}`);
      }
      return `M${pts.join(' C')}`.replace(/ C/g, ' C');
    };
    const path = `<path d="${pill(100, 30)}" class="outer"/>`;
    expect(path.length).toBeGreaterThan(400);
    const svg = `<svg><g>${path}<path d="M0 0L10 10"/></g></svg>`;
    // As the page gets it: the function's text, evaluated with nothing around it.
    const inPage = new Function(`return (${stadiumsAsRects.toString()})`)() as (
      s: string,
      p: number,
    ) => string;
    const once = inPage(svg, PRECISION);
    expect(once).toBe(stadiumsAsRects(svg, PRECISION));
    expect(once).toContain('<rect x="-50" y="-15" width="100" height="30" rx="15" class="outer"/>');
    expect(once).toContain('<path d="M0 0L10 10"/>');
    expect(stadiumsAsRects(once, PRECISION)).toBe(once);
  });
});
