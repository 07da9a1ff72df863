/**
 * The TCP headers of a conversation that lists its segments (scenario extension `segments`).
 * Each side starts at its own initial sequence number; a segment's sequence number is what its
 * sender would send next, its acknowledgement number all the peer has sent so far (with the
 * ACK flag only), each plus the segment's offset. A segment sent at an offset is a stray: it
 * does not move its sender on.
 */
import type { TcpHeader } from '../../packet/packet.ts';
import type { SegmentSpec } from '../../scenario/model.ts';

/** Initial sequence numbers: the request side's and the reply side's. */
export const ISN = { request: 1000, reply: 5000 } as const;

/** Linux's initial receive window without scaling, as a raw segment sends it. */
export const SEGMENT_WINDOW = 64240;

export function segmentHeaders(segments: readonly SegmentSpec[]): TcpHeader[] {
  const next: Record<'request' | 'reply', number> = { request: ISN.request, reply: ISN.reply };
  return segments.map((s) => {
    const peer = s.dir === 'request' ? 'reply' : 'request';
    const seq = (next[s.dir] + s.seq) >>> 0;
    const ackSeq = s.flags.includes('ack') ? (next[peer] + s.ack) >>> 0 : 0;
    const flags = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg'].filter((f) => s.flags.includes(f));
    if (s.seq === 0) {
      const grows = s.payload + (flags.includes('syn') ? 1 : 0) + (flags.includes('fin') ? 1 : 0);
      next[s.dir] = (seq + grows) >>> 0;
    }
    return {
      flags,
      seq,
      ackSeq,
      window: flags.includes('rst') ? 0 : SEGMENT_WINDOW,
      payload: s.payload,
    };
  });
}
