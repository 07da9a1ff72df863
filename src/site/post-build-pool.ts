/**
 * Runs the post-build jobs (post-build-jobs.ts) on worker threads, one per core (at most
 * NFWALK_BUILD_JOBS when set), each taking the next job as soon as it is free. With one core,
 * or NFWALK_BUILD_JOBS=1, they run here, one after the other. Every job writes its own files,
 * so the order they finish in changes nothing in the output.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BuildCache } from './build-cache.ts';
import { closeMermaidBrowser } from './mermaid-browser.ts';
import { type PostBuildJob, runJob } from './post-build-jobs.ts';
import type { WorkerAnswer, WorkerSetup } from './post-build-worker.ts';

export function poolSize(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.NFWALK_BUILD_JOBS);
  const cores = availableParallelism();
  return Math.max(1, Number.isInteger(asked) && asked > 0 ? asked : cores);
}

export interface PoolOptions extends WorkerSetup {
  size: number;
  warn(message: string): void;
}

async function runHere(jobs: PostBuildJob[], opts: PoolOptions): Promise<void> {
  const ctx = {
    cache: new BuildCache(opts.cacheDir),
    code: opts.code,
    site: opts.site,
    warn: opts.warn,
    folders: new Map<string, string>(),
  };
  try {
    for (const job of jobs) await runJob(job, ctx);
  } finally {
    await closeMermaidBrowser();
  }
}

/** One worker taking jobs from the shared queue until it is empty. */
function drain(worker: Worker, queue: PostBuildJob[], opts: PoolOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = () => {
      const job = queue.shift();
      if (job === undefined) {
        worker.postMessage('close');
        return;
      }
      worker.postMessage(job);
    };
    worker.on('message', (answer: WorkerAnswer) => {
      for (const message of answer.warnings) opts.warn(message);
      if (answer.error !== undefined) {
        queue.length = 0;
        reject(new Error(answer.error));
        worker.postMessage('close');
        return;
      }
      next();
    });
    worker.on('error', reject);
    worker.on('exit', () => resolve());
    next();
  });
}

/** Run every job; rejects with the first job's error. */
export async function runPostBuild(jobs: PostBuildJob[], opts: PoolOptions): Promise<void> {
  const size = Math.min(opts.size, jobs.length);
  if (size <= 1) return runHere(jobs, opts);
  const queue = [...jobs];
  const setup: WorkerSetup = { cacheDir: opts.cacheDir, code: opts.code, site: opts.site };
  const url = new URL('./post-build-worker.ts', import.meta.url);
  const workers = Array.from({ length: size }, () => new Worker(url, { workerData: setup }));
  try {
    await Promise.all(workers.map((w) => drain(w, queue, opts)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
