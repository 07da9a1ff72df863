import { printRuleset } from '../../ruleset/printer.ts';
import { EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';
import { type InputOptions, readInput } from './check.ts';

export async function format(
  io: Io,
  file: string,
  opts: InputOptions & { handles?: boolean },
): Promise<number> {
  const r = await readInput(io, file, opts);
  if (!r) return EXIT_FAILED;
  io.out(printRuleset(r.ruleset, { handles: opts.handles === true }));
  return EXIT_OK;
}
