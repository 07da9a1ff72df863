import { register as capture } from './commands/capture.ts';
import { register as check } from './commands/check.ts';
import { register as explain } from './commands/explain.ts';
import { register as format } from './commands/format.ts';
import { register as newScenario } from './commands/new.ts';
import { register as trace } from './commands/trace.ts';
import { register as verify } from './commands/verify.ts';
import type { Register } from './io.ts';

/**
 * The subcommands, in the order `nfwalk --help` lists them (the order of the work). Each lives in
 * src/cli/commands/<name>.ts and exports `register`.
 */
export const subcommands: Register[] = [
  // The ruleset alone, then a scenario's walk, then its page, then the live host.
  check,
  format,
  trace,
  verify,
  explain,
  capture,
  // A start for authors: a scenario to edit.
  newScenario,
];
