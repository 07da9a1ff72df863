/**
 * What the CLI's entry (main.ts) and its subcommands share: where output goes, the exit codes
 * and the shape of a subcommand. A module of its own so that commands do not import main.ts,
 * which imports them.
 */
import type { Command } from 'commander';

/** Where the CLI writes; tests pass their own to capture output. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes: 0 success, 1 the input has errors (or a check failed), 2 usage or environment. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A subcommand's work once its arguments are parsed; resolves to the exit code. */
export type Action = (io: Io) => Promise<number> | number;

/** Adds a subcommand to the program; its action is handed to `setAction` rather than run. */
export type Register = (program: Command, io: Io, setAction: (action: Action) => void) => void;
