/**
 * The page's side of the worker: one walk at a time, the newest input wins. A walk still
 * running when new text arrives is abandoned with its worker (a 50,000-service ruleset may take
 * seconds), so the answer shown is always the one for the editors' latest texts.
 */
import type { WalkReply, WalkRequest } from './protocol.ts';

export type Answer = Exclude<WalkReply, { kind: 'progress' }>;

export interface Walker {
  run(request: Omit<WalkRequest, 'id'>): void;
}

/**
 * Starts the worker (worker.ts): as a module worker from the site's bundle when served, as a
 * classic worker from a blob when the page is read from a folder (file-entry.ts).
 */
export type SpawnWorker = () => Worker;

export function createWalker(
  spawnWorker: SpawnWorker,
  onProgress: (reply: Extract<WalkReply, { kind: 'progress' }>) => void,
  onAnswer: (answer: Answer) => void,
): Walker {
  let worker: Worker | undefined;
  let busy = false;
  let last = 0;
  const spawn = (): Worker => {
    const w = spawnWorker();
    w.addEventListener('message', (event: MessageEvent<WalkReply>) => {
      const reply = event.data;
      if (reply.id !== last) return;
      if (reply.kind === 'progress') return onProgress(reply);
      if (reply.kind !== 'markdown') busy = false;
      onAnswer(reply);
    });
    w.addEventListener('error', (event) => {
      busy = false;
      onAnswer({ id: last, kind: 'failed', message: event.message || 'the worker stopped' });
    });
    return w;
  };
  return {
    run(request) {
      if (busy && worker) {
        worker.terminate();
        worker = undefined;
      }
      worker ??= spawn();
      last += 1;
      busy = true;
      worker.postMessage({ ...request, id: last } satisfies WalkRequest);
    },
  };
}
