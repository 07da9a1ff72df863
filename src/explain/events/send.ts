import { flowText } from '../facts.ts';
import { flowOf } from '../walk.ts';
import type { EventHandler } from './types.ts';

/** The packet on the wire: arriving, sent out, looped back (the host's own: nothing to say). */
export const send: EventHandler<'send'> = (e, { msg }) => {
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
};
