import { describe, expect, it } from 'vitest';
import {
  icmpErrorTranslation,
  manipOfHook,
  natPacket,
  nullBinding,
  setupNat,
} from '../../src/conntrack/nat.ts';
import { ConntrackTable } from '../../src/conntrack/table.ts';
import { makePacket } from '../../src/netfilter/walk/skb.ts';

const req = () =>
  makePacket({
    family: 'ip',
    protocol: 'udp',
    saddr: '10.1.0.5',
    daddr: '10.1.0.1',
    sport: 40000,
    dport: 8053,
  });
const reply = (saddr: string, sport: number, daddr: string, dport: number) =>
  makePacket({ family: 'ip', protocol: 'udp', saddr, daddr, sport, dport });
const tcp = (
  saddr: string,
  sport: number,
  daddr: string,
  dport: number,
  tcpFlags: ('syn' | 'ack' | 'rst')[],
) => makePacket({ family: 'ip', protocol: 'tcp', saddr, daddr, sport, dport, tcpFlags });

function tracked(t: ConntrackTable, p: ReturnType<typeof req>) {
  const r = t.track(p);
  if (r.kind !== 'tracked') throw new Error(r.reason);
  return r;
}

describe('conntrack table', () => {
  it('makes a new unconfirmed entry, found again only once confirmed', () => {
    const t = new ConntrackTable();
    const a = tracked(t, req());
    expect(a.created).toBe(true);
    expect(a.ct.info).toBe('new');
    expect(tracked(t, req()).created).toBe(true);
    t.confirm(a.ct.conn);
    const b = tracked(t, req());
    expect(b.created).toBe(false);
    expect(b.ct).toMatchObject({ info: 'new', direction: 'original' });
  });

  it('marks the first reply seen-reply; later originals are established', () => {
    const t = new ConntrackTable();
    const a = tracked(t, req());
    t.confirm(a.ct.conn);
    const r = tracked(t, reply('10.1.0.1', 8053, '10.1.0.5', 40000));
    expect(r.ct).toMatchObject({ info: 'established', direction: 'reply' });
    expect(a.ct.conn.status.has('seen-reply')).toBe(true);
    expect(tracked(t, req()).ct.info).toBe('established');
  });

  it('relates an ICMP error to the connection of the packet it quotes, by the reverse tuple', () => {
    const t = new ConntrackTable();
    const a = tracked(t, req());
    t.confirm(a.ct.conn);
    const err = makePacket({
      family: 'ip',
      protocol: 'icmp',
      saddr: '10.1.0.1',
      daddr: '10.1.0.5',
      icmp: { type: 3, code: 3, inner: req() },
    });
    expect(tracked(t, err).ct).toMatchObject({ info: 'related', direction: 'reply' });
    const stray = makePacket({
      family: 'ip',
      protocol: 'icmp',
      saddr: '10.1.0.1',
      daddr: '10.1.0.5',
      icmp: { type: 3, code: 3, inner: reply('10.9.9.9', 1, '10.1.0.1', 2) },
    });
    expect(t.track(stray).kind).toBe('invalid');
  });

  it('follows TCP: SYN new, SYN-ACK in reply, a SYN-ACK or RST without a connection invalid', () => {
    const t = new ConntrackTable();
    const syn = tcp('10.1.0.5', 40000, '10.1.0.1', 22, ['syn']);
    const a = tracked(t, syn);
    expect(a.ct.conn.tcp).toBe('SYN_SENT');
    t.confirm(a.ct.conn);
    const synack = tcp('10.1.0.1', 22, '10.1.0.5', 40000, ['syn', 'ack']);
    expect(tracked(t, synack).ct.direction).toBe('reply');
    expect(a.ct.conn.tcp).toBe('SYN_RECV');
    const stray = tcp('10.1.0.1', 22, '10.1.0.9', 1, ['rst', 'ack']);
    expect(t.track(stray).kind).toBe('invalid');
  });

  it('starts a new connection for a SYN after the client aborted the last one with the same ports', () => {
    const t = new ConntrackTable();
    const syn = () => tcp('10.1.0.5', 40000, '10.1.0.1', 22, ['syn']);
    const first = tracked(t, syn());
    t.confirm(first.ct.conn);
    tracked(t, tcp('10.1.0.1', 22, '10.1.0.5', 40000, ['syn', 'ack']));
    // Not aborted: the same SYN again belongs to the connection, which has seen a reply.
    expect(tracked(t, syn()).ct).toMatchObject({ conn: first.ct.conn, info: 'established' });
    t.clientAborted(first.ct.conn);
    const again = tracked(t, syn());
    expect(again.created).toBe(true);
    expect(again.ct.info).toBe('new');
    expect(again.ct.conn).not.toBe(first.ct.conn);
  });
});

