import { kernelUnavailable } from '../../src/kernel/preflight.ts';

/** Why kernel tests cannot run here (not root, nft/ip missing…), or undefined when they can. */
export const kernelSkipReason: string | undefined = await kernelUnavailable();
if (kernelSkipReason) console.warn(`kernel tests skipped: ${kernelSkipReason}`);
