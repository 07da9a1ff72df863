import type { DocContext } from '../context.ts';
import { flowText } from '../facts.ts';
import type { Phrase } from '../phrase.ts';
import { flowOf } from '../walk.ts';
import type { EventHandler } from './types.ts';

/** The packet on the wire: arriving, sent out, looped back (the host's own: nothing to say). */
export const send: EventHandler<'send'> = (e, ctx) => {
  const s = e.detail;
  const t = s.packet.tcp;
  // Extension (segments): a listed TCP segment says what it is where it starts.
  const segment =
    t && (s.way === 'in' || s.way === 'local')
      ? [ctx.msg.tcpSegment(t.flags, t.seq, t.flags.includes('ack') ? t.ack : undefined, t.payload)]
      : [];
  return [...wire(e, ctx), ...segment];
};

function wire(e: Parameters<EventHandler<'send'>>[0], { msg }: DocContext): Phrase[] {
  const s = e.detail;
  switch (s.way) {
    case 'out':
      return [msg.sentOut(s.machine, s.dev, flowText(flowOf(s.packet)))];
    case 'loopback':
      return [msg.loopedBack(s.dev)];
    case 'in':
      return [msg.sent(s.machine, s.dev)];
    case 'local':
      return [];
  }
  return [];
}
