/**
 * Ruleset text into the model with the front end its format names: nft text, `nft -j` JSON or
 * iptables-save. Text in, model out (nft includes through an IncludeHost), so it runs anywhere;
 * src/ruleset/load.ts reads the files.
 */
import { RulesetError } from './diagnostics.ts';
import type { RulesetFormat } from './format.ts';
import { parseIptablesSave } from './iptables/index.ts';
import { parseNftJson } from './json/index.ts';
import { checkLiterals } from './literal-check.ts';
import type { Ruleset } from './model.ts';
import { parseNftText } from './nft/parse.ts';
import type { IncludeHost } from './nft/parser.ts';
import { validateJumps } from './validate.ts';

export { detectFormat, type RulesetFormat } from './format.ts';

/**
 * Parses ruleset text in the given format; `file` names it in messages, `include` reads the
 * files nft text includes (without it an include is an error). Throws RulesetError.
 */
export function parseRulesetText(
  text: string,
  format: RulesetFormat,
  file: string,
  include?: IncludeHost,
): Ruleset {
  const ruleset =
    format === 'nft'
      ? parseNftText(text, file, include)
      : format === 'nft-json'
        ? parseNftJson(text, file)
        : parseIptablesSave(text, file);
  // Addresses, ports and prefixes nft refuses, then what the kernel refuses at commit (jumps
  // nesting too deep, loops): nf_tables only; the nft front end checks both itself (parseNftText).
  if (format === 'nft-json') {
    const literals = checkLiterals(ruleset);
    const refused = literals.length > 0 ? literals : validateJumps(ruleset);
    if (refused.length > 0) {
      throw new RulesetError(refused, new Map(ruleset.files.map((f) => [f.path, f.text])));
    }
  }
  return ruleset;
}
