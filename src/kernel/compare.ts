/**
 * Comparing two traces (the simulator's and the kernel's) event by event: the packets of each
 * conversation, their roles, and their compared events (enter, rule, policy).
 */
import type { EnterEvent, PolicyEvent, RuleEvent, Trace } from '../netfilter/trace.ts';
import { comparedEvents } from '../netfilter/trace.ts';

type Compared = EnterEvent | RuleEvent | PolicyEvent;

const proto = (p: string) => (p === 'ipv6-icmp' ? 'icmpv6' : p);
const port = (p: number | null) => (p === null ? '' : `:${p}`);

/**
 * One line per compared event, the form both sides are compared in. `anyPort` names ports
 * written as `*`: the simulator's enter events mark the ports the kernel chooses at random
 * (PacketView.kernelChosen), and both sides' lines are then compared without them.
 */
export function describeEvent(e: Compared, anyPort: readonly string[] = []): string {
  const where = `${e.family} ${e.table} ${e.chain}`;
  switch (e.type) {
    case 'enter': {
      const p = e.packet;
      const sp = anyPort.includes('sport') && p.sport !== null ? ':*' : port(p.sport);
      const dp = anyPort.includes('dport') && p.dport !== null ? ':*' : port(p.dport);
      return `enter ${where} (${e.hook} ${e.priority}) iif=${p.iif ?? '-'} oif=${p.oif ?? '-'} ${proto(p.protocol)} ${p.saddr}${sp} > ${p.daddr}${dp}`;
    }
    case 'rule':
      return `rule ${where} [${e.index}] ${e.verdict}`;
    case 'policy':
      return `policy ${where} ${e.verdict}`;
  }
}

export interface Difference {
  conversation: number;
  /** Index of the packet in the conversation, or -1 for a difference in the packet list. */
  packet: number;
  event: number;
  message: string;
  /** A few compared events before and after, from both sides. */
  context: { simulator: string[]; kernel: string[] };
  /** What the simulator reported it does not model in that conversation (often the reason). */
  unsupported: string[];
}

export interface Comparison {
  equal: boolean;
  /** Compared events on each side, summed over all packets. */
  events: { simulator: number; kernel: number };
  difference?: Difference;
}

const CONTEXT = 3;

export function compareTraces(sim: Trace, kernel: Trace): Comparison {
  let simCount = 0;
  let kernelCount = 0;
  let first: Difference | undefined;
  const n = Math.max(sim.conversations.length, kernel.conversations.length);
  for (let c = 0; c < n; c++) {
    const sp = sim.conversations[c]?.packets ?? [];
    const kp = kernel.conversations[c]?.packets ?? [];
    for (const p of sp) simCount += comparedEvents(p.events).length;
    for (const p of kp) kernelCount += comparedEvents(p.events).length;
    if (first) continue;
    const unsupported = sp.flatMap((p) =>
      p.events.flatMap((e) => (e.type === 'unsupported' ? [e.message] : [])),
    );
    const pn = Math.max(sp.length, kp.length);
    for (let i = 0; i < pn && !first; i++) {
      const s = sp[i];
      const k = kp[i];
      if (!s || !k) {
        first = {
          unsupported,
          conversation: c,
          packet: i,
          event: 0,
          message: `packet ${i}: the simulator has ${s ? `a ${s.role}` : 'no packet'}, the kernel ${k ? `a ${k.role}` : 'none'} (packets: simulator ${sp.map((x) => x.role).join(', ') || 'none'}; kernel ${kp.map((x) => x.role).join(', ') || 'none'})`,
          context: {
            simulator: s
              ? comparedEvents(s.events)
                  .slice(0, CONTEXT * 2)
                  .map((x) => describeEvent(x))
              : [],
            kernel: k
              ? comparedEvents(k.events)
                  .slice(0, CONTEXT * 2)
                  .map((x) => describeEvent(x))
              : [],
          },
        };
        break;
      }
      if (s.role !== k.role) {
        first = {
          unsupported,
          conversation: c,
          packet: i,
          event: 0,
          message: `packet ${i} is a ${s.role} in the simulator, a ${k.role} on the kernel`,
          context: { simulator: [], kernel: [] },
        };
        break;
      }
      const sc = comparedEvents(s.events);
      const kc = comparedEvents(k.events);
      // A port the simulator marks as the kernel's random choice matches any port, there only.
      const wild = sc.map((x) => (x.type === 'enter' ? (x.packet.kernelChosen ?? []) : []));
      const se = sc.map((x, j) => describeEvent(x, wild[j]));
      const ke = kc.map((x, j) => describeEvent(x, wild[j]));
      const en = Math.max(se.length, ke.length);
      for (let e = 0; e < en; e++) {
        if (se[e] === ke[e]) continue;
        const lo = Math.max(0, e - CONTEXT);
        first = {
          unsupported,
          conversation: c,
          packet: i,
          event: e,
          message: `packet ${i} (${s.role}), event ${e}:\n  simulator: ${se[e] ?? '(nothing more)'}\n  kernel:    ${ke[e] ?? '(nothing more)'}`,
          context: {
            simulator: se.slice(lo, e + CONTEXT + 1),
            kernel: ke.slice(lo, e + CONTEXT + 1),
          },
        };
        break;
      }
    }
  }
  return {
    equal: !first,
    events: { simulator: simCount, kernel: kernelCount },
    ...(first ? { difference: first } : {}),
  };
}
