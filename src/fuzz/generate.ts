/**
 * One fuzz case per seed: the network, then the ruleset for it, then the conversations, all
 * drawn from one seeded generator, so a seed always names the same case.
 */
import type { FuzzCase } from './case.ts';
import { packets } from './packets.ts';
import { Random } from './random.ts';
import { tables } from './ruleset.ts';
import { network } from './topology.ts';

export function generateCase(seed: number): FuzzCase {
  const r = new Random(seed);
  const net = network(r);
  const ts = tables(r, net);
  return { seed, ...net, tables: ts, packets: packets(r, net) };
}
