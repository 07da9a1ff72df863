/** The worker's code as one classic script, provided by file-bundle.ts's esbuild plugin. */
declare module 'nfwalk:playground-worker' {
  const code: string;
  export default code;
}
