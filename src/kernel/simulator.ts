/**
 * The simulator side of `nfwalk verify`: the scenario's ruleset read by nfwalk's own front end
 * and walked by the simulator. Both modules are resolved when called, so the harness can be
 * built and tested on its own.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Trace } from '../netfilter/trace.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';

type LoadRuleset = (ref: Scenario['ruleset']) => Ruleset;
type Simulate = (scenario: Scenario, ruleset: Ruleset) => Trace;

const LOAD_MODULE = '../ruleset/load.ts';
const SIMULATE_MODULE = '../netfilter/simulate.ts';

async function optional<T>(specifier: string, name: string): Promise<T | undefined> {
  try {
    const mod = (await import(new URL(specifier, import.meta.url).href)) as Record<string, unknown>;
    return typeof mod[name] === 'function' ? (mod[name] as T) : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** Reads the scenario's ruleset with nfwalk's front ends. */
export async function readRuleset(sc: Scenario): Promise<Ruleset> {
  const load = await optional<LoadRuleset>(LOAD_MODULE, 'loadRuleset');
  if (load) return load(sc.ruleset);
  const { resolved, path, format } = sc.ruleset;
  const text = readFileSync(resolved, 'utf8');
  if (format === 'nft') {
    const nft = await import('../ruleset/nft/index.ts');
    return nft.parseNft(text, path, { root: dirname(resolved) });
  }
  if (format === 'nft-json')
    return (await import('../ruleset/json/index.ts')).parseNftJson(text, path);
  return (await import('../ruleset/iptables/index.ts')).parseIptablesSave(text, path);
}

/** The simulator's trace, or undefined when this build has no simulator. */
export async function simulatedTrace(sc: Scenario, ruleset: Ruleset): Promise<Trace | undefined> {
  const simulate = await optional<Simulate>(SIMULATE_MODULE, 'simulate');
  return simulate ? simulate(sc, ruleset) : undefined;
}
