import type { EventHandler } from './types.ts';

/** A feature the simulator does not model, with the rule and its position. */
export const unsupported: EventHandler<'unsupported'> = (e, { msg }) => {
  const u = e.detail;
  return [msg.unsupported(u.reason ?? u.what, u.chain, u.index, u.text, u.file, u.line)];
};
