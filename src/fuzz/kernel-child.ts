/**
 * Runs one scenario on the kernel in a process of its own, so the fuzz runner can stop it
 * after a time limit: SIGTERM makes the harness remove its namespaces before it exits.
 * Usage: node src/fuzz/kernel-child.ts SCENARIO PREFIX. Prints one JSON line: the kernel's
 * trace, or the error (with `refused: true` when the kernel did not take the ruleset).
 */
import { KernelError, kernelTrace } from '../kernel/harness.ts';
import { loadScenario } from '../scenario/load.ts';

const [file, prefix] = process.argv.slice(2);
if (!file || !prefix) {
  process.stderr.write('usage: kernel-child.ts SCENARIO PREFIX\n');
  process.exit(2);
}
try {
  const trace = await kernelTrace(loadScenario(file), { prefix });
  process.stdout.write(`${JSON.stringify({ trace })}\n`);
} catch (e) {
  const message = (e as Error).message;
  const refused = e instanceof KernelError && message.includes('refused the ruleset');
  process.stdout.write(`${JSON.stringify({ error: message, refused })}\n`);
}
