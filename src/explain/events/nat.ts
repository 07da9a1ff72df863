import { natDelta } from '../facts.ts';
import { natChange } from '../info.ts';
import type { EventHandler } from './types.ts';

/** A translation: undone on a reply, applied by conntrack to a later packet, or on an error. */
export const nat: EventHandler<'nat'> = (e, { msg }, ps, between) => {
  const n = natChange(e.detail);
  if (n?.icmpError) return [msg.natIcmpError(natDelta(n.before, n.after))];
  if (n?.reverse) {
    const d = natDelta(n.before, n.after);
    // The simulator names the statement whose binding is undone; a null binding has none,
    // and then rewriting the reply's destination undoes the request's source NAT and
    // vice versa.
    const undone =
      n.statement && n.statement !== 'null-binding'
        ? n.statement
        : ps.requestNat.find((x) => x.field !== d.field && x.field !== 'both' && d.field !== 'both')
            ?.kind;
    return [msg.natReverse(undone ?? n.kind, d, n.hook)];
  }
  // conntrack applies a known connection's translation to a later packet of it.
  if (n && between) return [msg.natChangeBetween(natDelta(n.before, n.after))];
  return [];
};
