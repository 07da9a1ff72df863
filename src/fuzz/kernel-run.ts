/**
 * The kernel side of one fuzz case: the harness run in a child process (kernel-child.ts) with
 * a time limit and a namespace prefix of its own. Past the limit the child gets SIGTERM (the
 * harness removes its namespaces and exits), then SIGKILL; whatever namespaces carry the
 * prefix after that are removed here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Trace } from '../netfilter/trace.ts';

export type KernelOutcome =
  | { kind: 'trace'; trace: Trace }
  | { kind: 'refused'; message: string }
  | { kind: 'error'; message: string };

const CHILD = new URL('./kernel-child.ts', import.meta.url).pathname;

/** A fresh namespace prefix: `nfwz` and 6 hex digits (the harness takes nfw + up to 8). */
export const freshPrefix = () => `nfwz${randomBytes(3).toString('hex')}`;

/** Names of the namespaces that start with the prefix. */
export function namespacesWith(prefix: string): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

function removeNamespaces(prefix: string): void {
  for (const ns of namespacesWith(prefix)) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // Already gone.
    }
  }
}

export function runOnKernel(scenarioFile: string, timeoutMs: number): Promise<KernelOutcome> {
  const prefix = freshPrefix();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, scenarioFile, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const term = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 10_000);
    child.on('close', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      // The harness removes its namespaces itself; this catches a child killed mid-way.
      removeNamespaces(prefix);
      if (timedOut) {
        resolve({ kind: 'error', message: `timed out after ${timeoutMs / 1000} s` });
        return;
      }
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as { trace?: Trace; error?: string; refused?: boolean };
        if (r.trace) resolve({ kind: 'trace', trace: r.trace });
        else if (r.refused) resolve({ kind: 'refused', message: r.error ?? '' });
        else resolve({ kind: 'error', message: r.error ?? 'no result' });
      } catch {
        resolve({
          kind: 'error',
          message: `the kernel run exited with ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`,
        });
      }
    });
  });
}
