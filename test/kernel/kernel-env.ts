import type { Difference } from '../../src/kernel/compare.ts';
import { kernelUnavailable } from '../../src/kernel/preflight.ts';

/** Why kernel tests cannot run here (not root, nft/ip missing…), or undefined when they can. */
export const kernelSkipReason: string | undefined = await kernelUnavailable();
if (kernelSkipReason) console.warn(`kernel tests skipped: ${kernelSkipReason}`);

/**
 * A comparison's first difference as the kernel tests print it (the conversation, the message,
 * the events around it on both sides), or `agrees`: tests expect `agrees`, so a failure shows it.
 */
export function agreement(d: Difference | undefined): string {
  if (!d) return 'agrees';
  return `conversation ${d.conversation}, ${d.message}\nsimulator:\n  ${d.context.simulator.join('\n  ')}\nkernel:\n  ${d.context.kernel.join('\n  ')}`;
}
