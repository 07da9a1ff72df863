import type { ConntrackDetail } from '../../netfilter/trace.ts';
import type { PacketState } from '../context.ts';
import { flowText } from '../facts.ts';
import type { Messages } from '../i18n/messages.ts';
import { flowOfEndpoints } from '../info.ts';
import type { Phrase } from '../phrase.ts';
import type { EventHandler } from './types.ts';

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
  if (c.tcpInvalid) return [msg.ctTcpInvalid(c.tcpInvalid)];
  // Extension (segments): a listed segment's page tells the TCP state it leaves the entry in.
  const segment = ps.walk.first?.tcp !== undefined;
  const tcp =
    segment && c.tcp && !confirmed ? [msg.ctTcpState(c.tcp, c.tcpFrom, c.created === true)] : [];
  const said = [...ctPhrase(c, msg, ps), ...tcp];
  return c.family === 'bridge' && c.created === true ? [msg.ctBridge(), ...said] : said;
};

/** What conntrack did with the entry: created, found, attached, confirmed. */
function ctPhrase(c: ConntrackDetail, msg: Messages, ps: PacketState): Phrase[] {
  const direction = c.direction ?? undefined;
  const confirmed = c.confirmed === true;
  if (c.attached) return [msg.ctAttached(c.state)];
  if (confirmed && c.reply) return [msg.ctConfirmed(flowText(flowOfEndpoints(c.reply)))];
  if (c.state === 'new' || c.created) return [msg.ctNew()];
  if (direction === 'original' && c.state === 'established') return [msg.ctKnown(c.state)];
  if (direction === 'reply' || ps.walk.role === 'reply') return [msg.ctReply(c.state)];
  return [msg.ctOther(c.state)];
}
