/**
 * The connection tracking table (nf_conntrack_core.c): entries are created unconfirmed by the
 * first packet (nf_conntrack_in at priority -200 in prerouting and output), inserted into the
 * table when that packet leaves the last hook (__nf_conntrack_confirm at postrouting/input),
 * and found again by either of their tuples. The table lives across a scenario's
 * conversations, as the kernel's does.
 */
import type { Packet } from '../packet/packet.ts';
import {
  blankTrack,
  type TcpInvalid,
  type TcpState,
  type TcpTrack,
  tcpNew,
  tcpPacket,
} from './tcp.ts';
import { invert, isIcmpError, sameTuple, type Tuple, tupleOf } from './tuple.ts';

export type Direction = 'original' | 'reply';

export type { TcpState } from './tcp.ts';

/** What set up a manip's binding: a nat statement, or the null binding. */
export type NatBy = 'masquerade' | 'snat' | 'dnat' | 'redirect' | 'null-binding';

export interface Connection {
  id: number;
  family: 'ip' | 'ip6';
  original: Tuple;
  reply: Tuple;
  /** Status bits by nft's names: confirmed, seen-reply, assured, snat, dnat. */
  status: Set<string>;
  /** nf_nat_initialized: which manips are set up (a null binding counts). */
  natDone: { src: boolean; dst: boolean };
  /** The statement that set up each manip's binding (masquerade, snat, dnat, redirect). */
  natBy?: { src?: NatBy; dst?: NatBy };
  mark: number;
  /** The TCP state (conntrack -L's name); kept in step with tcpTrack.state. */
  tcp?: TcpState;
  /** What nf_conntrack_proto_tcp.c keeps: state, windows, the last segment's kind. */
  tcpTrack?: TcpTrack;
  /** Set by `flow add` (nft_flow_offload_eval → flow_offload_add): the flowtable entry. */
  offload?: FlowOffload;
}

/** One direction of an offloaded flow: the device its packets come in on, and their route. */
export interface FlowOffloadTuple {
  iif: string;
  dev: string;
  nexthop: string;
}

/**
 * A connection in a flowtable (nf_flow_table_core.c, struct flow_offload): both directions'
 * input device and route (nft_flow_route), looked up again by the flowtable's ingress hook.
 */
export interface FlowOffload {
  /** The table's family and name, and the flowtable's name. */
  family: string;
  table: string;
  flowtable: string;
  original: FlowOffloadTuple;
  reply: FlowOffloadTuple;
}

/** What nf_conntrack_in attaches to a packet: the entry and ctinfo. */
export interface CtAttachment {
  conn: Connection;
  direction: Direction;
  /** new / established / related (ctinfo without the reply bit). */
  info: 'new' | 'established' | 'related';
}

export type CtLookup =
  | {
      kind: 'tracked';
      ct: CtAttachment;
      created: boolean;
      /** The TCP state before the packet, when the packet moved it. */
      tcpFrom?: TcpState;
    }
  /** An ICMP error whose embedded packet belongs to no connection, or an invalid TCP packet. */
  | { kind: 'invalid'; reason: string; tcp?: TcpInvalid };

export class ConntrackTable {
  private readonly entries: Connection[] = [];
  private nextId = 1;

  /** Confirmed entries, in creation order (for the explainer and tests). */
  list(): readonly Connection[] {
    return this.entries;
  }

  find(t: Tuple): { conn: Connection; direction: Direction } | undefined {
    for (const conn of this.entries) {
      if (sameTuple(conn.original, t)) return { conn, direction: 'original' };
      if (sameTuple(conn.reply, t)) return { conn, direction: 'reply' };
    }
    return undefined;
  }

  /**
   * nf_nat_used_tuple: whether the connection a NAT mapping would create is taken, that is
   * whether its reply tuple is already a tuple (either direction) of a confirmed connection.
   */
  replyTupleInUse(reply: Tuple, except: Connection): boolean {
    return this.entries.some(
      (c) => c !== except && (sameTuple(c.reply, reply) || sameTuple(c.original, reply)),
    );
  }

