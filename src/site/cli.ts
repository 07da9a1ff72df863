/**
 * The nfwalk subcommands as the CLI defines them: its command registry (src/cli/commands.ts),
 * built in-process, so the site's CLI page never shows a command, argument or option that is
 * not there, nor misses one that is.
 */
import { Command } from 'commander';
import { subcommands } from '../cli/commands.ts';
import type { Io } from '../cli/io.ts';

export interface CliArgument {
  name: string;
  required: boolean;
  description: string;
}

export interface CliOption {
  /** As declared, e.g. `-o, --output <file>`. */
  flags: string;
  /** Its help text, with its choices and default as `--help` shows them. */
  description: string;
}

export interface CliCommand {
  name: string;
  description: string;
  /** `nfwalk NAME [options] <argument>…`, as commander writes it. */
  usage: string;
  arguments: CliArgument[];
  options: CliOption[];
}

/** Nothing is parsed or run here, so nothing is written. */
const silent: Io = { out: () => {}, err: () => {} };

/**
 * The subcommands, in the order `nfwalk --help` lists them: each registered on a program of
 * its own, as src/cli/main.ts registers them (not main.ts itself: it reads package.json
 * beside it, which a bundled site page has not).
 */
export function cliCommands(): CliCommand[] {
  const program = new Command('nfwalk');
  for (const register of subcommands) register(program, silent, () => {});
  return program.commands.map(describeCommand);
}

function describeCommand(cmd: Command): CliCommand {
  const help = cmd.createHelp();
  return {
    name: cmd.name(),
    description: cmd.description(),
    usage: `nfwalk ${cmd.name()} ${cmd.usage()}`.trimEnd(),
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      description: a.description,
    })),
    options: cmd.options
      .filter((o) => !o.hidden)
      .map((o) => ({ flags: o.flags, description: help.optionDescription(o) })),
  };
}
