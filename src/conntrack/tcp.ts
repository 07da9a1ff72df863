/**
 * TCP connection tracking as nf_conntrack_proto_tcp.c does it (Linux 6.x): the flag check of
 * tcp_error, the pick-up rules of tcp_new (nf_conntrack_tcp_loose = 1, the default), the state
 * table tcp_conntracks[dir][index][state], and the window check of tcp_in_window. Segments
 * here carry no TCP options, so there is no window scaling and no SACK.
 */
import type { TcpHeader } from '../packet/packet.ts';

/** The states by the names `conntrack -L` prints. NONE is never kept on an entry. */
export type TcpState =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

const STATES: readonly TcpState[] = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

/** get_conntrack_index: which flag decides (RST, then SYN/SYN-ACK, then FIN, then ACK). */
export type TcpIndex = 'syn' | 'synack' | 'fin' | 'ack' | 'rst' | 'none';

export function conntrackIndex(flags: readonly string[]): TcpIndex {
  if (flags.includes('rst')) return 'rst';
  if (flags.includes('syn')) return flags.includes('ack') ? 'synack' : 'syn';
  if (flags.includes('fin')) return 'fin';
  if (flags.includes('ack')) return 'ack';
  return 'none';
}

type Next = TcpState | 'IV' | 'IG';
const [, SS, SR, ES, FW, CW, LA, TW, CL, S2] = STATES as TcpState[];
const IV = 'IV' as const;
const IG = 'IG' as const;

/**
 * tcp_conntracks: columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2. The original direction's
 * SYN-ACK row is the current kernel's (a late SYN-ACK of a simultaneous open in sSR, invalid
 * otherwise), not the sIG of older kernels: measured on 6.18, a client's SYN-ACK on an
 * ESTABLISHED connection is `ct state invalid`.
 */
