import { formatDiagnostics, RulesetError } from '../../ruleset/diagnostics.ts';
import { useNameTables } from '../../ruleset/literals.ts';
import { readMarkNames, readServiceNames } from '../../ruleset/machine-names.ts';
import type { Ruleset } from '../../ruleset/model.ts';
import { type CheckCounts, checkNft, parseNft } from '../../ruleset/nft/index.ts';
import { detectFormat, type RulesetFormat, readRulesetText } from '../../ruleset/read.ts';
import { EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';

/**
 * nft text is checked without keeping its rules (checkNft: the same errors as parsing it whole,
 * at a fraction of the memory); the other formats are parsed into the model.
 */
export async function check(io: Io, file: string, opts: InputOptions): Promise<number> {
  // A port or a mark written as a name is one nft knows on this machine, or nft refuses it.
  useNameTables({ services: readServiceNames, marks: readMarkNames });
  const r = await readWith(io, file, opts, async (text, format) =>
    format === 'nft' ? checkNft(text, file) : countsOf(await parseOther(text, format, file)),
  );
  if (!r) return EXIT_FAILED;
  const { tables, chains, rules } = r.value;
  io.out(`${file}: ok (${r.format}): ${tables} table(s), ${chains} chain(s), ${rules} rule(s)\n`);
  return EXIT_OK;
}

function countsOf(rs: Ruleset): CheckCounts {
  const chains = rs.tables.flatMap((t) => t.chains);
  return {
    tables: rs.tables.length,
    chains: chains.length,
    rules: chains.reduce((n, c) => n + c.rules.length, 0),
  };
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
  const r = await readWith(io, file, opts, async (text, format) =>
    // parseRuleset (src/ruleset/load.ts) reads nft text with parseNft too.
    format === 'nft' ? parseNft(text, file) : parseOther(text, format, file),
  );
  return r && { ruleset: r.value, format: r.format };
}

async function parseOther(text: string, format: RulesetFormat, file: string): Promise<Ruleset> {
  return (await import('../../ruleset/load.ts')).parseRuleset(text, format, file);
}

/** FILE's text in its format through `read`; its errors printed (then undefined). */
async function readWith<T>(
  io: Io,
  file: string,
  opts: InputOptions,
  read: (text: string, format: RulesetFormat) => Promise<T>,
): Promise<{ value: T; format: RulesetFormat } | undefined> {
  try {
    const text = readRulesetText(file);
    const format: RulesetFormat = opts.iptables
      ? 'iptables-save'
      : opts.json
        ? 'nft-json'
        : detectFormat(text, file);
    return { value: await read(text, format), format };
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
