/**
 * `nfwalk explain SCENARIO [--lang en|ja] [--format md|mdx] [-o FILE]`: the explanation page
 * of a scenario — every hook, chain and rule the request and its reply cross, in the seed
 * article's style — as GFM Markdown (GitHub, Qiita, Zenn) or as the site's MDX body.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { type Loaded, pageOf, readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import { formatDiagnostics } from '../../ruleset/diagnostics.ts';
import { destinationWarnings } from '../destination-warnings.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io, type Register } from '../io.ts';

interface ExplainFlags {
  lang?: 'en' | 'ja';
  format: 'md' | 'mdx';
  output?: string;
}

export const register: Register = (program: Command, _io: Io, setAction) => {
  program
    .command('explain')
    .description(
      'explain the walk of every packet of the scenario, hook by hook, as Markdown or MDX',
    )
    .argument('<scenario>', 'the scenario YAML file')
    .addOption(
      new Option('--lang <lang>', "the page's language (default: the scenario's lang)").choices([
        'en',
        'ja',
      ]),
    )
    .addOption(
      new Option('--format <format>', 'md: GFM Markdown; mdx: the site body')
        .choices(['md', 'mdx'])
        .default('md'),
    )
    .option('-o, --output <file>', 'write the page to FILE instead of standard output')
    .action((file: string, flags: ExplainFlags) => {
      setAction((io) => explainCommand(io, file, flags));
    });
};

export function explainCommand(io: Io, file: string, flags: ExplainFlags): number {
  let loaded: Loaded;
  try {
    loaded = readSources(scenarioFileSources(file));
  } catch (e) {
    const why = inputErrorText(e, file);
    if (why !== undefined) io.err(why);
    else if (e instanceof Error) io.err(`nfwalk explain: ${e.message}\n`);
    else throw e;
    return EXIT_FAILED;
  }
  const walked = walk(loaded);
  const warnings = destinationWarnings(loaded.scenario, walked.trace.conversations);
  if (warnings.length > 0) io.err(formatDiagnostics(warnings));
  const page = pageOf(walked, { lang: flags.lang, format: flags.format });
  if (flags.output) {
    try {
      writeFileSync(flags.output, page.markdown);
    } catch (e) {
      io.err(`nfwalk explain: cannot write ${flags.output}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
  } else {
    io.out(page.markdown);
  }
  return EXIT_OK;
}
