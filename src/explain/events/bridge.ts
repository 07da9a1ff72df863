import type { EventHandler } from './types.ts';

/** What the bridge (and br_netfilter) did with the frame. */
export const bridge: EventHandler<'bridge'> = (e, { msg }, ps) => {
  const b = e.detail;
  ps.lastBridge = b.bridge;
  const w = ps.walk;
  switch (b.step) {
    case 'br_pass_frame_up':
      return [msg.bridgeLocal(b.bridge, b.port, w.send?.way === 'in' ? w.send.gateway : undefined)];
    case 'br_nf_pre_routing':
      return [msg.brNetfilterPrerouting(b.bridge)];
    case 'br_nf_forward_ip':
      return [msg.brNetfilterHook(b.bridge, 'forward')];
    case 'br_nf_post_routing':
      return [msg.brNetfilterHook(b.bridge, 'postrouting')];
    case 'bridged_dnat':
      return [msg.bridgedAfterDnat(b.bridge)];
    case 'ip_sabotage_in':
      // The route made inside the bridge's prerouting is the one the packet now uses: told
      // once (the route handler skips a repeated decision).
      return [msg.bridgeSkipPrerouting(b.bridge)];
    case 'br_forward':
      return [msg.bridgeForward(b.bridge, b.from, b.to)];
    case 'br_dev_xmit':
      return [msg.bridgeOut(b.bridge, b.port)];
  }
  return [];
};
