/**
 * The `capture` subcommand's arguments and options; its work (src/cli/commands/capture.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */
import type { Command } from 'commander';
import type { Options } from '../commands/capture.ts';
import type { Io, Register } from '../io.ts';

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
      setAction(async (io) => (await import('../commands/capture.ts')).captureCommand(io, opts));
    });
};
