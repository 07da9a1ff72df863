/**
 * The kernel harness: a scenario run on this machine's kernel in network namespaces, its
 * `nft monitor trace` read back as trace JSON, and compared with the simulator's.
 */
export { type Comparison, compareTraces, type Difference, describeEvent } from './compare.ts';
export { KernelError, type KernelOptions, kernelTrace } from './harness.ts';
export { kernelUnavailable } from './preflight.ts';
