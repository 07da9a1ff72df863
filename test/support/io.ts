import type { Io } from '../../src/cli/io.ts';

/** An Io for running the CLI in-process: everything written is kept for the test to read. */
export function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(s: string) {
      io.stdout += s;
    },
    err(s: string) {
      io.stderr += s;
    },
  };
  return io;
}
