import { register as capture } from './define/capture.ts';
import { register as check } from './define/check.ts';
import { register as explain } from './define/explain.ts';
import { register as format } from './define/format.ts';
import { register as newScenario } from './define/new.ts';
import { register as trace } from './define/trace.ts';
import { register as verify } from './define/verify.ts';
import type { Register } from './io.ts';

/**
 * The subcommands, in the order `nfwalk --help` lists them (the order of the work). Each lives in
 * src/cli/define/<name>.ts (its arguments and options; `register`), which loads its work from
 * src/cli/commands/<name>.ts only when it runs.
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
