/**
 * The `format` subcommand's arguments and options; its work (src/cli/commands/format.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */

import type { Command } from 'commander';
import type { InputOptions } from '../commands/check.ts';
import type { Action, Io } from '../io.ts';

export function register(program: Command, _io: Io, setAction: (action: Action) => void): void {
  program
    .command('format')
    .description('print a ruleset as canonical nft list ruleset text')
    .argument('<file>', 'ruleset file (nft text, nft -j JSON, or iptables-save with --iptables)')
    .option('--iptables', 'read iptables-save output')
    .option('--json', 'read nft -j JSON (detected from the content otherwise)')
    .option('-a, --handles', 'print # handle N where the input has handles')
    .action((file: string, opts: InputOptions & { handles?: boolean }) => {
      setAction(async (io) => (await import('../commands/format.ts')).format(io, file, opts));
    });
}
