// @ts-check
import mdx from '@astrojs/mdx';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';

export default defineConfig({
  // Served from any static file server, also under a sub-path: set NFWALK_BASE=/sub/.
  base: process.env.NFWALK_BASE ?? '/',
  trailingSlash: 'always',
  integrations: [
    starlight({
      title: 'nfwalk',
      description: 'Packets walked through Linux netfilter, hook by hook, and back again.',
      defaultLocale: 'root',
      locales: {
        root: { label: 'English', lang: 'en' },
        ja: { label: '日本語', lang: 'ja' },
      },
    }),
    mdx(),
  ],
});