const TABLE: Record<'original' | 'reply', Record<TcpIndex, Next[]>> = {
  original: {
    syn: [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2] as Next[],
    synack: [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR] as Next[],
    fin: [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV] as Next[],
    ack: [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV] as Next[],
    rst: [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL] as Next[],
    none: [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
  reply: {
    syn: [IV, S2, IV, IV, IV, IV, IV, IV, IV, S2] as Next[],
    synack: [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR] as Next[],
    fin: [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV] as Next[],
    ack: [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG] as Next[],
    rst: [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL] as Next[],
    none: [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
};

function next(dir: 'original' | 'reply', index: TcpIndex, state: TcpState): Next {
  return TABLE[dir][index][STATES.indexOf(state)] ?? IV;
}

/** One direction's window data (struct ip_ct_tcp_state). */
export interface TcpSide {
  end: number;
  maxend: number;
  maxwin: number;
  maxack: number;
  maxackSet: boolean;
  closeInit: boolean;
  beLiberal: boolean;
}

/** What conntrack keeps about a TCP connection (struct ip_ct_tcp). */
export interface TcpTrack {
  state: TcpState;
  seen: [TcpSide, TcpSide];
  lastIndex?: TcpIndex;
  lastDir?: 'original' | 'reply';
}

const u32 = (n: number) => n >>> 0;
/** before()/after() of include/net/tcp.h: serial-number comparison. */
const before = (a: number, b: number) => ((a - b) | 0) < 0;
const after = (a: number, b: number) => before(b, a);
const MAXACKWINCONST = 66000;

/** The sequence number after the segment: seq + data + 1 for SYN and for FIN. */
export function segmentEnd(tcp: TcpHeader): number {
  const f = tcp.flags;
  return u32(
    tcp.seq + (tcp.payload ?? 0) + (f.includes('syn') ? 1 : 0) + (f.includes('fin') ? 1 : 0),
  );
}

const emptySide = (): TcpSide => ({
  end: 0,
  maxend: 0,
  maxwin: 0,
  maxack: 0,
  maxackSet: false,
  closeInit: false,
  beLiberal: false,
});

/** tcp_valid_flags (tcp_error): the combinations of SYN/ACK/FIN/RST/URG that may appear. */
const VALID_FLAGS = [
  'syn',
  'syn urg',
  'syn ack',
  'rst',
  'rst ack',
  'fin ack',
  'fin ack urg',
  'ack',
  'ack urg',
];

/** Why conntrack found a TCP segment invalid, for the explainer. */
export type TcpInvalid = 'flags' | 'cannot-start' | 'state' | 'rst-seq' | 'seq-over' | 'ack-over';

/** tcp_error's flag check (PSH, ECE and CWR are left out of it); the reason when invalid. */
export function invalidFlags(flags: readonly string[]): string | undefined {
  const key = ['fin', 'syn', 'rst', 'ack', 'urg'].filter((f) => flags.includes(f));
  const sorted = ['syn', 'rst', 'fin', 'ack', 'urg'].filter((f) => key.includes(f)).join(' ');
  if (VALID_FLAGS.includes(sorted)) return undefined;
  return `the TCP flag combination ${sorted ? sorted.replaceAll(' ', '|') : 'none'} is invalid (tcp_error)`;
}

/**
 * tcp_new: whether a segment with no entry may start one. A SYN does (SYN_SENT); with
 * nf_conntrack_tcp_loose (1 by default) so does a mid-stream ACK (ESTABLISHED, window
 * checking liberal); anything else is invalid.
 */
export function tcpNew(tcp: TcpHeader): TcpTrack | { invalid: string; code: TcpInvalid } {
  const bad = invalidFlags(tcp.flags);
  if (bad) return { invalid: bad, code: 'flags' };
  const index = conntrackIndex(tcp.flags);
  const state = next('original', index, 'NONE');
  if (state === IV || state === IG) {
    return {
      invalid: `a TCP ${indexName(index)} cannot start a connection (tcp_new)`,
      code: 'cannot-start',
    };
  }
  const side = emptySide();
  side.end = segmentEnd(tcp);
  side.maxwin = tcp.window === 0 ? 1 : tcp.window;
  const track: TcpTrack = { state: 'NONE', seen: [side, emptySide()] };
  if (state === 'SYN_SENT') {
    side.maxend = side.end;
  } else {
    side.maxend = u32(side.end + side.maxwin);
    side.beLiberal = true;
    track.seen[1].beLiberal = true;
  }
  return track;
}

/** A connection's TCP data with no window seen yet (an entry made without tcp_new). */
export function blankTrack(state: TcpState): TcpTrack {
  return { state, seen: [emptySide(), emptySide()] };
}

export function indexName(i: TcpIndex): string {
  return {
    syn: 'SYN',
    synack: 'SYN-ACK',
    fin: 'FIN',
    ack: 'ACK',
    rst: 'RST',
    none: 'segment without flags',
  }[i];
}

/** What nf_conntrack_tcp_packet decides for a segment of a known connection. */
export type TcpVerdict =
  | { kind: 'accept'; from: TcpState; to: TcpState }
  /** NF_ACCEPT without a state change: the packet keeps its entry (sIG, or an old segment). */
  | { kind: 'ignore'; reason: string }
  /** -NF_ACCEPT: the packet goes on without an entry, `ct state invalid`. */
  | { kind: 'invalid'; reason: string; code: TcpInvalid }
  /** A SYN reopening a closed connection: the entry is killed and the SYN looked up again. */
  | { kind: 'reopen' };

/** nf_conntrack_tcp_packet for a segment of a known connection (confirmed or not). */
export function tcpPacket(t: TcpTrack, dir: 'original' | 'reply', tcp: TcpHeader): TcpVerdict {
  const bad = invalidFlags(tcp.flags);
  if (bad) return { kind: 'invalid', reason: bad, code: 'flags' };
  const index = conntrackIndex(tcp.flags);
  const old = t.state === 'NONE' ? 'NONE' : t.state;
  const to = next(dir, index, old);
  const d = dir === 'original' ? 0 : 1;
  if (to === 'SYN_SENT' && (old === 'TIME_WAIT' || old === 'CLOSE')) {
    const closeInit = t.seen[0].closeInit || t.seen[1].closeInit;
    if (closeInit || (t.lastDir === dir && t.lastIndex === 'rst')) return { kind: 'reopen' };
  }
  if (to === IG || (to === 'SYN_SENT' && (old === 'TIME_WAIT' || old === 'CLOSE'))) {
    t.lastIndex = index;
    t.lastDir = dir;
    return {
      kind: 'ignore',
      reason: `a ${indexName(index)} in state ${old} is ignored (tcp_conntracks: sIG); the packet keeps its entry`,
    };
  }
  if (to === IV) {
    return {
      kind: 'invalid',
      reason: `a ${indexName(index)} in state ${old} (${dir} direction) is invalid`,
      code: 'state',
    };
  }
  // tcp_can_early_drop: a RST on a closing connection skips the sequence checks.
  const closing = ['FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE'].includes(old);
  if (!(index === 'rst' && closing)) {
    const peer = t.seen[1 - d]!;
    const early = index === 'rst' && peer.maxackSet && t.lastIndex !== 'syn';
    if (early && before(tcp.seq, peer.maxack)) {
      return {
        kind: 'invalid',
        reason: `a RST with SEQ ${u32(tcp.seq)} below ${peer.maxack}, what the peer acknowledged (invalid rst)`,
        code: 'rst-seq',
      };
    }
    const w = inWindow(t, d, tcp);
    if (w.kind !== 'accept') return w;
  }
  t.lastIndex = index;
  t.lastDir = dir;
  t.state = to;
  if (old !== to && to === 'FIN_WAIT') t.seen[d]!.closeInit = true;
  return { kind: 'accept', from: old, to };
}

type WindowVerdict =
  | { kind: 'accept' }
  | { kind: 'ignore'; reason: string }
  | { kind: 'invalid'; reason: string; code: TcpInvalid };

/**
 * nf_tcp_log_invalid: on a liberal side (a connection picked up mid-stream, nf_conntrack_tcp_loose)
 * every out-of-window segment is accepted, without updating the window data.
 */
function outOfWindow(liberal: boolean, reason: string, code?: TcpInvalid): WindowVerdict {
  if (liberal) return { kind: 'accept' };
  return code ? { kind: 'invalid', reason, code } : { kind: 'ignore', reason };
}

/** tcp_in_window, without window scaling and SACK (nfwalk's segments carry no options). */
function inWindow(t: TcpTrack, d: number, tcp: TcpHeader): WindowVerdict {
  const sender = t.seen[d]!;
  const receiver = t.seen[1 - d]!;
  let seq = u32(tcp.seq);
  let ack = u32(tcp.ackSeq);
  const win = tcp.window;
  let end = segmentEnd(tcp);
  const f = tcp.flags;
  if (sender.maxwin === 0) {
    if (f.includes('syn')) {
      sender.end = end;
      sender.maxend = end;
      sender.maxwin = win === 0 ? 1 : win;
      if (!f.includes('ack')) return { kind: 'accept' };
    } else {
      sender.end = end;
      sender.maxwin = win === 0 ? 1 : win;
      sender.maxend = u32(end + sender.maxwin);
      if (receiver.maxwin === 0) {
        receiver.end = ack;
        receiver.maxend = ack;
      } else if (ack === u32(receiver.end + 1)) receiver.end = u32(receiver.end + 1);
    }
  } else if (
    f.includes('syn') &&
    after(end, sender.end) &&
    (t.state === 'SYN_SENT' || t.state === 'SYN_RECV')
  ) {
    sender.end = end;
    sender.maxend = end;
    sender.maxwin = win === 0 ? 1 : win;
    return { kind: 'accept' };
  }
  if (!f.includes('ack') || (f.includes('rst') && ack === 0)) ack = receiver.end;
  if (f.includes('rst') && seq === 0 && t.state === 'SYN_SENT') {
    seq = sender.end;
    end = sender.end;
  }
  const liberal = sender.beLiberal;
  const maxAckWin = Math.max(sender.maxwin, MAXACKWINCONST);
  const ackOk = after(ack, u32(receiver.end - maxAckWin - 1));
  if (!before(seq, u32(sender.maxend + 1))) {
    // "Work around TCPs that send more bytes than allowed by the receive window": a segment
    // over the window by at most the receiver's largest window, with a sane ACK, passes.
    const overshot = u32(end - sender.maxend + 1);
    const recvWin = receiver.maxwin !== 0 && after(end, u32(sender.end - receiver.maxwin - 1));
    if (recvWin && ackOk && overshot <= receiver.maxwin && before(ack, u32(receiver.end + 1))) {
      // Since Linux 6.0 ("conntrack: ignore overly delayed tcp packets") this is
      // NFCT_TCP_IGNORE: td_end moves, the state does not.
      sender.end = end;
      return outOfWindow(liberal, `${overshot} bytes more than expected`);
    }
    return outOfWindow(
      liberal,
      `SEQ ${seq} is over the upper bound ${u32(sender.maxend + 1)} (over the window of the receiver)`,
      'seq-over',
    );
  }
  if (!before(ack, u32(receiver.end + 1))) {
    return outOfWindow(
      liberal,
      `ACK ${ack} is over the upper bound ${u32(receiver.end + 1)} (ACKed data not seen yet)`,
      'ack-over',
    );
  }
  const inRecvWin = receiver.maxwin === 0 || after(end, u32(sender.end - receiver.maxwin - 1));
  if (!inRecvWin) {
    // NFCT_TCP_IGNORE since Linux 6.0: an old retransmission keeps its entry (established),
    // so `ct state invalid drop` does not drop it and the receiver can ACK again.
    return outOfWindow(
      liberal,
      `SEQ is under the lower bound ${u32(sender.end - receiver.maxwin - 1)} (already ACKed data retransmitted)`,
    );
  }
  if (!ackOk) {
    return outOfWindow(
      liberal,
      `ACK is under the lower bound ${u32(receiver.end - maxAckWin - 1)} (possibly overly delayed)`,
    );
  }
  // Update the sender's and the receiver's data.
  const swin = win;
  if (sender.maxwin < swin) sender.maxwin = swin;
  if (after(end, sender.end)) sender.end = end;
  if (f.includes('ack')) {
    if (!sender.maxackSet || after(ack, sender.maxack)) sender.maxack = ack;
    sender.maxackSet = true;
  }
  if (receiver.maxwin !== 0 && after(end, sender.maxend)) {
    receiver.maxwin = u32(receiver.maxwin + (end - sender.maxend));
  }
  if (after(u32(ack + win), u32(receiver.maxend - 1))) {
    receiver.maxend = u32(ack + win + (win === 0 ? 1 : 0));
  }
  return { kind: 'accept' };
}
