/**
 * The TCP tracker against what the kernel (6.18) did with the same raw segments in network
 * namespaces (conntrack -L and `ct state` counters after each): the states of a whole
 * connection, the pick-up of a stray ACK, what is invalid.
 */
import { describe, expect, it } from 'vitest';
import { ConntrackTable } from '../../src/conntrack/table.ts';
import { invalidFlags } from '../../src/conntrack/tcp.ts';
import { segmentHeaders } from '../../src/netfilter/walk/segments.ts';
import { makePacket } from '../../src/netfilter/walk/skb.ts';
import type { Packet } from '../../src/packet/packet.ts';
import type { SegmentSpec } from '../../src/scenario/model.ts';

const C = { addr: '10.9.0.2', port: 40000 };
const S = { addr: '10.9.0.1', port: 22 };

type Seg = Partial<SegmentSpec> & Pick<SegmentSpec, 'dir' | 'flags'>;
function packets(segs: Seg[]): Packet[] {
  const full = segs.map((s) => ({ payload: 0, seq: 0, ack: 0, ...s }));
  return segmentHeaders(full).map((tcp, i) => {
    const there = full[i]!.dir === 'request';
    const [a, b] = there ? [C, S] : [S, C];
    const p = makePacket({
      family: 'ip',
      protocol: 'tcp',
      saddr: a.addr,
      daddr: b.addr,
      sport: a.port,
      dport: b.port,
      tcpFlags: tcp.flags,
    });
    p.tcp = tcp;
    return p;
  });
}

/** ct state and TCP state after each segment, confirming entries as they pass. */
function run(segs: Seg[]): string[] {
  const t = new ConntrackTable();
  return packets(segs).map((p) => {
    const r = t.track(p);
    if (r.kind === 'invalid') return 'invalid';
    t.confirm(r.ct.conn);
    return `${r.ct.info} ${r.ct.conn.tcp}`;
  });
}

const HANDSHAKE: Seg[] = [
  { dir: 'request', flags: ['syn'] },
  { dir: 'reply', flags: ['syn', 'ack'] },
  { dir: 'request', flags: ['ack'] },
];

