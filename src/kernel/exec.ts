/** Running the tools that build and read the kernel side: ip, nft, sysctl, python3. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';

export class CommandError extends Error {
  readonly stderr: string;
  constructor(argv: readonly string[], stderr: string, detail: string) {
    super(`${argv.join(' ')}: ${detail}${stderr ? `\n${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
    this.stderr = stderr;
  }
}

/** Runs a command to completion (10 s at most) and returns its standard output. */
export function run(
  argv: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 64 << 20, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new CommandError(
              argv,
              stderr,
              error.killed ? 'timed out' : `exit ${String(error.code)}`,
            ),
          );
        else resolve(stdout);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The same command inside a network namespace. */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** A long-running process (a server, the trace monitor) whose output is collected. */
export interface Background {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text` (or rejects after `timeoutMs`). */
  waitFor(text: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export function background(argv: readonly string[], input?: string): Background {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  let exited = false;
  const done = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      for (const w of waiters.splice(0)) w();
      resolve();
    });
    child.on('error', (e) => {
      err += String(e);
      exited = true;
      resolve();
    });
  });
  if (input !== undefined) child.stdin.end(input);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () =>
            reject(
              new Error(
                `${argv.join(' ')}: no "${text}" within ${timeoutMs} ms${err ? `: ${err.trim()}` : ''}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(deadline);
            resolve();
          } else if (exited) {
            clearTimeout(deadline);
            reject(new Error(`${argv.join(' ')} exited${err ? `: ${err.trim()}` : ''}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (!exited && child.pid !== undefined) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 1000);
        await done;
        clearTimeout(t);
      }
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
