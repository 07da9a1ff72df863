/**
 * `nfwalk explain SCENARIO [--lang en|ja] [--format md|mdx] [-o FILE]`: the explanation page
 * of a scenario — every hook, chain and rule the request and its reply cross, in the seed
 * article's style — as GFM Markdown (GitHub, Qiita, Zenn) or as the site's MDX body.
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
  format: 'md' | 'mdx';
  output?: string;
}

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
