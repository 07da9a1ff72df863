/**
 * A frame on a bridge port (br_input.c, br_forward.c) and br_netfilter's part in its path
 * (br_netfilter_hooks.c): bridge PREROUTING with the ip PREROUTING hook run inside it, the FDB
 * decision, bridge INPUT and the way up to the bridge device, bridge FORWARD with the ip
 * FORWARD hook inside it, bridge POSTROUTING followed by the ip POSTROUTING hook.
 */

import type { Machine } from '../../scenario/model.ts';
import type { L3 } from '../hooks.ts';
import type { HookState } from './env.ts';
import { routeDetail } from './event-detail.ts';
import type { Arrival, Verdict, WalkServices } from './services.ts';
import type { Skb } from './skb.ts';

export class BridgePath {
  private readonly w: WalkServices;

  constructor(walk: WalkServices) {
    this.w = walk;
  }

  // ---------------------------------------------------------------------------------------
  // br_netfilter

  /**
   * br_nf_pre_routing: runs the ip PREROUTING hook with the bridge device as input device,
   * then (br_nf_pre_routing_finish) routes the packet if its destination changed, and carries
   * on with the bridge prerouting entries after this one (br_nf_hook_thresh).
   */
  brNfPreRouting(skb: Skb, state: HookState): Verdict | 'resume' {
    const l3 = skb.pkt.family;
    if (!this.callIpTables(l3)) return 'resume';
    const bridge = state.bridge ?? '';
    skb.bridge = { physIn: state.iif ?? '', inPrerouting: true, daddrBefore: skb.pkt.daddr };
    this.w.info(
      'bridge',
      `br_netfilter: the ${l3} prerouting hook runs for the bridged packet (input device ${bridge})`,
      { step: 'br_nf_pre_routing', bridge },
    );
    const v = this.w.runHook(skb, l3, 'prerouting', {
      family: l3,
      hook: 'prerouting',
      iif: bridge,
      oif: null,
    });
    skb.bridge.inPrerouting = false;
    if (v !== 'accept') return v;
    if (skb.pkt.daddr !== skb.bridge.daddrBefore) {
      const r = this.w.routeInput(skb, bridge);
      // ip_route_input_slow without IN_DEV_FORWARD answers an ip_error route on lo, not the
      // bridge (cached since Linux 3.6, commit 251da4130115, so br_nf_pre_routing_finish's
      // fallback to an output route for bridged DNAT never runs): the frame goes up to the
      // bridge device, and ip_error drops it there without an ICMP error.
      const up = r.type === 'unicast' && this.ipv4NotForwarding(l3);
      if (r.type === 'unicast' && r.dev === bridge && !up) {
        // bridged_dnat: stays on the bridge, towards the new destination's MAC.
        const target = this.w.neighbour(bridge, r.nexthop);
        if (target && skb.pkt.ether) skb.pkt.ether.daddr = this.w.d.bridges.machineMac(target);
        this.w.info(
          'bridge',
          `destination changed to ${skb.pkt.daddr}, still on ${bridge}: bridged to its port`,
          { step: 'bridged_dnat', bridge },
        );
      } else if (r.type === 'unicast' || r.type === 'local') {
        skb.dst = r;
        if (skb.pkt.ether) skb.pkt.ether.daddr = this.w.d.bridges.deviceMac(bridge);
        this.w.info(
          'route',
          `destination changed to ${skb.pkt.daddr}: routed (${r.type === 'local' ? 'local delivery' : up ? 'not local, and net.ipv4.ip_forward = 0: an error route' : `forward via ${r.dev}`}); the frame goes up to ${bridge}`,
          routeDetail(
            r,
            r.type === 'local' ? 'local' : 'forward',
            skb.pkt.daddr,
            true,
            'br_nf_pre_routing_finish',
          ),
        );
      } else {
        this.w.info('drop', `no route to ${skb.pkt.daddr} after prerouting`, {
          reason: 'no-route',
          decision: 'bridge',
        });
        return 'drop';
      }
    }
    return 'resume';
  }

  /**
   * br_nf_forward: ip FORWARD for a bridged packet. The ip chains see the bridge device as both
   * input and output interface (brnf_get_logical_dev / bridge_parent), the bridge chains the
   * ports; measured on 6.18: `iif "br0" oif "br0"` in ip forward, `iif "vethc1" oif "vethc2"`
   * in bridge forward. No ttl decrement: the packet is bridged, not routed.
   */
  brNfForward(skb: Skb, state: HookState): Verdict | 'resume' {
    const l3 = skb.pkt.family;
    if (!this.callIpTables(l3) || !skb.bridge) return 'resume';
    skb.bridge.physOut = state.oif ?? '';
    const bridge = state.bridge ?? '';
    this.w.info(
      'bridge',
      `br_netfilter: the ${l3} forward hook runs for the bridged packet (devices ${bridge})`,
      { step: 'br_nf_forward_ip', bridge },
    );
    const v = this.w.runHook(skb, l3, 'forward', {
      family: l3,
      hook: 'forward',
      iif: bridge,
      oif: bridge,
    });
    return v === 'accept' ? 'resume' : v;
  }

