/**
 * NAT bindings and packet rewriting (nf_nat_core.c, nf_nat_proto.c).
 *
 * A binding is set up once per connection and manip type (nf_nat_setup_info): the reply
 * tuple becomes the inverse of the rewritten original, so replies are recognised and rewritten
 * back. Packets are rewritten per hook by nf_nat_packet: prerouting and output do the
 * destination manip, postrouting and input the source manip (HOOK2MANIP); in the reply
 * direction the status bit tested is inverted, which undoes SNAT at prerouting and DNAT at
 * postrouting/input.
 */

import type { Packet } from '../packet/packet.ts';
import type { HookName } from '../ruleset/model.ts';
import type { Connection, ConntrackTable, CtAttachment } from './table.ts';
import { invert, sameTuple, type Tuple } from './tuple.ts';

export type Manip = 'src' | 'dst';

/** HOOK2MANIP: which side of the packet a hook's NAT rewrites. */
export function manipOfHook(hook: HookName): Manip {
  return hook === 'postrouting' || hook === 'input' ? 'src' : 'dst';
}

export interface NatRange {
  /** Absent: keep the address (a port-only mapping). */
  addr?: { low: string; high: string };
  port?: { low: number; high: number };
}

export interface NatSetup {
  manip: Manip;
  /** The original tuple as rewritten (what the other end will see). */
  tuple: Tuple;
  /** Whether the mapping changed anything (no snat/dnat status bit otherwise). */
  changed: boolean;
  /** A port had to change because the mapping clashed with an existing connection. */
  portClash?: { wanted: number; chosen: number };
  /**
   * The mapped port is the kernel's unpredictable choice: `random` (NAT flag random or
   * fully-random: NF_NAT_RANGE_PROTO_RANDOM_ALL skips keeping the port) or `clash`
   * (nf_nat_l4proto_unique_tuple picks by a keyed hash). The port nfwalk shows stands in.
   */
  kernelChoice?: 'random' | 'clash';
  nullBinding: boolean;
}

/**
 * nf_nat_setup_info: map the connection's `manip` side into `range`, keeping the port when
 * it is in range and the resulting connection is unique (get_unique_tuple), otherwise
 * choosing another port. The kernel chooses by a keyed hash; nfwalk takes the lowest free
 * port of the range the kernel would search, and says so.
 */
export function setupNat(
  table: ConntrackTable,
  conn: Connection,
  manip: Manip,
  range: NatRange,
  nullBinding = false,
  random = false,
): NatSetup {
  const curr = invert(conn.reply);
  const next: Tuple = { ...curr };
  if (range.addr) {
    if (manip === 'src') next.saddr = range.addr.low;
    else next.daddr = range.addr.low;
  }
  const key = manip === 'src' ? 'sport' : 'dport';
  const current = next[key];
  let portClash: NatSetup['portClash'];
  if (current !== undefined) {
    const inRange = !range.port || (current >= range.port.low && current <= range.port.high);
    const single = range.port !== undefined && range.port.low === range.port.high;
    const unique = !table.replyTupleInUse(invert(next), conn);
    // nf_nat_l4proto_unique_tuple: "If it's dst rewrite, can't change port" without a port
    // range (NF_NAT_RANGE_PROTO_SPECIFIED): a null binding or an address-only dnat keeps the
    // port even when the tuple clashes (the source manip may still make it unique).
    const portFixed = manip === 'dst' && !range.port;
    if (!portFixed && !(inRange && (single || unique))) {
      if (single && range.port) next[key] = range.port.low;
      else {
        const [lo, hi] = range.port
          ? [range.port.low, range.port.high]
          : current < 512
            ? [1, 511]
            : current < 1024
              ? [600, 1023]
              : [1024, 65535];
        for (let p = lo; p <= hi; p++) {
          next[key] = p;
          if (!table.replyTupleInUse(invert(next), conn)) break;
        }
        if (next[key] !== current) portClash = { wanted: current, chosen: next[key] as number };
      }
    }
  } else if (curr.icmpId !== undefined && table.replyTupleInUse(invert(next), conn)) {
    // ICMP echo: the id plays the port's part.
    for (let id = 0; id <= 65535; id++) {
      next.icmpId = id;
      if (!table.replyTupleInUse(invert(next), conn)) break;
    }
  }
  let kernelChoice: NatSetup['kernelChoice'];
  if (current !== undefined) {
    const single = range.port !== undefined && range.port.low === range.port.high;
    // get_unique_tuple: with NF_NAT_RANGE_PROTO_RANDOM_ALL the original port is not even
    // tried; a single-port range leaves no choice.
    if (random && !single) kernelChoice = 'random';
    else if (portClash) kernelChoice = 'clash';
  }
  const chosen = (curr.kernelChosen ?? []).filter((k) => k !== key);
  if (kernelChoice) chosen.push(key);
  if (chosen.length) next.kernelChosen = chosen;
  else delete next.kernelChosen;
  const changed = !sameTuple(next, curr);
  conn.reply = invert(next);
  if (changed) conn.status.add(manip === 'src' ? 'snat' : 'dnat');
  conn.natDone[manip] = true;
  return {
    manip,
    tuple: next,
    changed,
    nullBinding,
    ...(portClash ? { portClash } : {}),
    ...(kernelChoice ? { kernelChoice } : {}),
  };
}

