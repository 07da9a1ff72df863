/**
 * How the site's diagrams are drawn: the official `mermaid` package's settings, shared by the
 * build-time renderer (headless Chromium) and the in-browser fallback, and the version of the
 * package (part of every cached diagram's key).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** node_modules/mermaid/dist: the bundles the renderer page and the fallback load. */
export const MERMAID_DIST = join(dirname(require.resolve('mermaid/package.json')), 'dist');

export const MERMAID_VERSION: string = (
  JSON.parse(readFileSync(join(MERMAID_DIST, '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

export { MERMAID_CONFIG, MERMAID_THEMES } from './mermaid-settings.ts';
