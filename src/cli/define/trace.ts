/**
 * The `trace` subcommand's arguments and options; its work (src/cli/commands/trace.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */
import type { Command } from 'commander';
import type { Io, Register } from '../io.ts';

export const register: Register = (program: Command, _io: Io, setAction) => {
  program
    .command('trace')
    .description(
      "walk the scenario's packets through the host's netfilter and print every hook, chain and rule",
    )
    .argument('<scenario>', 'the scenario YAML file')
    .option('--json', 'print the trace JSON (docs/spec/trace-json.md) and nothing else')
    .action((file: string, opts: { json?: boolean }) => {
      setAction(async (io) =>
        (await import('../commands/trace.ts')).traceCommand(io, file, opts.json === true),
      );
    });
};
