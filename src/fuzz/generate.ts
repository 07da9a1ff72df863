/**
 * One fuzz case per seed: the network, then the ruleset for it, then the conversations, all
 * drawn from one seeded generator, so a seed always names the same case. Then issue 17's
 * widened model — TCP conversations that list their segments with the rules around conntrack's
 * TCP states, and policy routing — drawn from a second stream of the same seed and added to
 * the case: the first stream draws exactly what it drew before those features existed, so
 * `{ classic: true }` (`fuzz:kernel --classic`) gives a seed's case as it was then. The IPv6
 * half of policy routing comes from a third stream, after the rest: a case it does not widen
 * is the case the second stream gave before it existed.
 */
import type { FuzzCase } from './case.ts';
import { packets } from './packets.ts';
import {
  addPolicyRouting,
  markTable,
  type PolicySetup,
  policyConversations,
} from './policy-routing.ts';
import { addIpv6PolicyRouting } from './policy-routing6.ts';
import { Random } from './random.ts';
import { tables } from './ruleset.ts';
import { addStateRules, stateTable, tcpConversations } from './tcp-conversations.ts';
import { network } from './topology.ts';

export interface GenerateOptions {
  /** Only what the generator drew before the widened features (the first stream). */
  classic?: boolean;
  /** Without the IPv6 half of policy routing (the third stream): the case as it was before it. */
  noIpv6Policy?: boolean;
}

/** The second stream's seed: another sequence than any seed's first stream below 2^31. */
const widenedSeed = (seed: number) => (seed ^ 0x80000000 ^ 0x5bd1e995) >>> 0;
/** The third stream's: neither a first stream nor, for seeds below 2^30, a second one. */
const ipv6Seed = (seed: number) => (seed ^ 0x80000000 ^ 0x27d4eb2f) >>> 0;

export function generateCase(seed: number, opts: GenerateOptions = {}): FuzzCase {
  const r = new Random(seed);
  const net = network(r);
  const ts = tables(r, net);
  const c: FuzzCase = { seed, ...net, tables: ts, packets: packets(r, net) };
  if (opts.classic) return c;
  const setup = widen(new Random(widenedSeed(seed)), c);
  if (setup && !opts.noIpv6Policy) addIpv6PolicyRouting(new Random(ipv6Seed(seed)), c, setup);
  return c;
}

/** Adds the widened features to a case, each with its own chance; returns its policy routing. */
function widen(r: Random, c: FuzzCase): PolicySetup | undefined {
  const pbr = { router: 0.5, host: 0.35, bridge: 0.25 }[c.shape] ?? 0.3;
  let setup: PolicySetup | undefined;
  if (r.chance(pbr)) {
    setup = addPolicyRouting(r, c);
    if (r.chance(0.85)) c.tables.push(markTable(r, c, setup));
    c.packets.push(...policyConversations(r, c, setup));
  }
  if (r.chance(0.65)) {
    c.packets.push(...tcpConversations(r, c));
    if (r.chance(0.6)) addStateRules(r, c.tables);
    if (r.chance(0.35)) c.tables.push(stateTable(r, c));
  }
  return setup;
}
