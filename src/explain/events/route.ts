import { routeSentence } from '../routing.ts';
import type { EventHandler } from './types.ts';

/** A routing decision, told once while it stays the same. */
export const route: EventHandler<'route'> = (e, ctx, ps) => {
  const r = e.detail;
  // The lookup made inside the bridge's prerouting (br_nf_pre_routing_finish), after
  // conntrack changed the destination: the route decides whether the frame can stay on
  // the bridge or must go up to IP. Told as that, and then once more as the routing decision
  // when the packet is up in IP; any decision is told once.
  const inBrNf = r.inBrNetfilter && r.step === 'br_nf_pre_routing_finish';
  const inBridge = inBrNf && r.decision === 'forward' && r.dev && r.dev !== ps.lastBridge;
  const key = `${inBridge ? 'bridge|' : ''}${r.decision}|${r.dev}|${r.daddr}`;
  if (ps.lastRoute === key) return [];
  ps.lastRoute = key;
  if (inBridge && r.dev) return [ctx.msg.routeInBridge(r.daddr, r.dev, ps.lastBridge ?? '?')];
  const s = routeSentence(ctx, ps.walk.last.daddr, undefined, e);
  return s ? [s] : [];
};