  /**
   * nf_conntrack_in for a packet with no conntrack yet: ICMP errors are matched through
   * their embedded header (icmp_error_message looks up its inverse, the reply tuple); other
   * packets by their own tuple, or a new unconfirmed entry is made for them.
   */
  track(p: Packet): CtLookup {
    if (isIcmpError(p)) {
      const inner = p.icmp?.inner;
      if (!inner) return { kind: 'invalid', reason: 'ICMP error without an embedded header' };
      const found = this.find(invert(tupleOf(inner)));
      if (!found) {
        return { kind: 'invalid', reason: 'the embedded packet belongs to no known connection' };
      }
      return {
        kind: 'tracked',
        created: false,
        ct: { conn: found.conn, direction: found.direction, info: 'related' },
      };
    }
    const t = tupleOf(p);
    const found = this.find(t);
    if (found && p.tcp) {
      const v = tcpOf(found.conn);
      const verdict = tcpPacket(v, found.direction, p.tcp);
      if (verdict.kind === 'reopen') {
        // "Attempt to reopen a closed/aborted connection. Delete this connection and look
        // up again": the entry is killed (-NF_REPEAT) and the SYN starts a new one.
        this.kill(found.conn);
        return this.create(p, t);
      }
      if (verdict.kind === 'invalid') {
        return { kind: 'invalid', reason: verdict.reason, tcp: verdict.code };
      }
      found.conn.tcp = v.state;
      const seenReply = found.conn.status.has('seen-reply') || found.direction === 'reply';
      if (verdict.kind === 'accept') {
        // "If only reply is a RST, we can consider ourselves not to have an established
        // connection": a RST before the entry has seen a reply kills it (nf_ct_kill_acct).
        if (p.tcp.flags.includes('rst') && !found.conn.status.has('seen-reply')) {
          this.kill(found.conn);
        } else if (
          found.conn.status.has('seen-reply') &&
          !found.conn.status.has('assured') &&
          (verdict.from === 'SYN_RECV' || verdict.from === 'ESTABLISHED') &&
          verdict.to === 'ESTABLISHED'
        ) {
          found.conn.status.add('assured');
        }
      }
      const looked = this.attach(found.conn, found.direction, seenReply);
      if (verdict.kind === 'accept' && verdict.from !== verdict.to && looked.kind === 'tracked') {
        looked.tcpFrom = verdict.from;
      }
      return looked;
    }
    if (found) {
      return this.attach(found.conn, found.direction, found.conn.status.has('seen-reply'));
    }
    return this.create(p, t);
  }

  /** The packet gets a found entry: established once the entry has seen a reply. */
  private attach(conn: Connection, direction: Direction, seenReply: boolean): CtLookup {
    if (direction === 'reply') conn.status.add('seen-reply');
    const info = direction === 'reply' || seenReply ? 'established' : 'new';
    return { kind: 'tracked', created: false, ct: { conn, direction, info } };
  }

  /** A new, unconfirmed entry for a packet no entry holds (tcp_new decides for TCP). */
  private create(p: Packet, t: Tuple): CtLookup {
    let tcpTrack: TcpTrack | undefined;
    if (p.tcp) {
      const picked = tcpNew(p.tcp);
      if ('invalid' in picked) return { kind: 'invalid', reason: picked.invalid, tcp: picked.code };
      const verdict = tcpPacket(picked, 'original', p.tcp);
      if (verdict.kind === 'invalid') {
        return { kind: 'invalid', reason: verdict.reason, tcp: verdict.code };
      }
      tcpTrack = picked;
    }
    if (p.icmp && p.icmp.id === undefined) {
      return { kind: 'invalid', reason: 'an ICMP message that is neither echo nor error' };
    }
    const conn: Connection = {
      id: this.nextId++,
      family: p.family,
      original: t,
      reply: invert(t),
      status: new Set(),
      natDone: { src: false, dst: false },
      mark: 0,
      ...(tcpTrack ? { tcp: tcpTrack.state, tcpTrack } : {}),
    };
    return { kind: 'tracked', created: true, ct: { conn, direction: 'original', info: 'new' } };
  }

