/**
 * The `new` subcommand's arguments and options; its work (src/cli/commands/new.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */
import type { Command } from 'commander';
import type { Io, Register } from '../io.ts';

export const register: Register = (program: Command, _io: Io, setAction) => {
  program
    .command('new')
    .description('write a new scenario NAME.yaml and its ruleset, to edit and explain')
    .argument('<name>', 'the scenario to write, as a path without .yaml (e.g. my-firewall)')
    .option(
      '--from <scenario>',
      'start from a gallery scenario (its name, e.g. router-forward) or a scenario file',
    )
    .action((name: string, opts: { from?: string }) => {
      setAction(async (io) => (await import('../commands/new.ts')).newCommand(io, name, opts.from));
    });
};
