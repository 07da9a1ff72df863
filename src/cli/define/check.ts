/**
 * The `check` subcommand's arguments and options; its work (src/cli/commands/check.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */

import type { Command } from 'commander';
import type { InputOptions } from '../commands/check.ts';
import type { Action, Io } from '../io.ts';

export function register(program: Command, _io: Io, setAction: (action: Action) => void): void {
  program
    .command('check')
    .description(
      'check a ruleset file (nft text, nft -j JSON, or iptables-save) and print every error',
    )
    .argument('<file>', 'ruleset file')
    .option('--iptables', 'read iptables-save output')
    .option('--json', 'read nft -j JSON (detected from the content otherwise)')
    .action((file: string, opts: InputOptions) => {
      setAction(async (io) => (await import('../commands/check.ts')).check(io, file, opts));
    });
}
