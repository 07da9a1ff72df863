/**
 * `nfwalk explain SCENARIO [--lang en|ja] [--format md|mdx|html] [-o FILE]`: the explanation
 * page of a scenario — every hook, chain and rule the request and its reply cross, in the seed
 * article's style — as GFM Markdown (GitHub, Qiita, Zenn), as the site's MDX body, or as one
 * self-contained HTML file (rendered by the renderer the entry point hands in: Io.htmlPage).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { type Loaded, pageOf, readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io, type Register } from '../io.ts';

interface ExplainFlags {
  lang?: 'en' | 'ja';
  format: 'md' | 'mdx' | 'html';
  output?: string;
}

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
      setAction((io) => explainCommand(io, file, flags));
    });
};

export async function explainCommand(io: Io, file: string, flags: ExplainFlags): Promise<number> {
  if (flags.format === 'html' && !io.htmlPage) {
    io.err('nfwalk explain: --format html is not available here (run the nfwalk command)\n');
    return EXIT_USAGE;
  }
  let loaded: Loaded;
  try {
    loaded = readSources(scenarioFileSources(file));
  } catch (e) {
    const why = inputErrorText(e);
    if (why !== undefined) io.err(why);
    else if (e instanceof Error) io.err(`nfwalk explain: ${e.message}\n`);
    else throw e;
    return EXIT_FAILED;
  }
  const walked = walk(loaded);
  const format = flags.format === 'html' ? 'mdx' : flags.format;
  const page = pageOf(walked, { lang: flags.lang, format });
  let text = page.markdown;
  if (flags.format === 'html' && io.htmlPage) {
    const lang = flags.lang ?? walked.scenario.lang;
    const input = { title: page.title, mdx: page.markdown, lang, source: file };
    text = await io.htmlPage(input, (message) => io.err(`nfwalk explain: warning: ${message}\n`));
  }
  if (flags.output) {
    try {
      writeFileSync(flags.output, text);
    } catch (e) {
      io.err(`nfwalk explain: cannot write ${flags.output}: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
  } else {
    io.out(text);
  }
  return EXIT_OK;
}