  /**
   * The client aborts a connection it opened once the SYN-ACK reached it: its ACK, then a
   * RST (close with SO_LINGER 0, as the kernel harness's client does; the packets are not
   * part of the conversation). Conntrack (at -200 in prerouting or output) moves the entry to
   * CLOSE, so a later SYN with the same ports is new. Measured: fuzz seed 357, two SYNs with
   * the same ports a conversation apart, the second `ct state new`.
   */
  clientAborted(conn: Connection): void {
    if (conn.tcp === undefined) return;
    conn.tcp = 'CLOSE';
    if (conn.tcpTrack) {
      conn.tcpTrack.state = 'CLOSE';
      conn.tcpTrack.lastIndex = 'rst';
      conn.tcpTrack.lastDir = 'original';
    }
  }

  /** nf_ct_kill: the entry leaves the table (packets holding it keep it). */
  private kill(conn: Connection): void {
    const i = this.entries.indexOf(conn);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** __nf_conntrack_confirm: the entry goes into the table. Returns false if already there. */
  confirm(conn: Connection): boolean {
    if (conn.status.has('confirmed')) return false;
    conn.status.add('confirmed');
    this.entries.push(conn);
    return true;
  }
}

/** The entry's TCP data (blank for an entry made without it, as a test may). */
function tcpOf(conn: Connection): TcpTrack {
  conn.tcpTrack ??= blankTrack(conn.tcp ?? 'NONE');
  return conn.tcpTrack;
}

export type CtState = 'new' | 'established' | 'related' | 'invalid' | 'untracked';

/** The packet's conntrack entry as rules see it. Absent fields are not set on the entry. */
export interface CtView {
  state: CtState;
  /** The packet's direction in its connection; absent for untracked/invalid packets. */
  direction?: 'original' | 'reply';
  /** expected, seen-reply, assured, confirmed, snat, dnat, dying… by nft's names. */
  status: string[];
  mark: number;
  zone: number;
  original?: Tuple;
  reply?: Tuple;
  helper?: string;
  labels: string[];
  /** Seconds left, as the kernel reports it for `ct expiration`. */
  expiration?: number;
  /** Packets and bytes seen in each direction (`ct bytes`, `ct packets`, `ct avgpkt`). */
  packets?: { original: number; reply: number };
  bytes?: { original: number; reply: number };
  /** The TCP conntrack state (nf_conntrack_tcp_established reads it), for TCP entries. */
  tcp?: TcpState;
}

/** The conntrack entry as rules see it (`ct state`, `ct status`, `ct mark`…). */
export function ctView(ct: CtAttachment | undefined, state?: CtState): CtView | undefined {
  if (state === 'untracked' || state === 'invalid') {
    return { state, status: [], mark: 0, zone: 0, labels: [] };
  }
  if (!ct) return undefined;
  // A related ICMP error or reset carries its parent's entry: status and mark are the parent's.
  const status = [...ct.conn.status];
  return {
    state: ct.info,
    direction: ct.direction,
    status: orderStatus(status),
    mark: ct.conn.mark,
    zone: 0,
    original: ct.conn.original,
    reply: ct.conn.reply,
    labels: [],
    ...(ct.conn.tcp ? { tcp: ct.conn.tcp } : {}),
  };
}

const STATUS_ORDER = [
  'expected',
  'seen-reply',
  'assured',
  'confirmed',
  'snat',
  'dnat',
  'dying',
  'offload',
];
function orderStatus(s: string[]): string[] {
  return STATUS_ORDER.filter((x) => s.includes(x));
}
