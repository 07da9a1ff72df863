import { formatDiagnostics, RulesetError } from '../../ruleset/diagnostics.ts';
import type { Ruleset } from '../../ruleset/model.ts';
import { parseNft } from '../../ruleset/nft/index.ts';
import { detectFormat, type RulesetFormat, readRulesetText } from '../../ruleset/read.ts';
import { EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';

export async function check(io: Io, file: string, opts: InputOptions): Promise<number> {
  const r = await readInput(io, file, opts);
  if (!r) return EXIT_FAILED;
  const tables = r.ruleset.tables;
  const chains = tables.reduce((n, t) => n + t.chains.length, 0);
  const rules = tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  io.out(
    `${file}: ok (${r.format}): ${tables.length} table(s), ${chains} chain(s), ${rules} rule(s)\n`,
  );
  return EXIT_OK;
}

export interface InputOptions {
  iptables?: boolean;
  json?: boolean;
}

/**
 * Reads and parses FILE; on errors prints every one of them and returns undefined. nft text is
 * read by the nft front end alone: the JSON and iptables-save front ends (a third of the modules
 * `check` would load) are loaded only for their formats.
 */
export async function readInput(
  io: Io,
  file: string,
  opts: InputOptions,
): Promise<{ ruleset: Ruleset; format: RulesetFormat } | undefined> {
  try {
    const text = readRulesetText(file);
    const format: RulesetFormat = opts.iptables
      ? 'iptables-save'
      : opts.json
        ? 'nft-json'
        : detectFormat(text, file);
    // parseRuleset (src/ruleset/load.ts) reads nft text with parseNft too.
    const ruleset =
      format === 'nft'
        ? parseNft(text, file)
        : (await import('../../ruleset/load.ts')).parseRuleset(text, format, file);
    return { ruleset, format };
  } catch (e) {
    if (e instanceof RulesetError) {
      io.err(formatDiagnostics(e.diagnostics, e.sources));
      const n = e.diagnostics.length;
      io.err(`${n} error${n === 1 ? '' : 's'}\n`);
      return undefined;
    }
    throw e;
  }
}
