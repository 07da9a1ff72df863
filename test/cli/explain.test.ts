/** `nfwalk explain`: languages, formats, -o, and clear errors. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { fixtureDir } from '../explain/helpers.ts';
import { capture } from '../support/io.ts';

const scenario = join(fixtureDir, 'scenario.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'nfw-explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('nfwalk explain', () => {
  it('defaults to the scenario’s language (ja) and Markdown on stdout', async () => {
    const io = capture();
    expect(await run(['explain', scenario], io)).toBe(0);
    expect(io.stdout).toMatch(/^# /);
    expect(io.stdout).toContain('## 前提条件');
    expect(io.stdout).toContain('```nft');
    expect(io.stderr).toBe('');
  });

  it('--lang en --format mdx -o FILE writes an MDX body with the site components', async () => {
    const io = capture();
    const out = join(tmp, 'page.mdx');
    expect(await run(['explain', scenario, '--lang', 'en', '--format', 'mdx', '-o', out], io)).toBe(
      0,
    );
    expect(io.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^A client asks/);
    expect(text).toContain('<ChainListing');
    expect(text).toContain('## The setup');
  });

  it('a missing scenario is an error with the file name and exit code 1', async () => {
    const io = capture();
    expect(await run(['explain', join(tmp, 'nope.yaml')], io)).toBe(1);
    expect(io.stderr).toContain('nope.yaml');
    expect(io.stdout).toBe('');
  });

  it('an unknown language is a usage error (exit code 2)', async () => {
    const io = capture();
    expect(await run(['explain', scenario, '--lang', 'fr'], io)).toBe(2);
    expect(io.stderr).toMatch(/fr/);
  });

  it('--format html hands the MDX body to the renderer the entry point gives it', async () => {
    const io = capture();
    const seen: { title: string; lang: string; mdx: string }[] = [];
    const withRenderer = {
      ...io,
      htmlPage: async (page: { title: string; lang: 'en' | 'ja'; mdx: string }) => {
        seen.push(page);
        return `<!doctype html><title>${page.title}</title>\n`;
      },
    };
    expect(await run(['explain', scenario, '--format', 'html', '--lang', 'en'], withRenderer)).toBe(
      0,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.lang).toBe('en');
    expect(seen[0]?.mdx).toContain('<ChainListing');
    expect(io.stdout).toBe(`<!doctype html><title>${seen[0]?.title}</title>\n`);
  });

  it('--format html without a renderer says it is not available (exit code 2)', async () => {
    const io = capture();
    expect(await run(['explain', scenario, '--format', 'html'], io)).toBe(2);
    expect(io.stderr).toMatch(/--format html is not available/);
    expect(io.stdout).toBe('');
  });
});
