/**
 * The `explain` subcommand's arguments and options; its work (src/cli/commands/explain.ts) is loaded
 * only when it runs, so that `nfwalk` starts fast whichever command it runs.
 */

import { type Command, Option } from 'commander';
import type { ExplainFlags } from '../commands/explain.ts';
import type { Io, Register } from '../io.ts';

export const register: Register = (program: Command, _io: Io, setAction) => {
  program
    .command('explain')
    .description(
      'explain the walk of every packet of the scenario, hook by hook, as Markdown, MDX or one HTML file',
    )
    .argument('<scenario>', 'the scenario YAML file')
    .addOption(
      new Option('--lang <lang>', "the page's language (default: the scenario's lang)").choices([
        'en',
        'ja',
      ]),
    )
    .addOption(
      new Option(
        '--format <format>',
        'md: GFM Markdown; mdx: the site body; html: one self-contained HTML file',
      )
        .choices(['md', 'mdx', 'html'])
        .default('md'),
    )
    .option('-o, --output <file>', 'write the page to FILE instead of standard output')
    .action((file: string, flags: ExplainFlags) => {
      setAction(async (io) =>
        (await import('../commands/explain.ts')).explainCommand(io, file, flags),
      );
    });
};
