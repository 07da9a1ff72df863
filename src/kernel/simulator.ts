/**
 * The simulator side of `nfwalk verify`: the scenario's ruleset read by nfwalk's own front end
 * and walked by the simulator, the trace the kernel's is compared with.
 */
import { simulate } from '../netfilter/simulate.ts';
import type { Trace } from '../netfilter/trace.ts';
import { loadRuleset } from '../ruleset/load.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';

/** Reads the scenario's ruleset with nfwalk's front ends (throws RulesetError, positioned). */
export function readRuleset(sc: Scenario): Ruleset {
  return loadRuleset(sc.ruleset);
}

/** The simulator's trace of the scenario. */
export function simulatedTrace(sc: Scenario, ruleset: Ruleset): Trace {
  return simulate(sc, ruleset);
}
