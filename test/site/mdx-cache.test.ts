/**
 * The MDX compile cache (src/site/mdx-cache.ts): a page compiled once is not compiled again
 * while neither it nor the code changed; a page whose diagrams were left as source, or whose
 * drawings left the diagram cache, is compiled again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from 'vite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mdxCompileCache } from '../../src/site/mdx-cache.ts';
import { DiagramCache } from '../../src/site/mermaid-cache.ts';

type Handler = (code: string, id: string) => Promise<{ code: string; meta?: unknown }>;

describe('MDX pages compiled once', () => {
  let root = '';
  const env = { build: process.env.NFWALK_BUILD_CACHE, diagrams: process.env.NFWALK_MERMAID_CACHE };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nfw-mdx-cache-'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src', 'plugin.ts'), 'export const v = 1;\n');
    process.env.NFWALK_BUILD_CACHE = join(root, 'build-cache');
    process.env.NFWALK_MERMAID_CACHE = join(root, 'diagrams');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    for (const [key, value] of [
      ['NFWALK_BUILD_CACHE', env.build],
      ['NFWALK_MERMAID_CACHE', env.diagrams],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /** A build's @astrojs/mdx transform wrapped by the plugin, and the compiler behind it. */
  function build(compile: Handler, command: 'build' | 'serve' = 'build') {
    const spy = vi.fn(compile);
    const mdx = { name: '@mdx-js/rolldown', transform: { filter: {}, handler: spy } };
    const plugin = mdxCompileCache(root);
    const resolved = { command, base: '/', plugins: [mdx] } as unknown as ResolvedConfig;
    (plugin.configResolved as (c: ResolvedConfig) => void)(resolved);
    return { spy, transform: mdx.transform.handler as Handler };
  }
  const compiled = (code: string) => ({
    code: `export default ${JSON.stringify(code)};`,
    meta: { astro: { n: 1 } },
  });

  it('compiles a page once, and again when the page or the code changes', async () => {
    const first = build(async (code) => compiled(code));
    const out = await first.transform('# A', '/p/a.mdx');
    expect(first.spy).toHaveBeenCalledTimes(1);

    const second = build(async () => compiled('not called'));
    expect(await second.transform('# A', '/p/a.mdx')).toEqual(out);
    expect(second.spy).not.toHaveBeenCalled();
    await second.transform('# B', '/p/a.mdx');
    await second.transform('# A', '/p/other.mdx');
    expect(second.spy).toHaveBeenCalledTimes(2);

    writeFileSync(join(root, 'src', 'plugin.ts'), 'export const v = 2;\n');
    const third = build(async (code) => compiled(code));
    await third.transform('# A', '/p/a.mdx');
    expect(third.spy).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing on the dev server', async () => {
    const dev = build(async (code) => compiled(code), 'serve');
    await dev.transform('# A', '/p/a.mdx');
    await dev.transform('# A', '/p/a.mdx');
    expect(dev.spy).toHaveBeenCalledTimes(2);
  });

  it('compiles again a page whose diagrams were left as source', async () => {
    const withSource = async () => compiled('<figure class="nfw-mermaid nfw-mermaid-source">');
    await build(withSource).transform('# A', '/p/a.mdx');
    const again = build(withSource);
    await again.transform('# A', '/p/a.mdx');
    expect(again.spy).toHaveBeenCalledTimes(1);
  });

  it('compiles again a page whose drawings are no longer in the diagram cache', async () => {
    const key = 'b'.repeat(64);
    const slotted = async () => compiled(`<figure data-nfw-svg="${key}"></figure>`);
    const diagrams = new DiagramCache(join(root, 'diagrams'));
    diagrams.set(key, '<svg></svg>');
    await build(slotted).transform('# A', '/p/a.mdx');
    const kept = build(slotted);
    await kept.transform('# A', '/p/a.mdx');
    expect(kept.spy).not.toHaveBeenCalled();

    rmSync(join(root, 'diagrams'), { recursive: true });
    const redrawn = build(slotted);
    await redrawn.transform('# A', '/p/a.mdx');
    expect(redrawn.spy).toHaveBeenCalledTimes(1);
  });
});
