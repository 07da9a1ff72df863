import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import type { PacketTrace, Trace, TraceEvent } from '../../src/netfilter/trace.ts';

const enter = (chain: string, saddr = '10.0.0.2'): TraceEvent => ({
  type: 'enter',
  family: 'ip',
  table: 'filter',
  chain,
  hook: 'input',
  priority: 0,
  packet: { iif: 'eth0', oif: null, saddr, daddr: '10.0.0.1', protocol: 'udp', sport: 1, dport: 2 },
});
const rule = (index: number, verdict: string): TraceEvent => ({
  type: 'rule',
  family: 'ip',
  table: 'filter',
  chain: 'INPUT',
  index,
  verdict,
  text: 'whatever the source said',
});
const trace = (...packets: PacketTrace[]): Trace => ({
  version: 1,
  scenario: 's.yaml',
  conversations: [{ index: 0, packets }],
});

describe('comparing a simulated trace with a kernel trace', () => {
  const base = trace({
    role: 'request',
    events: [enter('INPUT'), rule(0, 'continue'), rule(2, 'accept')],
  });

  it('agrees on identical compared events, ignoring rule text and explanatory events', () => {
    const other = trace({
      role: 'request',
      events: [
        enter('INPUT'),
        {
          type: 'note',
          message: 'x',
          detail: { kind: 'kernel-unlisted-chain', family: 'ip', table: 'x', chain: 'x' },
        },
        rule(0, 'continue'),
        { ...rule(2, 'accept'), text: 'other' } as TraceEvent,
      ],
    });
    expect(compareTraces(base, other)).toEqual({
      equal: true,
      events: { simulator: 3, kernel: 3 },
    });
  });

  it('names the first differing event with context from both sides', () => {
    const other = trace({
      role: 'request',
      events: [enter('INPUT'), rule(0, 'continue'), rule(3, 'accept')],
    });
    const cmp = compareTraces(base, other);
    expect(cmp.equal).toBe(false);
    expect(cmp.difference).toMatchObject({ conversation: 0, packet: 0, event: 2 });
    expect(cmp.difference!.message).toContain('simulator: rule ip filter INPUT [2] accept');
    expect(cmp.difference!.message).toContain('kernel:    rule ip filter INPUT [3] accept');
    expect(cmp.difference!.context.kernel[0]).toMatch(/^enter ip filter INPUT/);
    expect(cmp.difference!.unsupported).toEqual([]);
  });

  it('passes on what the simulator said it does not model', () => {
    const stopped = trace({
      role: 'request',
      events: [
        enter('INPUT'),
        {
          type: 'unsupported',
          message: 'ct count at rule 0',
          detail: { what: 'expression', reason: 'ct count' },
        },
      ],
    });
    const cmp = compareTraces(stopped, base);
    expect(cmp.difference?.event).toBe(1);
    expect(cmp.difference?.unsupported).toEqual(['ct count at rule 0']);
  });

  it('sees a changed packet view, a missing event and a missing packet', () => {
    expect(
      compareTraces(
        base,
        trace({
          role: 'request',
          events: [enter('INPUT', '10.0.0.3'), rule(0, 'continue'), rule(2, 'accept')],
        }),
      ).difference?.event,
    ).toBe(0);
    const shorter = compareTraces(
      base,
      trace({ role: 'request', events: [enter('INPUT'), rule(0, 'continue')] }),
    );
    expect(shorter.difference?.message).toContain('kernel:    (nothing more)');
    const withReply = trace(base.conversations[0]!.packets[0]!, { role: 'reply', events: [] });
    expect(compareTraces(base, withReply).difference?.message).toMatch(
      /the simulator has no packet, the kernel a reply/,
    );
    const roles = compareTraces(
      trace({ role: 'request', events: [] }, { role: 'reply', events: [] }),
      trace({ role: 'request', events: [] }, { role: 'icmp-error', events: [] }),
    );
    expect(roles.difference?.message).toBe(
      'packet 1 is a reply in the simulator, a icmp-error on the kernel',
    );
  });
});

describe('ports the kernel chooses at random (masquerade fully-random, clashes)', () => {
  const withPorts = (
    sport: number,
    dport: number,
    kernelChosen?: ('sport' | 'dport')[],
  ): TraceEvent => ({
    type: 'enter',
    family: 'ip',
    table: 'filter',
    chain: 'PREROUTING',
    hook: 'prerouting',
    priority: 0,
    packet: {
      iif: 'eth0',
      oif: null,
      saddr: '10.0.0.2',
      daddr: '10.0.0.1',
      protocol: 'tcp',
      sport,
      dport,
      ...(kernelChosen ? { kernelChosen } : {}),
    },
  });
  const one = (e: TraceEvent): Trace => trace({ role: 'reply', events: [e] });

  it('accepts any kernel port where the simulator marks it as the kernel choice', () => {
    expect(
      compareTraces(one(withPorts(80, 50000, ['dport'])), one(withPorts(80, 39901))).equal,
    ).toBe(true);
  });
  it('still compares the other port, and unmarked ports', () => {
    expect(
      compareTraces(one(withPorts(80, 50000, ['dport'])), one(withPorts(81, 39901))).equal,
    ).toBe(false);
    expect(compareTraces(one(withPorts(80, 50000)), one(withPorts(80, 39901))).equal).toBe(false);
  });
  it('does not take the mark from the kernel side', () => {
    expect(
      compareTraces(one(withPorts(80, 50000)), one(withPorts(80, 39901, ['dport']))).equal,
    ).toBe(false);
  });
});
