import { type Loaded, readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import { formatDiagnostics } from '../../ruleset/diagnostics.ts';
import { destinationWarnings } from '../destination-warnings.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, type Io } from '../io.ts';
import { formatTrace } from '../trace-text.ts';

export function traceCommand(io: Io, file: string, json: boolean): number {
  let loaded: Loaded;
  try {
    loaded = readSources(scenarioFileSources(file));
  } catch (e) {
    const why = inputErrorText(e, file);
    if (why !== undefined) io.err(why);
    else if (e instanceof Error) io.err(`nfwalk trace: ${e.message}\n`);
    else throw e;
    return EXIT_FAILED;
  }
  const { trace } = walk(loaded);
  const warnings = destinationWarnings(loaded.scenario, trace.conversations);
  if (warnings.length > 0) io.err(formatDiagnostics(warnings));
  if (json) io.out(`${JSON.stringify(trace, null, 2)}\n`);
  else io.out(formatTrace(trace));
  const unsupported = trace.conversations.some((c) =>
    c.packets.some((p) => p.events.some((e) => e.type === 'unsupported')),
  );
  return unsupported ? EXIT_FAILED : EXIT_OK;
}

export { formatTrace };
