// @ts-check
import { unified } from '@astrojs/markdown-remark';
import mdx from '@astrojs/mdx';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { DARK_THEME, LIGHT_THEME, siteLanguages } from './src/site/highlight.ts';
import { remarkMermaid } from './src/site/mermaid.ts';
import { mermaidIntegration } from './src/site/mermaid-integration.ts';

// Served from any static file server, also under a sub-path: set NFWALK_BASE=/sub/.
const base = process.env.NFWALK_BASE ?? '/';

export default defineConfig({
  base,
  trailingSlash: 'always',
  // No telemetry, no prefetching from other hosts: the site makes no request but to itself.
  markdown: {
    // Remark plugins run in the unified processor (Astro 7's default, Satteri, runs none).
    // Diagrams are drawn by the official mermaid in headless Chromium (NFWALK_CHROMIUM=/path).
    processor: unified({ remarkPlugins: [[remarkMermaid, { base }]] }),
  },
  integrations: [
    starlight({
      title: 'nfwalk',
      description: 'Packets walked through Linux netfilter, hook by hook, and back again.',
      defaultLocale: 'root',
      locales: {
        root: { label: 'English', lang: 'en' },
        ja: { label: '日本語', lang: 'ja' },
      },
      customCss: ['./src/site/styles/nfwalk.css'],
      expressiveCode: {
        themes: [DARK_THEME, LIGHT_THEME],
        shiki: { langs: siteLanguages },
      },
      sidebar: [
        {
          label: 'Guide',
          translations: { ja: 'ガイド' },
          items: [{ autogenerate: { directory: 'guide' } }],
        },
        {
          label: 'Scenarios',
          translations: { ja: 'シナリオ' },
          items: [{ autogenerate: { directory: 'scenarios' } }],
        },
      ],
    }),
    mdx(),
    mermaidIntegration(),
  ],
});
