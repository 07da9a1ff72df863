import type { EventHandler } from './types.ts';

/**
 * A hook with no chain at all: netdev hooks (on every device) are left unsaid, as the article
 * does; an ip or bridge hook is worth a sentence.
 */
export const hook: EventHandler<'hook'> = (e, { msg }) => {
  const h = e.detail;
  if (h.chains > 0 || h.family === 'netdev') return [];
  return [msg.hookWithoutChains(h.family, h.hook)];
};
