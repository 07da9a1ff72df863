/**
 * `nfwalk capture [-o DIR] [--name NAME] [--netns NS]`: writes a scenario describing this
 * machine (or a network namespace): its ruleset, interfaces, routes, sysctls, listening
 * sockets and the neighbours it knows, with an example conversation to replace. What could not
 * be captured is said on stderr. Exit 0 when the written scenario loads, 1 when it does not or
 * a file could not be written, 2 when this machine cannot be read (not Linux, not root).
 */
import type { Command } from 'commander';
import { CaptureError, capture } from '../../capture/index.ts';
import { formatDiagnostics } from '../../ruleset/diagnostics.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io, type Register } from '../io.ts';

interface Options {
  output?: string;
  name?: string;
  netns?: string;
}

export const register: Register = (program: Command, _io: Io, setAction) => {
  program
    .command('capture')
    .description(
      'write a scenario from this live host (ruleset, interfaces, routes, sysctls, sockets, neighbours)',
    )
    .option('-o, --output <dir>', 'directory for <name>.yaml and its ruleset file', '.')
    .option('--name <name>', "the scenario's name (default: the host or namespace name)")
    .option('--netns <name>', 'capture this network namespace instead of the current one')
    .action((opts: Options) => {
      setAction((io) => captureCommand(io, opts));
    });
};

async function captureCommand(io: Io, opts: Options): Promise<number> {
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
