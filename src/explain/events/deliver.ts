import { flowText } from '../facts.ts';
import type { EventHandler } from './types.ts';

/** The packet reached a socket, or its receiver answers it. */
export const deliver: EventHandler<'deliver'> = (e, { msg }, ps) => {
  const d = e.detail;
  const w = ps.walk;
  if (d.to === 'host') {
    // The host's answer to a request delivered to it is told as the delivery again.
    return [msg.deliverHost(flowText(w.last), d.answer ? undefined : (d.dev ?? undefined))];
  }
  if (d.answer) return [msg.answers(d.to, d.answer)];
  return [msg.deliver(d.to, flowText(w.last), d.open)];
};