describe('TCP conntrack states', () => {
  it('follows a whole connection from SYN_SENT to TIME_WAIT', () => {
    expect(
      run([
        ...HANDSHAKE,
        { dir: 'request', flags: ['psh', 'ack'], payload: 10 },
        { dir: 'reply', flags: ['ack'] },
        { dir: 'request', flags: ['fin', 'ack'] },
        { dir: 'reply', flags: ['ack'] },
        { dir: 'reply', flags: ['fin', 'ack'] },
        { dir: 'request', flags: ['ack'] },
      ]),
    ).toEqual([
      'new SYN_SENT',
      'established SYN_RECV',
      'established ESTABLISHED',
      'established ESTABLISHED',
      'established ESTABLISHED',
      'established FIN_WAIT',
      'established CLOSE_WAIT',
      'established LAST_ACK',
      'established TIME_WAIT',
    ]);
  });

  it('sets assured on the ACK that completes the handshake', () => {
    const t = new ConntrackTable();
    const conns = packets(HANDSHAKE).map((p) => {
      const r = t.track(p);
      if (r.kind !== 'tracked') throw new Error(r.reason);
      t.confirm(r.ct.conn);
      return [...r.ct.conn.status].includes('assured');
    });
    expect(conns).toEqual([false, false, true]);
  });

  it('picks up a stray ACK as new and ESTABLISHED (nf_conntrack_tcp_loose = 1)', () => {
    expect(run([{ dir: 'request', flags: ['ack'] }])).toEqual(['new ESTABLISHED']);
    // Its reply is established; a RST moves it to CLOSE.
    expect(
      run([
        { dir: 'request', flags: ['ack'] },
        { dir: 'reply', flags: ['ack'] },
        { dir: 'request', flags: ['psh', 'ack'], payload: 5 },
        { dir: 'reply', flags: ['rst', 'ack'] },
        { dir: 'request', flags: ['ack'] },
      ]),
    ).toEqual([
      'new ESTABLISHED',
      'established ESTABLISHED',
      'established ESTABLISHED',
      'established CLOSE',
      'established CLOSE',
    ]);
  });

  it('finds FIN, SYN|FIN, RST, FIN|ACK and no flags invalid with no connection', () => {
    for (const flags of [['fin'], ['syn', 'fin'], ['rst'], ['fin', 'ack'], []]) {
      expect(run([{ dir: 'request', flags }]), flags.join()).toEqual(['invalid']);
    }
  });

  it('finds a segment far past the window invalid, one just past it accepted', () => {
    const past = (seq: number) =>
      run([...HANDSHAKE, { dir: 'request', flags: ['psh', 'ack'], payload: 32, seq }])[3];
    // Measured: +100000 passes ("bytes more than expected", up to the receiver's window
    // beyond the window's end), +1000000 is invalid.
    expect(past(100000)).toBe('established ESTABLISHED');
    expect(past(1000000)).toBe('invalid');
  });

  it('ignores old data and an overly delayed ACK: established, not invalid (Linux ≥ 6.0)', () => {
    // tcp_in_window returns NFCT_TCP_IGNORE under the lower bounds: the segment keeps its entry.
    const old = (seg: { flags: string[]; payload?: number; seq?: number; ack?: number }) =>
      run([...HANDSHAKE, { dir: 'request', ...seg }])[3];
    expect(old({ flags: ['psh', 'ack'], payload: 50, seq: -70000 })).toBe(
      'established ESTABLISHED',
    );
    expect(old({ flags: ['ack'], ack: -100000 })).toBe('established ESTABLISHED');
    // An old FIN moves nothing: the state stays ESTABLISHED.
    expect(old({ flags: ['fin', 'ack'], seq: -70000 })).toBe('established ESTABLISHED');
  });

  it('finds an ACK of data never sent invalid', () => {
    expect(run([...HANDSHAKE, { dir: 'request', flags: ['ack'], ack: 900000 }])[3]).toBe('invalid');
  });

  it('finds a SYN-ACK in the original direction or before any SYN invalid', () => {
    expect(run([{ dir: 'request', flags: ['syn', 'ack'] }])).toEqual(['invalid']);
    expect(
      run([
        { dir: 'request', flags: ['syn'] },
        { dir: 'request', flags: ['syn', 'ack'] },
      ])[1],
    ).toBe('invalid');
  });

  it('finds a client SYN-ACK on an established connection invalid (measured on 6.18)', () => {
    expect(run([...HANDSHAKE, { dir: 'request', flags: ['syn', 'ack'] }])[3]).toBe('invalid');
  });

  it('lets a client SYN on an established connection keep its entry (sIG, measured)', () => {
    expect(run([...HANDSHAKE, { dir: 'request', flags: ['syn'] }])[3]).toBe(
      'established ESTABLISHED',
    );
  });

  it('reopens a connection closed by FIN with a new SYN', () => {
    const out = run([
      ...HANDSHAKE,
      { dir: 'request', flags: ['fin', 'ack'] },
      { dir: 'reply', flags: ['fin', 'ack'] },
      { dir: 'request', flags: ['ack'] },
      { dir: 'request', flags: ['syn'], seq: 100 },
    ]);
    expect(out.slice(-2)).toEqual(['established TIME_WAIT', 'new SYN_SENT']);
  });

  it('checks flag combinations as tcp_error does (PSH, ECE, CWR left out)', () => {
    expect(invalidFlags(['syn', 'ack', 'psh'])).toBeUndefined();
    expect(invalidFlags(['fin', 'ack', 'urg'])).toBeUndefined();
    expect(invalidFlags(['fin', 'psh', 'urg'])).toMatch(/fin\|urg/);
    expect(invalidFlags(['syn', 'rst'])).toMatch(/invalid/);
  });
});
