/**
 * `nfwalk explain SCENARIO [--lang en|ja] [--format md|mdx|html] [-o FILE]`: the explanation
 * page of a scenario — every hook, chain and rule the request and its reply cross, in the seed
 * article's style — as GFM Markdown (GitHub, Qiita, Zenn), as the site's MDX body, or as one
 * self-contained HTML file (rendered by the renderer the entry point hands in: Io.htmlPage).
 */
import { writeFileSync } from 'node:fs';
import { type Loaded, pageOf, readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import { formatDiagnostics } from '../../ruleset/diagnostics.ts';
import { destinationWarnings } from '../destination-warnings.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from '../io.ts';

export interface ExplainFlags {
  lang?: 'en' | 'ja';
  format: 'md' | 'mdx' | 'html';
  output?: string;
}

export async function explainCommand(io: Io, file: string, flags: ExplainFlags): Promise<number> {
  if (flags.format === 'html' && !io.htmlPage) {
    io.err('nfwalk explain: --format html is not available here (run the nfwalk command)\n');
    return EXIT_USAGE;
  }
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