describe('NAT bindings', () => {
  it('maps by hook: destination at prerouting and output, source at postrouting and input', () => {
    expect(
      ['prerouting', 'output', 'postrouting', 'input'].map((h) => manipOfHook(h as 'input')),
    ).toEqual(['dst', 'dst', 'src', 'src']);
  });

  it('rewrites the reply tuple, so replies are undone per hook in the inverted sense', () => {
    const t = new ConntrackTable();
    const p = req();
    const a = tracked(t, p).ct;
    setupNat(t, a.conn, 'dst', {
      addr: { low: '10.2.0.5', high: '10.2.0.5' },
      port: { low: 53, high: 53 },
    });
    expect(natPacket(a, 'dst', p)?.after).toEqual({
      saddr: '10.1.0.5',
      daddr: '10.2.0.5',
      sport: 40000,
      dport: 53,
    });
    setupNat(t, a.conn, 'src', { addr: { low: '10.2.0.1', high: '10.2.0.1' } });
    expect(natPacket(a, 'src', p)?.after).toEqual({
      saddr: '10.2.0.1',
      daddr: '10.2.0.5',
      sport: 40000,
      dport: 53,
    });
    expect(a.conn.reply).toEqual({
      saddr: '10.2.0.5',
      daddr: '10.2.0.1',
      l4proto: 'udp',
      sport: 53,
      dport: 40000,
    });
    expect([...a.conn.status].sort()).toEqual(['dnat', 'snat']);
    t.confirm(a.conn);
    const r = reply('10.2.0.5', 53, '10.2.0.1', 40000);
    const rc = tracked(t, r).ct;
    // Prerouting (dst manip) in the reply direction undoes the SNAT…
    expect(natPacket(rc, 'dst', r)?.after).toMatchObject({ daddr: '10.1.0.5', dport: 40000 });
    // … postrouting (src manip) the DNAT.
    expect(natPacket(rc, 'src', r)?.after).toMatchObject({ saddr: '10.1.0.1', sport: 8053 });
  });

  it('sets no status bit for a mapping that changes nothing, and a null binding marks the manip done', () => {
    const t = new ConntrackTable();
    const a = tracked(t, req()).ct;
    const nb = nullBinding(t, a.conn, 'src');
    expect(nb.changed).toBe(false);
    expect(a.conn.natDone.src).toBe(true);
    expect(a.conn.status.size).toBe(0);
  });

  it('keeps the source port unless the resulting connection clashes', () => {
    const t = new ConntrackTable();
    const one = tracked(t, reply('10.1.0.5', 40000, '10.2.0.5', 53)).ct;
    setupNat(t, one.conn, 'src', { addr: { low: '10.2.0.1', high: '10.2.0.1' } });
    t.confirm(one.conn);
    const two = tracked(t, reply('10.1.0.6', 40000, '10.2.0.5', 53)).ct;
    const s = setupNat(t, two.conn, 'src', { addr: { low: '10.2.0.1', high: '10.2.0.1' } });
    expect(s.portClash?.wanted).toBe(40000);
    expect(s.tuple.sport).not.toBe(40000);
  });

  it('translates an ICMP error: outer destination back to the sender, embedded source too', () => {
    const t = new ConntrackTable();
    const p = reply('10.1.0.5', 40000, '10.2.0.5', 54);
    const a = tracked(t, p).ct;
    setupNat(t, a.conn, 'src', { addr: { low: '10.2.0.1', high: '10.2.0.1' } });
    natPacket(a, 'src', p);
    t.confirm(a.conn);
    const err = makePacket({
      family: 'ip',
      protocol: 'icmp',
      saddr: '10.2.0.5',
      daddr: '10.2.0.1',
      icmp: { type: 3, code: 3, inner: p },
    });
    const ec = tracked(t, err).ct;
    const tr = icmpErrorTranslation(ec, 'dst', err);
    expect(tr?.outer?.after.daddr).toBe('10.1.0.5');
    expect(tr?.inner?.after).toMatchObject({ saddr: '10.1.0.5', sport: 40000 });
  });
});
