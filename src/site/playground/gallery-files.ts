/**
 * The gallery's files by path, bundled at build time, each loaded only when picked (a chunk of
 * its own). The bundle for pages read from a folder (file-bundle.ts) replaces this module with
 * one holding the same paths with the texts inline, as it has no chunks to load.
 */
export const files: Record<string, () => Promise<string>> = import.meta.glob<string>(
  '../../../scenarios/*.{yaml,yml,nft,rules,json}',
  { query: '?raw', import: 'default' },
);
