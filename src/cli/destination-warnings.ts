/**
 * A warning for a packet sent to an address nobody has: no machine of the scenario nor the host
 * owns it, nothing rewrites it (DNAT) to one that is, and so the request reaches no one — it is
 * forwarded and dropped for want of a neighbour, or finds no route. Such a scenario is almost
 * always a typo in `to:`; the walk is still printed, the warning says why it ends there.
 */
import type { ConversationTrace, TraceEvent } from '../netfilter/trace.ts';
import type { Diagnostic } from '../ruleset/diagnostics.ts';
import type { Scenario } from '../scenario/model.ts';

/** The ends of a walk that went nowhere real: no route, no neighbour, no forwarding. */
const NOWHERE: ReadonlySet<string> = new Set(['no-route', 'no-neighbour', 'forwarding-disabled']);

/** One warning per conversation whose request goes to an address that leads nowhere real. */
export function destinationWarnings(
  scenario: Scenario,
  conversations: readonly ConversationTrace[],
): Diagnostic[] {
  const owned = new Set<string>([
    ...scenario.host.interfaces.flatMap((i) => i.addresses.map((c) => c.address)),
    ...scenario.hosts.flatMap((m) => m.addresses),
  ]);
  const out: Diagnostic[] = [];
  for (const c of conversations) {
    const spec = scenario.packets[c.index];
    const request = c.packets.find((p) => p.role === 'request');
    if (!spec || !request || owned.has(spec.to) || reachesSomeone(request.events)) continue;
    const end = [...request.events].reverse().find((e) => e.type === 'drop');
    // A rule that drops or rejects it is the ruleset's answer, not a missing machine.
    if (end?.type === 'drop' && !NOWHERE.has(end.detail.reason)) continue;
    const at = spec.span ?? { file: scenario.file, line: 1, col: 1 };
    out.push({
      file: at.file,
      line: at.line,
      col: at.col,
      severity: 'warning',
      message:
        `packets[${c.index}].to: ${spec.to} is an address of no machine in hosts nor of the host, ` +
        `and no route leads to one${end && 'message' in end ? ` (the walk ends: ${end.message})` : ''}; ` +
        'add the machine that has it, or send to an address one has',
    });
  }
  return out;
}

/** Whether the request was delivered, or its destination rewritten on the way (DNAT). */
function reachesSomeone(events: readonly TraceEvent[]): boolean {
  return events.some(
    (e) =>
      e.type === 'deliver' ||
      (e.type === 'nat' && e.detail.step === 'rewrite' && e.detail.manip === 'dst'),
  );
}
