/**
 * The playground read from a folder (file://): a classic script, loaded by the offline pages'
 * head script, that runs the same client with the worker started from a blob (a module worker
 * cannot load from file://). The worker's code and the gallery's files are in this script,
 * put there by file-bundle.ts; the diagram renderer is the site's own classic script.
 */
import WORKER_CODE from 'nfwalk:playground-worker';
import { startPlayground } from './client.ts';

const script = document.currentScript as HTMLScriptElement | null;
const root = document.querySelector<HTMLElement>('[data-playground]');
if (script && root) {
  // This script lies at <root>/_nfwalk/: the site's root is the folder above.
  const base = new URL('../', script.src).href;
  const workerUrl = URL.createObjectURL(new Blob([WORKER_CODE], { type: 'text/javascript' }));
  startPlayground(root, { spawnWorker: () => new Worker(workerUrl), base }).catch(
    (error: unknown) => console.error('nfwalk:', error),
  );
}
