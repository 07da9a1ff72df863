import { ref } from '../mdast.ts';
import type { EventHandler } from './types.ts';

/** The packet was dropped: by a chain's verdict, a reject, or the kernel. */
export const drop: EventHandler<'drop'> = (e, { msg }) => {
  const d = e.detail;
  if (d.reason === 'reject') return [msg.droppedReject(ref(d.family, d.table, d.chain))];
  if (d.reason === 'verdict') return [msg.droppedVerdict(ref(d.family, d.table, d.chain))];
  if (d.reason === 'martian-source') return [msg.droppedMartian(d.machine, d.saddr)];
  if (d.reason === 'nat-redirect') return [msg.droppedNatRedirect(d.hook)];
  return [msg.dropped(d.reason)];
};
