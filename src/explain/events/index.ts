/**
 * What the page says of each trace event between and after chains: one module per event type,
 * gathered in a map keyed by the trace's `type`, so the compiler checks every type has one.
 */
import type { InfoFact, InfoType } from '../../netfilter/trace.ts';
import type { DocContext, PacketState } from '../context.ts';
import type { Phrase } from '../phrase.ts';
import { bridge } from './bridge.ts';
import { conntrack } from './conntrack.ts';
import { deliver } from './deliver.ts';
import { drop } from './drop.ts';
import { flowtable } from './flowtable.ts';
import { hook } from './hook.ts';
import { nat } from './nat.ts';
import { note } from './note.ts';
import { route } from './route.ts';
import { send } from './send.ts';
import type { EventHandler, EventHandlers } from './types.ts';
import { unsupported } from './unsupported.ts';

export const eventHandlers: EventHandlers = {
  send,
  deliver,
  hook,
  route,
  conntrack,
  nat,
  bridge,
  drop,
  note,
  unsupported,
  flowtable,
};

/** What an event says; `between`: it happened between hooks, not after a chain's step. */
export function infoPhrases(
  ctx: DocContext,
  ps: PacketState,
  e: InfoFact,
  between = false,
): Phrase[] {
  // The map pairs each type with its handler; TypeScript cannot follow the pairing through
  // the union, so the lookup is widened once here.
  const handler = eventHandlers[e.type] as unknown as EventHandler<InfoType>;
  return handler(e, ctx, ps, between);
}
