/**
 * simulate(scenario, ruleset): every conversation of the scenario walked through the host's
 * netfilter, in order, with one conntrack table shared by all of them (as the kernel's is).
 * The walk stops at the first rule nfwalk cannot evaluate, and says which.
 */
import { Bridges } from '../bridge/bridge.ts';
import { ConntrackTable } from '../conntrack/table.ts';
import { RoutingTable } from '../routing/table.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import type { Evaluate } from './chain.ts';
import { evaluateRule, resetRuntimeState } from './expr/index.ts';
import { HookTable } from './hooks.ts';
import type { Trace } from './trace.ts';
import { runConversation } from './walk/conversation.ts';
import { HostWalk } from './walk/host.ts';

const MODELLED_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
];

/** send_redirects of all devices or of one (not `default`, which only new devices take). */
const SEND_REDIRECTS = /^net\.ipv4\.conf\.(?!default\.)[^.]+\.send_redirects$/;

export interface SimulateOptions {
  /** Rule evaluation; the default is nfwalk's (src/netfilter/expr). */
  evaluate?: Evaluate;
}

export function simulate(
  scenario: Scenario,
  ruleset: Ruleset,
  options: SimulateOptions = {},
): Trace {
  // Dynamic set elements and numgen counters belong to one run, as the kernel's to one boot.
  resetRuntimeState();
  const sysctl = scenario.host.sysctl;
  const brNetfilter =
    (sysctl['net.bridge.bridge-nf-call-iptables'] ?? 1) === 1 ||
    (sysctl['net.bridge.bridge-nf-call-ip6tables'] ?? 1) === 1;
  const walk = new HostWalk({
    scenario,
    hooks: new HookTable(ruleset, { brNetfilter }),
    routing: new RoutingTable(scenario.host),
    bridges: new Bridges(scenario),
    conntrack: new ConntrackTable(),
    evaluate: options.evaluate ?? evaluateRule,
  });
  const trace: Trace = { version: 1, scenario: scenario.file, conversations: [] };
  scenario.packets.forEach((spec, i) => {
    if (walk.stopped) return;
    trace.conversations.push(runConversation(walk, spec, i));
  });
  // Sysctls nfwalk does not read (rp_filter, accept_local…) are said once, not ignored silently.
  const unread = Object.keys(sysctl).filter(
    (k) => !MODELLED_SYSCTLS.includes(k) && !SEND_REDIRECTS.test(k),
  );
  const first = trace.conversations[0]?.packets[0];
  if (first && unread.length > 0) {
    first.events.unshift({
      type: 'note',
      message: `not modelled, so the walk ignores: ${unread.map((k) => `${k} = ${sysctl[k]}`).join(', ')}`,
      detail: {
        kind: 'sysctl-not-modelled',
        sysctl: unread,
        values: unread.map((k) => sysctl[k] ?? 0),
      },
    });
  }
  return trace;
}
