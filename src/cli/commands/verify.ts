import { type Comparison, compareTraces } from '../../kernel/compare.ts';
import { KernelError, KernelFeatureMissing, kernelTrace } from '../../kernel/harness.ts';
import { kernelUnavailable } from '../../kernel/preflight.ts';
import { type Loaded, readSources, walk } from '../../pipeline.ts';
import { scenarioFileSources } from '../../pipeline-files.ts';
import type { Scenario } from '../../scenario/model.ts';
import { inputErrorText } from '../input-errors.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io } from '../io.ts';

function describeConversation(sc: Scenario, i: number): string {
  const p = sc.packets[i];
  if (!p) return `conversation ${i}`;
  const port = (n?: number) => (n === undefined ? '' : `:${n}`);
  return `conversation ${i} (${p.protocol} from ${p.from}${port(p.sport)} to ${p.to}${port(p.dport)})`;
}

function report(io: Io, sc: Scenario, cmp: Comparison): void {
  const d = cmp.difference;
  if (!d) {
    io.out(
      `${sc.file}: the kernel agrees with the simulation: ${sc.packets.length} conversation(s), ${cmp.events.kernel} compared events\n`,
    );
    return;
  }
  io.out(`${sc.file}: the kernel and the simulation differ\n`);
  io.out(`${describeConversation(sc, d.conversation)}, ${d.message}\n`);
  const block = (name: string, lines: string[]) =>
    lines.length > 0 ? `${name}:\n${lines.map((l) => `    ${l}`).join('\n')}\n` : '';
  io.out(block('  around it, simulator', d.context.simulator));
  io.out(block('  around it, kernel', d.context.kernel));
  io.out(block('  the simulator does not model', d.unsupported));
}

export async function verify(io: Io, file: string, keep: boolean): Promise<number> {
  let loaded: Loaded;
  try {
    loaded = readSources(scenarioFileSources(file));
  } catch (e) {
    const why = inputErrorText(e, file);
    if (why === undefined) throw e;
    io.err(why);
    return EXIT_FAILED;
  }
  const sc = loaded.scenario;
  // The input is checked first: its errors are worth knowing on any machine.
  const why = await kernelUnavailable();
  if (why) {
    io.err(`nfwalk verify: cannot run on this machine: ${why}\n`);
    return EXIT_USAGE;
  }
  const simulated = walk(loaded).trace;
  let kernel: Awaited<ReturnType<typeof kernelTrace>>;
  try {
    kernel = await kernelTrace(sc, {
      keep,
      onKept: (names) => io.out(`network namespaces kept: ${names.join(' ')}\n`),
    });
  } catch (e) {
    if (e instanceof KernelError) {
      io.err(`nfwalk verify: ${e.message}\n`);
      // A kernel built without what the ruleset needs is a missing prerequisite, not a difference.
      return e instanceof KernelFeatureMissing ? EXIT_USAGE : EXIT_FAILED;
    }
    throw e;
  }
  const cmp = compareTraces(simulated, kernel);
  report(io, sc, cmp);
  return cmp.equal ? EXIT_OK : EXIT_FAILED;
}
