/**
 * Where the playground's script for pages read from a folder (file://) lies under the site's
 * root: one classic script (module scripts and module workers cannot load from file://), made
 * by file-bundle.ts and loaded by the offline pages' head script (offline-urls.ts).
 */
export const PLAYGROUND_FILE_SCRIPT = '_nfwalk/playground-file.js';
