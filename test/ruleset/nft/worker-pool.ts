/** Runs parses on a worker with a timeout per file; a file that times out fails the test. */
import { Worker } from 'node:worker_threads';

export interface WorkerOutcome {
  file: string;
  outcome: 'accepted' | 'positioned' | 'unpositioned' | 'crash' | 'timeout';
  detail: string;
}

export async function parseWithTimeout(
  inputs: { file: string; text: string; root?: string }[],
  timeoutMs: number,
): Promise<WorkerOutcome[]> {
  const results: WorkerOutcome[] = [];
  let worker = new Worker(new URL('./parse-worker.ts', import.meta.url));
  try {
    for (const input of inputs) {
      const r = await new Promise<WorkerOutcome>((resolve) => {
        const timer = setTimeout(() => {
          worker.removeAllListeners('message');
          resolve({
            file: input.file,
            outcome: 'timeout',
            detail: `no answer within ${timeoutMs} ms`,
          });
        }, timeoutMs);
        worker.once('message', (m: WorkerOutcome) => {
          clearTimeout(timer);
          resolve(m);
        });
        worker.postMessage(input);
      });
      results.push(r);
      if (r.outcome === 'timeout') {
        await worker.terminate();
        worker = new Worker(new URL('./parse-worker.ts', import.meta.url));
      }
    }
  } finally {
    await worker.terminate();
  }
  return results;
}
