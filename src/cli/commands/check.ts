/**
 * `nfwalk check FILE`: reads a ruleset (nft text, `nft -j` JSON, iptables-save with
 * --iptables) and reports every error with file, line and column. Exit 0 when it is valid,
 * 1 when it has errors.
 */
import type { Command } from 'commander';
import { formatDiagnostics, RulesetError } from '../../ruleset/diagnostics.ts';
import {
  detectFormat,
  parseRuleset,
  type RulesetFormat,
  readRulesetText,
} from '../../ruleset/load.ts';
import type { Ruleset } from '../../ruleset/model.ts';
import { type Action, EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';

export function register(program: Command, _io: Io, setAction: (action: Action) => void): void {
  program
    .command('check')
    .description(
      'check a ruleset file (nft text, nft -j JSON, or iptables-save) and print every error',
    )
    .argument('<file>', 'ruleset file')
    .option('--iptables', 'read iptables-save output')
    .option('--json', 'read nft -j JSON (detected from the content otherwise)')
    .action((file: string, opts: InputOptions) => {
      setAction((io) => check(io, file, opts));
    });
}

export function check(io: Io, file: string, opts: InputOptions): number {
  const r = readInput(io, file, opts);
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

/** Reads and parses FILE; on errors prints every one of them and returns undefined. */
export function readInput(
  io: Io,
  file: string,
  opts: InputOptions,
): { ruleset: Ruleset; format: RulesetFormat } | undefined {
  try {
    const text = readRulesetText(file);
    const format: RulesetFormat = opts.iptables
      ? 'iptables-save'
      : opts.json
        ? 'nft-json'
        : detectFormat(text, file);
    return { ruleset: parseRuleset(text, format, file), format };
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
