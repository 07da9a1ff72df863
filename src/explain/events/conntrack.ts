import type { PacketState } from '../context.ts';
import { flowText } from '../facts.ts';
import type { Messages } from '../i18n/messages.ts';
import { flowOfEndpoints } from '../info.ts';
import type { Phrase } from '../phrase.ts';
import type { EventHandler, EventOf } from './types.ts';

/**
 * What conntrack did; one entry per packet is told once. A connection nf_conntrack_bridge
 * creates is introduced with where that conntrack runs.
 */
export const conntrack: EventHandler<'conntrack'> = (e, { msg }, ps) => {
  const c = e.detail;
  const direction = c.direction ?? undefined;
  const confirmed = c.confirmed === true;
  // Later reports of the same state add nothing.
  const key = `ct|${c.state}|${direction}|${confirmed}`;
  if (ps.told.has(key)) return [];
  ps.told.add(key);
  if (c.state === 'none') return [msg.ctNone()];
  const said = what(e, msg, ps);
  return c.family === 'bridge' && c.created === true ? [msg.ctBridge(), ...said] : said;
};

function what(e: EventOf<'conntrack'>, msg: Messages, ps: PacketState): Phrase[] {
  const c = e.detail;
  const direction = c.direction ?? undefined;
  if (c.attached) return [msg.ctAttached(c.state)];
  if (c.confirmed === true && c.reply) return [msg.ctConfirmed(flowText(flowOfEndpoints(c.reply)))];
  if (c.state === 'new' || c.created) return [msg.ctNew()];
  if (direction === 'original' && c.state === 'established') return [msg.ctKnown(c.state)];
  if (direction === 'reply' || ps.walk.role === 'reply') return [msg.ctReply(c.state)];
  return [msg.ctOther(c.state)];
}
