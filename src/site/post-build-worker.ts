/**
 * A worker thread of the post-build pool (post-build-pool.ts): runs the jobs it is sent, one at
 * a time, and answers each with its warnings or its error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BuildCache } from './build-cache.ts';
import { fallback } from './mermaid.ts';
import { closeMermaidBrowser } from './mermaid-browser.ts';
import { type JobContext, type PostBuildJob, runJob } from './post-build-jobs.ts';

export interface WorkerSetup {
  cacheDir: string;
  code: string;
  site: string;
}

export type WorkerAnswer = { warnings: string[]; error?: string };

const setup = workerData as WorkerSetup;
// A page whose diagrams cannot be drawn is reported through the answer (ctx.warn); the warning
// for the reader of the build log is the main thread's, printed once (mermaid.ts).
fallback.warned = true;
let warnings: string[] = [];
const ctx: JobContext = {
  cache: new BuildCache(setup.cacheDir),
  code: setup.code,
  site: setup.site,
  warn: (message) => warnings.push(message),
  folders: new Map(),
};

parentPort?.on('message', async (job: PostBuildJob | 'close') => {
  if (job === 'close') {
    await closeMermaidBrowser();
    parentPort?.close();
    return;
  }
  warnings = [];
  let answer: WorkerAnswer;
  try {
    await runJob(job, ctx);
    answer = { warnings };
  } catch (error) {
    answer = { warnings, error: (error as Error)?.message ?? String(error) };
  }
  parentPort?.postMessage(answer);
});