/**
 * nf_nat_alloc_null_binding: no nat rule mapped the connection on this hook, so it is bound
 * to its own address (the source port may still change on a clash, never the destination
 * port), and later packets skip the nat chains of this manip type.
 */
export function nullBinding(table: ConntrackTable, conn: Connection, manip: Manip): NatSetup {
  const addr = manip === 'src' ? conn.reply.daddr : conn.reply.saddr;
  return setupNat(table, conn, manip, { addr: { low: addr, high: addr } }, true);
}

export interface Rewrite {
  before: { saddr: string; daddr: string; sport?: number; dport?: number };
  after: { saddr: string; daddr: string; sport?: number; dport?: number };
}

function endpoints(p: Packet): Rewrite['before'] {
  return {
    saddr: p.saddr,
    daddr: p.daddr,
    ...(p.sport !== undefined ? { sport: p.sport } : {}),
    ...(p.dport !== undefined ? { dport: p.dport } : {}),
  };
}

/** The status bit nf_nat_packet tests for a manip in a direction. */
function statusBit(manip: Manip, reply: boolean): 'snat' | 'dnat' {
  const bit = manip === 'src' ? 'snat' : 'dnat';
  if (!reply) return bit;
  return bit === 'snat' ? 'dnat' : 'snat';
}

/**
 * nf_nat_packet: rewrite the packet's `manip` side to the inverse of the other direction's
 * tuple, if the connection has the matching NAT. Returns what changed, or undefined.
 */
export function natPacket(ct: CtAttachment, manip: Manip, p: Packet): Rewrite | undefined {
  const reply = ct.direction === 'reply';
  if (!ct.conn.status.has(statusBit(manip, reply))) return undefined;
  const other = reply ? ct.conn.original : ct.conn.reply;
  const target = invert(other);
  const before = endpoints(p);
  applyManip(p, target, manip);
  const after = endpoints(p);
  if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
  return { before, after };
}

function applyManip(p: Packet, target: Tuple, manip: Manip): void {
  if (manip === 'src') {
    p.saddr = target.saddr;
    if (p.sport !== undefined && target.sport !== undefined) {
      p.sport = target.sport;
      markChosen(p, 'sport', target);
    } else if (p.icmp?.id !== undefined && target.icmpId !== undefined) p.icmp.id = target.icmpId;
  } else {
    p.daddr = target.daddr;
    if (p.dport !== undefined && target.dport !== undefined) {
      p.dport = target.dport;
      markChosen(p, 'dport', target);
    } else if (p.icmp?.id !== undefined && target.icmpId !== undefined) p.icmp.id = target.icmpId;
  }
}

/** The packet's port `key` now comes from `target`: it is the kernel's choice if the tuple's is. */
function markChosen(p: Packet, key: 'sport' | 'dport', target: Tuple): void {
  const rest = (p.kernelChosen ?? []).filter((k) => k !== key);
  if (target.kernelChosen?.includes(key)) rest.push(key);
  if (rest.length) p.kernelChosen = rest;
  else delete p.kernelChosen;
}

/**
 * nf_nat_icmp_reply_translation: an ICMP error related to a NATed connection. The embedded
 * packet gets the opposite manip (so it looks like the packet its sender sent), the outer
 * header the hook's manip (so it reaches the original sender).
 */
export function icmpErrorTranslation(
  ct: CtAttachment,
  manip: Manip,
  p: Packet,
): { outer?: Rewrite; inner?: Rewrite } | undefined {
  const reply = ct.direction === 'reply';
  if (!ct.conn.status.has(statusBit(manip, reply))) return undefined;
  const inner = p.icmp?.inner;
  if (!inner) return undefined;
  const other = reply ? ct.conn.original : ct.conn.reply;
  const innerBefore = endpoints(inner);
  applyManip(inner, other, manip === 'src' ? 'dst' : 'src');
  const innerAfter = endpoints(inner);
  const outerBefore = endpoints(p);
  const target = invert(other);
  if (manip === 'src') p.saddr = target.saddr;
  else p.daddr = target.daddr;
  const outerAfter = endpoints(p);
  return {
    ...(JSON.stringify(outerBefore) !== JSON.stringify(outerAfter)
      ? { outer: { before: outerBefore, after: outerAfter } }
      : {}),
    ...(JSON.stringify(innerBefore) !== JSON.stringify(innerAfter)
      ? { inner: { before: innerBefore, after: innerAfter } }
      : {}),
  };
}
