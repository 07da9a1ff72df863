/**
 * `nfwalk format FILE`: prints a ruleset as canonical `nft list ruleset` text. nft scripts
 * come out with their variables resolved and includes inlined; JSON and iptables-save input
 * come out as the nft rules they stand for.
 */
import type { Command } from 'commander';
import { printRuleset } from '../../ruleset/printer.ts';
import { type Action, EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';
import { type InputOptions, readInput } from './check.ts';

export function register(program: Command, _io: Io, setAction: (action: Action) => void): void {
  program
    .command('format')
    .description('print a ruleset as canonical nft list ruleset text')
    .argument('<file>', 'ruleset file (nft text, nft -j JSON, or iptables-save with --iptables)')
    .option('--iptables', 'read iptables-save output')
    .option('--json', 'read nft -j JSON (detected from the content otherwise)')
    .option('-a, --handles', 'print # handle N where the input has handles')
    .action((file: string, opts: InputOptions & { handles?: boolean }) => {
      setAction((io) => format(io, file, opts));
    });
}

export function format(io: Io, file: string, opts: InputOptions & { handles?: boolean }): number {
  const r = readInput(io, file, opts);
  if (!r) return EXIT_FAILED;
  io.out(printRuleset(r.ruleset, { handles: opts.handles === true }));
  return EXIT_OK;
}
