/**
 * Conntrack tuples (nf_conntrack_tuple): addresses, L4 protocol and ports (the echo id for
 * ICMP echo). A connection has two: the original direction as first seen, and the reply
 * direction the kernel expects back (the inverse, rewritten by NAT).
 */
import type { Packet } from '../packet/packet.ts';

/** One direction of a connection, as the kernel keys its table. */
export interface Tuple {
  saddr: string;
  daddr: string;
  l4proto: string;
  sport?: number;
  dport?: number;
  /** ICMP: the echo id stands in for the ports. */
  icmpId?: number;
  /** ICMP: the message type (echo request 8 / reply 0; 128 / 129 for ICMPv6), as the kernel's tuple keeps it. */
  icmpType?: number;
  /** Ports of this tuple the kernel chose unpredictably (see Packet.kernelChosen). */
  kernelChosen?: ('sport' | 'dport')[];
}

/** Echo request/reply types: the only ICMP messages that start or answer a connection. */
const ECHO: Record<number, number> = { 8: 0, 0: 8, 128: 129, 129: 128 };

export function isIcmpError(p: Packet): boolean {
  if (!p.icmp) return false;
  const t = p.icmp.type;
  return p.family === 'ip' ? [3, 4, 5, 11, 12].includes(t) : t < 128;
}

/** The tuple of a packet as it is now (nf_ct_get_tuple). */
export function tupleOf(p: Packet): Tuple {
  const t: Tuple = { saddr: p.saddr, daddr: p.daddr, l4proto: p.l4proto };
  if (p.sport !== undefined) t.sport = p.sport;
  if (p.dport !== undefined) t.dport = p.dport;
  if (p.icmp?.id !== undefined) t.icmpId = p.icmp.id;
  if (p.icmp) t.icmpType = p.icmp.type;
  return t;
}

/** nf_ct_invert_tuple. The ICMP id stays; echo request and reply are each other's inverse. */
export function invert(t: Tuple): Tuple {
  const r: Tuple = { saddr: t.daddr, daddr: t.saddr, l4proto: t.l4proto };
  if (t.dport !== undefined) r.sport = t.dport;
  if (t.sport !== undefined) r.dport = t.sport;
  if (t.icmpId !== undefined) r.icmpId = t.icmpId;
  // icmp_invert_tuple: an echo request's inverse is an echo reply (and back).
  if (t.icmpType !== undefined) r.icmpType = ECHO[t.icmpType] ?? t.icmpType;
  if (t.kernelChosen?.length)
    r.kernelChosen = t.kernelChosen.map((k) => (k === 'sport' ? 'dport' : 'sport'));
  return r;
}

export function sameTuple(a: Tuple, b: Tuple): boolean {
  return (
    a.saddr === b.saddr &&
    a.daddr === b.daddr &&
    a.l4proto === b.l4proto &&
    a.sport === b.sport &&
    a.dport === b.dport &&
    a.icmpId === b.icmpId &&
    a.icmpType === b.icmpType
  );
}

export function tupleText(t: Tuple): string {
  const ports = t.sport !== undefined ? ` sport=${t.sport} dport=${t.dport}` : '';
  const id = t.icmpId !== undefined ? ` id=${t.icmpId}` : '';
  return `${t.l4proto} src=${t.saddr} dst=${t.daddr}${ports}${id}`;
}

export function replyIcmpType(type: number): number | undefined {
  return ECHO[type];
}
