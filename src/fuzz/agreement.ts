/**
 * Packet by packet agreement between the simulator's trace and the kernel's, with the
 * project's own comparison (compareTraces) applied to one packet at a time, and a short name
 * for the kind of the first difference, to tally failing seeds by.
 */
import { type Comparison, compareTraces, type Difference } from '../kernel/compare.ts';
import type { PacketTrace, Trace } from '../netfilter/trace.ts';

export interface Agreement {
  /** Packets compared: per conversation, the longer of the two packet lists. */
  packets: number;
  agreeing: number;
  /** The whole traces compared: the first difference, as `nfwalk verify` reports it. */
  comparison: Comparison;
}

const single = (t: Trace, p: PacketTrace | undefined): Trace => ({
  version: 1,
  scenario: t.scenario,
  conversations: [{ index: 0, packets: p ? [p] : [] }],
});

export function agreement(sim: Trace, kernel: Trace): Agreement {
  let packets = 0;
  let agreeing = 0;
  const n = Math.max(sim.conversations.length, kernel.conversations.length);
  for (let c = 0; c < n; c++) {
    const sp = sim.conversations[c]?.packets ?? [];
    const kp = kernel.conversations[c]?.packets ?? [];
    for (let i = 0; i < Math.max(sp.length, kp.length); i++) {
      packets++;
      const s = sp[i];
      const k = kp[i];
      if (s && k && compareTraces(single(sim, s), single(kernel, k)).equal) agreeing++;
    }
  }
  return { packets, agreeing, comparison: compareTraces(sim, kernel) };
}

/** The first word of a compared-event line (enter, rule, policy) or `none`. */
function eventType(line: string | undefined): string {
  if (!line || line === '(nothing more)') return 'none';
  return line.split(' ')[0] ?? 'none';
}

/**
 * A short name for the kind of difference: a missing or extra packet (by role), a packet of
 * another role, or the two events that differ (`rule≠policy`, `enter≠enter` …) and the packet's
 * role.
 */
export function differenceKind(d: Difference): string {
  const list =
    /^packet \d+: the simulator has (?:a (\S+)|no packet), the kernel (?:a (\S+)|none)/.exec(
      d.message,
    );
  if (list) {
    return list[1] ? `extra ${list[1]} in the simulator` : `extra ${list[2]} on the kernel`;
  }
  const role = /^packet \d+ is a (\S+) in the simulator, a (\S+) on the kernel/.exec(d.message);
  if (role) return `${role[1]} vs ${role[2]}`;
  const ev = /^packet \d+ \((\S+)\), event \d+:\n\s*simulator: (.*)\n\s*kernel:\s*(.*)$/.exec(
    d.message,
  );
  if (ev) return `${ev[1]}: ${eventType(ev[2])}≠${eventType(ev[3])}`;
  return 'other';
}

/**
 * What identifies one difference across reductions of its case: its kind and the chains of
 * the two differing events (rule numbers left out: removing a rule renumbers the rest).
 */
export function differenceSignature(d: Difference): string {
  const lines = d.message.split('\n').slice(1);
  const chains = lines.map((l) =>
    l
      .replace(/^\s*(simulator|kernel):\s*/, '')
      .split(' ')
      .slice(0, 4)
      .join(' '),
  );
  return [differenceKind(d), ...chains].join(' | ');
}
