/** A handler per trace event type: what the page says of an event of that type. */
import type { InfoFact, InfoType } from '../../netfilter/trace.ts';
import type { DocContext, PacketState } from '../context.ts';
import type { Phrase } from '../phrase.ts';

/** The event of type `K`, as a reader of facts sees it. */
export type EventOf<K extends InfoType> = Extract<InfoFact, { type: K }>;

/**
 * What an event says. `between`: it happened between hooks, not after a chain's step.
 * Handlers may update the packet's state (what was told, the bridge it is on).
 */
export type EventHandler<K extends InfoType> = (
  e: EventOf<K>,
  ctx: DocContext,
  ps: PacketState,
  between: boolean,
) => Phrase[];

/** One handler for every event type: the compiler checks none is missing. */
export type EventHandlers = { readonly [K in InfoType]: EventHandler<K> };
