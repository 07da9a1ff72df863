import { CaptureError, capture } from '../../capture/index.ts';
import { formatDiagnostics } from '../../ruleset/diagnostics.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from '../io.ts';

export interface Options {
  output?: string;
  name?: string;
  netns?: string;
}

export async function captureCommand(io: Io, opts: Options): Promise<number> {
  if (process.platform !== 'linux') {
    io.err('nfwalk capture: only a Linux host can be captured\n');
    return EXIT_USAGE;
  }
  if (process.getuid?.() !== 0) {
    io.err('nfwalk capture: run it as root (reading the ruleset needs CAP_NET_ADMIN)\n');
    return EXIT_USAGE;
  }
  try {
    const r = await capture({
      outDir: opts.output ?? '.',
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
    });
    for (const n of r.notes) io.err(`nfwalk capture: ${n}\n`);
    io.out(`${r.scenarioPath}\n${r.rulesetPath}\n`);
    if (r.diagnostics.length > 0) {
      io.err('nfwalk capture: the written scenario does not load:\n');
      io.err(formatDiagnostics(r.diagnostics));
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CaptureError) {
      io.err(`nfwalk capture: ${e.message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  }
}
