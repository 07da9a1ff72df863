/**
 * The `verify` subcommand's arguments and options; its work (src/cli/commands/verify.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */

import type { Command } from 'commander';
import type { Action, Io } from '../io.ts';

export function register(program: Command, _io: Io, setAction: (action: Action) => void): void {
  program
    .command('verify')
    .description(
      'run a scenario on this kernel (network namespaces, nft monitor trace) and compare with the simulation',
    )
    .argument('<scenario>', 'scenario YAML file')
    .option(
      '--keep',
      'leave the network namespaces in place (their sockets closed) and print their names',
    )
    .action((file: string, opts: { keep?: boolean }) => {
      setAction(async (io) =>
        (await import('../commands/verify.ts')).verify(io, file, opts.keep === true),
      );
    });
}
