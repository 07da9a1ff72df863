/** How a conversation ended, in one word the site lists. */
import type { PacketWalk } from '../walk.ts';

export function verdictOf(walks: PacketWalk[]): string {
  if (walks.some((w) => w.ending === 'unsupported')) return 'unsupported';
  const req = walks.find((w) => w.role === 'request');
  const last = walks.at(-1);
  if (!req || !last) return 'no-packets';
  if (walks.some((w) => w.role === 'icmp-error' || w.role === 'reset')) return 'rejected';
  if (req.ending === 'dropped') return 'dropped';
  if (req.ending === 'rejected') return 'rejected';
  const reply = walks.find((w) => w.role === 'reply');
  if (reply) return reply.ending === 'dropped' ? 'reply-dropped' : 'answered';
  return req.ending === 'delivered' ? 'delivered' : 'passed';
}
