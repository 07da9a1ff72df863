import type { Io } from './io.ts';
import { processIo, run } from './main.ts';

/**
 * The process entry: runs the CLI and turns any unexpected exception into one line on
 * stderr and exit code 70 (internal error), never a stack trace, unless NFWALK_DEBUG is set.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (process.env.NFWALK_DEBUG) throw e;
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`nfwalk: internal error: ${message}\n(set NFWALK_DEBUG=1 for details)\n`);
    return 70;
  }
}
