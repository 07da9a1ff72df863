import { Command, CommanderError } from 'commander';
import { subcommands } from './commands.ts';
import { type Action, EXIT_OK, EXIT_USAGE, type Io } from './io.ts';
import { VERSION } from './version.ts';

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Builds the command tree. Each subcommand registers itself through `register`, and its
 * action returns the exit code instead of calling process.exit, so the CLI can be tested.
 */
export function buildProgram(io: Io, setAction: (action: Action) => void): Command {
  const program = new Command();
  program
    .name('nfwalk')
    .description(
      'Walk packets through Linux netfilter (nftables, iptables) the way the kernel\n' +
        'does, and explain the walk: every hook, chain and rule, NAT and the reply path.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
    });
  for (const register of subcommands) register(program, io, setAction);
  return program;
}

/** Runs the CLI on argv (without node and script) and resolves to the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  let action: Action | undefined;
  const program = buildProgram(io, (a) => {
    action = a;
  });
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return EXIT_OK;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT_OK;
      if (e.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    throw e;
  }
  if (!action) return EXIT_OK;
  return await action(io);
}