  /** br_nf_post_routing: ip POSTROUTING for a bridged packet, after the bridge's own chains. */
  brNfPostRouting(skb: Skb, state: HookState): Verdict {
    const l3 = skb.pkt.family;
    if (!skb.bridge?.physOut || !this.callIpTables(l3)) return 'accept';
    const bridge = state.bridge ?? '';
    this.w.info(
      'bridge',
      `br_netfilter: the ${l3} postrouting hook runs for the bridged packet (output device ${bridge})`,
      { step: 'br_nf_post_routing', bridge },
    );
    return this.w.runHook(skb, l3, 'postrouting', {
      family: l3,
      hook: 'postrouting',
      iif: null,
      oif: bridge,
    });
  }

  /** IPv4 routing of a packet not for the host needs forwarding; IPv6 bridges it without. */
  private ipv4NotForwarding(l3: L3): boolean {
    return l3 === 'ip' && this.w.sysctl('net.ipv4.ip_forward') !== 1;
  }

  private callIpTables(l3: L3): boolean {
    return (
      this.w.sysctl(
        l3 === 'ip' ? 'net.bridge.bridge-nf-call-iptables' : 'net.bridge.bridge-nf-call-ip6tables',
      ) === 1
    );
  }

  // ---------------------------------------------------------------------------------------
  // Bridge

  /** br_handle_frame: bridge PREROUTING, then the FDB decides: local, or another port. */
  bridgeReceive(skb: Skb, port: string, bridge: string): Arrival {
    if (this.w.ingress(skb, port) !== 'accept') return this.w.end();
    const v = this.w.runHook(skb, 'bridge', 'prerouting', {
      family: 'bridge',
      hook: 'prerouting',
      iif: port,
      oif: null,
      bridge,
    });
    if (v !== 'accept') return this.w.end(v);
    return this.bridgeFrameFinish(skb, port, bridge);
  }

  /** br_handle_frame_finish. */
  private bridgeFrameFinish(skb: Skb, port: string, bridge: string): Arrival {
    const dmac = skb.pkt.ether?.daddr ?? '';
    if (dmac === this.w.d.bridges.deviceMac(bridge)) {
      // br_pass_frame_up: bridge INPUT, then the bridge device receives it.
      this.w.info(
        'bridge',
        `bridge ${bridge}: the frame is for the bridge itself: bridge input, then up to ${bridge}`,
        { step: 'br_pass_frame_up', bridge, port },
      );
      const v = this.w.runHook(skb, 'bridge', 'input', {
        family: 'bridge',
        hook: 'input',
        iif: port,
        oif: null,
        bridge,
      });
      if (v !== 'accept') return this.w.end(v);
      return this.w.ipRcv(skb, bridge);
    }
    const out = this.w.d.bridges.fdbLookup(bridge, dmac);
    if (!out) {
      this.w.info(
        'drop',
        `bridge ${bridge}: no forwarding entry for ${dmac}: the frame would be flooded, which nfwalk does not model`,
        { reason: 'flood' },
      );
      return { kind: 'ended' };
    }
    if (out.name === port) {
      this.w.info(
        'drop',
        `bridge ${bridge}: the destination is behind the port the frame came in on (${port}); without hairpin mode the bridge does not send it back`,
        { reason: 'hairpin', port },
      );
      return { kind: 'ended' };
    }
    this.w.info('bridge', `bridge ${bridge}: ${dmac} is behind port ${out.name}: bridge forward`, {
      step: 'br_forward',
      bridge,
      from: port,
      to: out.name,
    });
    const v = this.w.runHook(skb, 'bridge', 'forward', {
      family: 'bridge',
      hook: 'forward',
      iif: port,
      oif: out.name,
      bridge,
    });
    if (v !== 'accept') return this.w.end(v);
    return this.bridgePostRouting(skb, out.name, bridge, out.machine);
  }

  /** br_forward_finish: bridge POSTROUTING (and, via br_netfilter, ip POSTROUTING), then out. */
  bridgePostRouting(skb: Skb, port: string, bridge: string, to: Machine): Arrival {
    const v = this.w.runHook(skb, 'bridge', 'postrouting', {
      family: 'bridge',
      hook: 'postrouting',
      iif: null,
      oif: port,
      bridge,
    });
    if (v !== 'accept') return this.w.end(v);
    if (
      this.w.runHook(skb, 'netdev', 'egress', {
        family: 'netdev',
        hook: 'egress',
        iif: null,
        oif: port,
      }) !== 'accept'
    )
      return this.w.end();
    return this.w.arrive(skb, port, to);
  }
}
