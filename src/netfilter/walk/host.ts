/**
 * A packet's journey through the host, one function per step of the kernel's path:
 *
 *   receive:  netdev ingress → (bridge port: br_handle_frame …) → ip_rcv: PREROUTING →
 *             routing decision → ip_local_deliver: INPUT → socket
 *                                → ip_forward: FORWARD → ip_output: POSTROUTING → transmit
 *   send:     route → __ip_local_out: OUTPUT → (reroute) → ip_output: POSTROUTING → transmit
 *   bridge:   bridge PREROUTING (br_netfilter runs ip PREROUTING inside it) → FDB →
 *             bridge INPUT → up to the bridge device's ip_rcv (ip PREROUTING not again)
 *             bridge FORWARD (br_netfilter runs ip FORWARD) → bridge POSTROUTING
 *             (br_netfilter runs ip POSTROUTING after it) → port
 *
 * Each hook runs its entries (HookTable) in order: base chains through runChain, the kernel's
 * own hooks through conntrack-hooks.ts (conntrack, NAT) and bridge-path.ts (br_netfilter), so
 * the walk can follow what they do to the packet. Answers the kernel makes (reject, closed
 * ports, no route) come from answers.ts.
 */
import type { Bridges } from '../../bridge/bridge.ts';
import type { ConntrackTable } from '../../conntrack/table.ts';
import { familyOf, inCidr } from '../../routing/address.ts';
import type { RouteResult, RoutingTable } from '../../routing/table.ts';
import type { Chain, HookName, Rule, Table } from '../../ruleset/model.ts';
import type { Machine, Scenario } from '../../scenario/model.ts';
import { type Evaluate, runChain } from '../chain.ts';
import type { Effect } from '../env.ts';
import {
  type ChainHook,
  type HookEntry,
  type HookFamily,
  type HookTable,
  type L3,
  NF_BR_PRI_BRNF,
} from '../hooks.ts';
import type {
  DetailOf,
  EnterEvent,
  HookEvent,
  InfoEvent,
  InfoType,
  PacketRole,
  TraceEvent,
} from '../trace.ts';
import { answerSkb, icmpCode, icmpErrorSkb, redirectSkb } from './answers.ts';
import { BridgePath } from './bridge-path.ts';
import { ConntrackHooks } from './conntrack-hooks.ts';
import { buildEnv, type HookState } from './env.ts';
import { routeDetail, ruleSuffix, wirePacket } from './event-detail.ts';
import { FlowtablePath } from './flowtable.ts';
import type { Arrival, Verdict, WalkServices } from './services.ts';
import { describe, protocolName, type Skb, view } from './skb.ts';

/** ICMPv4 error types (icmp_pointers[type].error): unreachable, source quench, redirect, time exceeded, parameter problem. */
const ICMP_ERRORS = new Set([3, 4, 5, 11, 12]);

/** At most this many passes through the host's stack per packet (a routing loop ends here). */
export const MAX_PASSES = 8;

/** A packet the host itself sends because of this one (reject). */
export interface Spawned {
  role: PacketRole;
  skb: Skb;
}

export interface HostDeps {
  scenario: Scenario;
  hooks: HookTable;
  routing: RoutingTable;
  bridges: Bridges;
  conntrack: ConntrackTable;
  evaluate: Evaluate;
}

export class HostWalk implements WalkServices {
  readonly d: HostDeps;
  /** The events of the packet being walked. */
  events: TraceEvent[] = [];
  /** Packets the host sends in answer (reject). */
  spawned: Spawned[] = [];
  /**
   * IPv4 peers an ICMP redirect was sent to in this conversation: ip_rt_send_redirect takes
   * the peer's inet_peer rate token (peer->rate_tokens, rate_last), the bucket icmp_send's
   * icmpv4_xrlim_allow draws on too, so the rate-limited ICMP errors (icmp_ratemask: types
   * 3, 4, 11, 12) to that peer are not sent for about a second (icmp_ratelimit, 1000 ms).
   */
  readonly icmpRateLimited = new Set<string>();
  /** Set when a chain hit something unsupported: the whole scenario walk stops. */
  stopped = false;
  /** Reject effects seen in the current base chain, sent when its verdict is known. */
  private pendingReject: {
    effect: Extract<Effect, { kind: 'reject' }>;
    hook: HookName;
    iif: string | null;
  }[] = [];

  /** Conntrack and NAT, the kernel's hooks between the chains. */
  private readonly ct: ConntrackHooks;
  /** The bridge's path and br_netfilter's part in it. */
  private readonly br: BridgePath;
  /** Flowtables: `flow add` and the ingress fast path. */
  private readonly flow: FlowtablePath;

  constructor(d: HostDeps) {
    this.d = d;
    this.ct = new ConntrackHooks(this);
    this.br = new BridgePath(this);
    this.flow = new FlowtablePath(this);
  }

  /** An explanatory event: its English line and its typed detail. */
  info<T extends InfoType>(type: T, message: string, detail: DetailOf<T>): void {
    this.events.push({ type, message, detail } as InfoEvent);
  }

  sysctl(name: string): number {
    return this.d.scenario.host.sysctl[name] ?? 0;
  }

  forwarding(l3: L3): boolean {
    return this.sysctl(l3 === 'ip' ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding') === 1;
  }

  // ---------------------------------------------------------------------------------------
  // Hooks

  /**
   * nf_hook_slow: run a hook's entries from `from` on. Returns the verdict; `stolen` means
   * br_netfilter took the packet over (and already carried it on).
   */
  runHook(skb: Skb, family: HookFamily, hook: HookName, state: HookState): Verdict {
    const list = this.d.hooks.entries(
      family,
      hook,
      family === 'netdev' ? (state.iif ?? state.oif ?? undefined) : undefined,
    );
    const crossing = this.crossHook(skb, list, family, hook, state);
    const v = this.runEntries(skb, family, state, list);
    crossing.detail.verdict = v;
    if (v === 'accept') crossing.detail.after = wirePacket(skb.pkt, state.iif, state.oif);
    return v;
  }

  /** The hook's entries in order, until one does not accept. */
  private runEntries(skb: Skb, family: HookFamily, state: HookState, list: HookEntry[]): Verdict {
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as HookEntry;
      const op = entry.op;
      let v: Verdict;
      switch (op.kind) {
        case 'chain':
          v = this.baseChain(skb, op, state);
          break;
        case 'conntrack-in':
          v = this.ct.conntrackIn(skb, state);
          break;
        case 'conntrack-confirm':
          v = this.ct.conntrackConfirm(skb);
          break;
        case 'nat':
          v = this.ct.natHook(skb, state);
          break;
        case 'flowtable':
          v = this.flow.fastPath(skb, op.table, op.flowtable, state);
          break;
        case 'br-nf-prerouting':
        case 'br-nf-forward': {
          // br_netfilter runs the ip hook, then br_nf_hook_thresh resumes this bridge hook.
          const r =
            op.kind === 'br-nf-prerouting'
              ? this.br.brNfPreRouting(skb, state)
              : this.br.brNfForward(skb, state);
          if (r !== 'resume') {
            v = r;
            break;
          }
          i = nextAfterThresh(list, i, op.kind) - 1;
          continue;
        }
        case 'br-nf-postrouting':
          v = this.br.brNfPostRouting(skb, state);
          break;
        case 'br-nf-sabotage':
          if (skb.bridge && !skb.bridge.inPrerouting) {
            this.info(
              'bridge',
              `up from bridge ${state.iif}: the ${family} prerouting hook already ran inside the bridge's prerouting, so the rest of it is skipped (ip_sabotage_in)`,
              { step: 'ip_sabotage_in', bridge: state.iif ?? '' },
            );
            return 'stolen';
          }
          v = 'accept';
          break;
      }
      if (v !== 'accept') return v;
    }
    return 'accept';
  }

  /** The hook event: the hook crossed, its base chains (nat chains included), the packet. */
  private crossHook(
    skb: Skb,
    list: HookEntry[],
    family: HookFamily,
    hook: HookName,
    state: HookState,
  ): HookEvent {
    const nat = list.some((e) => e.op.kind === 'nat');
    const chains =
      list.filter((e) => e.op.kind === 'chain').length +
      (nat && (family === 'ip' || family === 'ip6')
        ? this.d.hooks.natChainsOf(family, hook).length
        : 0);
    const device = family === 'netdev' ? (state.iif ?? state.oif ?? undefined) : undefined;
    const where = `${family} ${hook}${device ? ` on ${device}` : ''}`;
    const flowtables = list.flatMap((e) =>
      e.op.kind === 'flowtable' ? [e.op.flowtable.name] : [],
    );
    const fts = flowtables.length > 0 ? `, flowtable ${flowtables.join(', ')}` : '';
    const event: HookEvent = {
      type: 'hook',
      message:
        chains === 0 && !fts
          ? `no ${family} ${hook} chain${device ? ` on ${device}` : ''}: the packet crosses the hook without a rule`
          : `the ${where} hook (${chains} base chain${chains === 1 ? '' : 's'}${fts})`,
      detail: {
        family,
        hook,
        ...(device ? { device } : {}),
        chains,
        ...(flowtables.length > 0 ? { flowtables } : {}),
        packet: wirePacket(skb.pkt, state.iif, state.oif),
      },
    };
    this.events.push(event);
    return event;
  }

  /** One base chain: the enter event, the rule loop, then any reject it decided. */
  baseChain(skb: Skb, op: ChainHook, state: HookState): Verdict {
    const hookState: HookState = { ...state, family: op.family };
    const enter: EnterEvent = {
      type: 'enter',
      family: op.family,
      table: op.table.name,
      chain: op.chain.name,
      hook: op.hook,
      priority: op.priority,
      packet: view(skb.pkt, state.iif, state.oif),
      detail: enterDetail(skb),
    };
    this.events.push(enter);
    let dumped = false;
    this.pendingReject = [];
    const before = { mark: skb.mark, saddr: skb.pkt.saddr, daddr: skb.pkt.daddr };
    const result = runChain(op, {
      env: (table: Table) => buildEnv(skb, hookState, table, this.d.routing),
      apply: (effects, rule, chain, matched = true) =>
        this.applyEffects(skb, effects, { rule, chain, table: op.table }, hookState, matched),
      emit: (e) => this.events.push(e),
      traced: () => {
        if (dumped) return;
        dumped = true;
        enter.packet = view(skb.pkt, state.iif, state.oif);
        enter.detail = enterDetail(skb);
      },
      evaluate: this.d.evaluate,
    });
    if (result.kind === 'unsupported') {
      this.stopped = true;
      return 'unsupported';
    }
    if (result.kind === 'queue') {
      this.info('drop', 'queued to user space: nfwalk does not follow packets through a queue', {
        reason: 'queue',
      });
      this.stopped = true;
      return 'unsupported';
    }
    if (result.kind === 'drop') {
      const rejects = this.pendingReject;
      this.pendingReject = [];
      this.info('drop', `dropped by ${op.family} ${op.table.name} ${op.chain.name}`, {
        reason: rejects.length > 0 ? 'reject' : 'verdict',
        family: op.family,
        table: op.table.name,
        chain: op.chain.name,
      });
      for (const r of rejects) this.reject(skb, r.effect, r.hook, r.iif);
      return 'drop';
    }
    if (op.chain.base?.type === 'route' && op.hook === 'output')
      this.routeChainChanged(skb, op, before);
    return 'accept';
  }

  /**
   * nf_route_table_hook4/6 (net/netfilter/nft_chain_route.c; iptable_mangle's ipt_mangle_out
   * alike): after an output chain of type route, a changed mark, source or destination makes
   * the kernel route the packet again (ip_route_me_harder, net/ipv4/netfilter.c). The walk
   * does so when the output hook is done (localOut), as it does after output DNAT.
   */
  private routeChainChanged(
    skb: Skb,
    op: ChainHook,
    before: { mark: number; saddr: string; daddr: string },
  ): void {
    const what: ('mark' | 'saddr' | 'daddr')[] = [];
    if (skb.mark >>> 0 !== before.mark >>> 0) what.push('mark');
    if (skb.pkt.saddr !== before.saddr) what.push('saddr');
    if (skb.pkt.daddr !== before.daddr) what.push('daddr');
    if (what.length === 0 || skb.reroute) return;
    skb.reroute = { family: op.family, table: op.table.name, chain: op.chain.name, changed: what };
  }

  private applyEffects(
    skb: Skb,
    effects: readonly Effect[],
    at: { rule: Rule; chain: Chain; table: Table },
    state: HookState,
    matched = true,
  ): void {
    const { rule, chain } = at;
    for (const e of effects) {
      // A rule that did not match keeps only what its statements before the failing match
      // did to the packet; a verdict-like statement (nat, reject) cannot precede a break.
      if (
        !matched &&
        e.kind !== 'mark' &&
        e.kind !== 'mangle' &&
        e.kind !== 'notrack' &&
        e.kind !== 'note' &&
        e.kind !== 'flow-offload'
      )
        continue;
      switch (e.kind) {
        case 'mark':
          if (e.target === 'meta mark') skb.mark = e.value;
          else if (skb.ct) skb.ct.conn.mark = e.value;
          break;
        case 'notrack':
          if (!skb.ct) {
            skb.notrack = true;
            skb.ctState = 'untracked';
          }
          break;
        case 'nat':
          this.ct.natEffect(skb, e, state, rule, chain);
          break;
        case 'reject':
          if (state.family === 'bridge' || state.family === 'netdev') {
            // nft_reject_bridge / netdev build the answer at layer 2 and send it straight back
            // out of the port, not through the ip output path: not modelled.
            const message = `rule ${rule.index} of chain ${chain.name}: reject in a ${state.family} table sends its answer at layer 2, which nfwalk does not simulate`;
            this.info('unsupported', message, {
              what: 'bridge-reject',
              reason: message,
              family: state.family,
              chain: chain.name,
              index: rule.index,
              text: rule.text,
              ...(rule.span
                ? { file: rule.span.file, line: rule.span.line, col: rule.span.col }
                : {}),
            });
            this.stopped = true;
            break;
          }
          this.pendingReject.push({ effect: e, hook: state.hook, iif: state.iif });
          break;
        case 'mangle':
          this.mangle(skb, e.target, e.value);
          break;
        case 'flow-offload':
          this.flow.offload(skb, e, at.table, rule, chain, state);
          break;
        case 'note':
          // How nfwalk decided something the kernel decides by rate or at random.
          this.info('note', `rule ${rule.index} of chain ${chain.name}: ${e.text}`, {
            ...(e.about === 'limit' || e.about === 'quota'
              ? { kind: e.about, over: e.over === true }
              : { kind: e.about ?? 'assumption' }),
            family: state.family,
            chain: chain.name,
            index: rule.index,
            matched,
          });
          break;
        default:
          break;
      }
    }
  }

  /**
   * Payload statements (`ip daddr set …`, `tcp dport set …`, `ip ttl set …`): nft_payload
   * rewrites the header in place, without telling conntrack. Other `… set` statements (meta
   * priority, ct helper, nftrace…) do not change where the packet goes.
   */
  private mangle(skb: Skb, target: string, value: string | number): void {
    const p = skb.pkt;
    const before = { saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport };
    const m = /^(ip|ip6|tcp|udp|th|sctp|udplite) (saddr|daddr|sport|dport|ttl|hoplimit|dscp)$/.exec(
      target,
    );
    if (!m) return;
    const field = m[2] as string;
    const n = typeof value === 'number' ? value : Number(value);
    if (field === 'saddr' && typeof value === 'string') p.saddr = value;
    else if (field === 'daddr' && typeof value === 'string') p.daddr = value;
    else if (
      (field === 'sport' || field === 'dport') &&
      Number.isInteger(n) &&
      p[field] !== undefined
    )
      p[field] = n;
    else if ((field === 'ttl' || field === 'hoplimit') && Number.isInteger(n)) p.ttl = n;
    else if (field === 'dscp' && Number.isInteger(n)) p.dscp = n;
    const after = { saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport };
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      this.info(
        'note',
        `${target} set ${value}: the header is rewritten in place (conntrack is not told)`,
        {
          kind: 'mangle',
          mangle: target,
          before,
          after,
        },
      );
    }
  }

  // ---------------------------------------------------------------------------------------
  // Receive

  /** A frame from a machine arrives on a host device (a bridge port or an ordinary link). */
  receive(skb: Skb, dev: string, port?: { name: string; bridge: string }): Arrival {
    if (++skb.passes > MAX_PASSES) {
      this.info(
        'drop',
        `the packet went through the host ${MAX_PASSES} times: a routing loop; nfwalk stops it here`,
        { reason: 'loop' },
      );
      return { kind: 'ended' };
    }
    if (port) return this.br.bridgeReceive(skb, port.name, port.bridge);
    return this.ipRcv(skb, dev);
  }

  ingress(skb: Skb, dev: string): Verdict {
    return this.runHook(skb, 'netdev', 'ingress', {
      family: 'netdev',
      hook: 'ingress',
      iif: dev,
      oif: null,
    });
  }

  /** ip_rcv → PREROUTING → ip_rcv_finish (routing decision). */
  ipRcv(skb: Skb, dev: string): Arrival {
    const l3 = skb.pkt.family;
    skb.inDev = dev;
    const ingress = this.ingress(skb, dev);
    // A flowtable's fast path forwarded it from the ingress hook.
    if (ingress === 'stolen') return this.flow.takeArrival() ?? this.end();
    if (ingress !== 'accept') return this.end();
    // A packet up from a bridge meets ip_sabotage_in first, which ends the hook early.
    const v = this.runHook(skb, l3, 'prerouting', {
      family: l3,
      hook: 'prerouting',
      iif: dev,
      oif: null,
    });
    if (v !== 'accept' && v !== 'stolen') return this.end(v);
    // A bridged packet routed by br_nf_pre_routing_finish keeps that decision.
    const inBr = skb.dst !== undefined && skb.bridge !== undefined;
    const r = skb.dst ?? this.routeInput(skb, dev);
    skb.dst = r;
    if (r.type === 'local' || r.type === 'broadcast') {
      this.info(
        'route',
        `routing decision: ${skb.pkt.daddr} is local: input${ruleSuffix(r)}`,
        routeDetail(r, 'local', skb.pkt.daddr, inBr),
      );
      return this.ipLocalDeliver(skb, dev);
    }
    if (r.type === 'multicast') {
      this.info(
        'unsupported',
        `${skb.pkt.daddr} is a multicast address: nfwalk does not model multicast routing or delivery`,
        { what: 'multicast', reason: 'multicast' },
      );
      this.stopped = true;
      return { kind: 'unsupported' };
    }
    if (r.type === 'unicast') {
      if (!this.forwarding(l3)) {
        this.info(
          'drop',
          `routing decision: ${skb.pkt.daddr} is not local and forwarding is off (${l3 === 'ip' ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding'} = 0): dropped, no forward hook`,
          { reason: 'forwarding-disabled' },
        );
        return { kind: 'ended' };
      }
      this.info(
        'route',
        `routing decision: forward to ${skb.pkt.daddr} via ${r.dev}${r.via ? ` (gateway ${r.via})` : ''}${ruleSuffix(r)}`,
        routeDetail(r, 'forward', skb.pkt.daddr, inBr),
      );
      return this.ipForward(skb, dev, r);
    }
    // net/ipv4/route.c, ip_error: without forwarding the unreachable route drops the packet
    // silently. net/ipv6/route.c, ip6_pkt_discard → ip6_pkt_drop: the null entry answers with
    // an ICMPv6 no route whether the host forwards or not.
    if (l3 === 'ip' && !this.forwarding(l3)) {
      this.info('drop', `routing decision: no route to ${skb.pkt.daddr}: dropped`, {
        reason: 'no-route',
        decision: 'unreachable',
      });
      return { kind: 'ended' };
    }
    // ip_error / ip6_pkt_drop: the host answers with ICMP (net unreachable / no route).
    this.info(
      'drop',
      `routing decision: no route to ${skb.pkt.daddr}: the host answers with ICMP unreachable`,
      {
        reason: 'no-route',
        decision: 'unreachable',
      },
    );
    const src = l3 === 'ip6' ? this.errorSource6(skb) : this.sourceToward(skb.pkt.saddr);
    if (src) this.spawned.push({ role: 'icmp-error', skb: icmpErrorSkb(skb.pkt, src, 0, skb.ct) });
    return { kind: 'ended' };
  }

  /**
   * ip_route_input_slow: the lookup keyed on the input device, the source and the mark the
   * packet has after prerouting (a mark set there selects the rule, and so the table).
   */
  routeInput(skb: Skb, dev: string): RouteResult {
    return this.d.routing.lookup(skb.pkt.daddr, {
      mark: skb.mark >>> 0,
      iif: dev,
      saddr: skb.pkt.saddr,
    });
  }

  /**
   * A route for the host's own packet (ip_route_output_key_hash: flowi4_iif is lo), with its
   * source (the harness binds it) and the mark: the socket's (0) for the first lookup, the
   * packet's for ip_route_me_harder.
   */
  routeOutput(daddr: string, saddr: string | undefined, mark = 0): RouteResult {
    return this.d.routing.lookup(daddr, {
      mark: mark >>> 0,
      iif: 'lo',
      ...(saddr ? { saddr } : {}),
    });
  }

  /** ip_local_deliver: INPUT, then the socket. */
  private ipLocalDeliver(skb: Skb, dev: string): Arrival {
    const l3 = skb.pkt.family;
    const v = this.runHook(skb, l3, 'input', { family: l3, hook: 'input', iif: dev, oif: null });
    if (v !== 'accept') return this.end(v);
    this.info('deliver', `delivered to the host (${describe(skb.pkt)})`, {
      to: 'host',
      dev,
      protocol: protocolName(skb.pkt),
      port: skb.pkt.dport ?? null,
      packet: wirePacket(skb.pkt, dev, null),
    });
    return { kind: 'host', skb, dev };
  }

  /** ip_forward: ttl decremented, FORWARD, then ip_output. */
  private ipForward(skb: Skb, iif: string, r: Extract<RouteResult, { type: 'unicast' }>): Arrival {
    const l3 = skb.pkt.family;
    if (skb.pkt.ttl <= 1) {
      this.info(
        'drop',
        'ttl exceeded: the kernel would send an ICMP time exceeded, which nfwalk does not model',
        { reason: 'ttl' },
      );
      this.stopped = true;
      return { kind: 'unsupported' };
    }
    skb.pkt.ttl -= 1;
    if (skb.pkt.ether) delete skb.pkt.ether;
    this.redirect(skb, iif, r);
    const v = this.runHook(skb, l3, 'forward', { family: l3, hook: 'forward', iif, oif: r.dev });
    if (v !== 'accept') return this.end(v);
    return this.ipOutput(skb, iif);
  }

  /**
   * ip_forward → ip_rt_send_redirect, before the forward hook. The route lookup
   * (__mkroute_input) marks the packet IPSKB_DOREDIRECT when it leaves by the device it came
   * in on, send_redirects is on for that device (IN_DEV_TX_REDIRECTS: conf.all or conf.<dev>),
   * and the sender is on-link: fib_validate_source finds it reachable directly (no gateway)
   * through that device and
   * inet_addr_onlink puts it (and the gateway, if any) in one subnet of the device. Then
   * icmp_send sends an ICMP host redirect (type 5 code 1, gateway: the next hop) from the
   * address routing picks towards the sender, unless the packet is itself an ICMP error;
   * icmp_glue_bits attaches the packet's conntrack entry (nf_ct_attach: related). Either way
   * ip_rt_send_redirect sets the peer's rate_last, so icmpv4_xrlim_allow finds no token for
   * the next rate-limited ICMP error to that peer (icmpRateLimited). IPv6 (ndisc redirects)
   * is only noted.
   */
  private redirect(skb: Skb, iif: string, r: Extract<RouteResult, { type: 'unicast' }>): void {
    const p = skb.pkt;
    if (r.dev !== iif || !this.sendsRedirects(iif)) return;
    const iface = this.d.scenario.host.interfaces.find((i) => i.name === iif);
    // __fib_validate_source's reverse lookup: to the sender, from the destination, with the
    // input device as flowi4_iif (mark 0: src_valid_mark is off), under the ip rules. It
    // answers 1 (a redirect may go) only for a route whose next hop is the sender itself
    // (nhc_scope RT_SCOPE_HOST: no gateway); a route back through a gateway answers 0.
    const key = { iif, saddr: p.daddr, mark: 0 };
    let back = this.d.routing.lookup(p.saddr, key);
    // No match on the device: a second lookup through it (flowi4_oif = dev, rp_filter off).
    if (back.type === 'unicast' && back.dev !== iif)
      back = this.d.routing.lookup(p.saddr, { ...key, oif: iif });
    const subnet = iface?.addresses.find(
      (a) => a.family === familyOf(p.saddr) && inCidr(p.saddr, a),
    );
    if (back.type !== 'unicast' || back.dev !== iif || back.via) return;
    // inet_addr_onlink (the sender, and the gateway if any, in one subnet of the device) is
    // asked only without IN_DEV_SHARED_MEDIA, which is on by default (conf.all.shared_media):
    // a sender off the device's subnets, reached straight through it, gets a redirect too.
    const onlink = subnet !== undefined && (!r.via || inCidr(r.via, subnet));
    if (!onlink && !this.sharedMedia(iif)) return;
    if (p.family !== 'ip') {
      this.info(
        'note',
        `the packet leaves by ${iif}, the link it came from: the kernel may also send ${p.saddr} an ICMPv6 redirect, which nfwalk does not walk`,
        { kind: 'redirect', sent: false, rateLimited: false },
      );
      return;
    }
    this.icmpRateLimited.add(p.saddr);
    const sent = !(p.icmp && ICMP_ERRORS.has(p.icmp.type));
    const src = this.sourceToward(p.saddr);
    this.info(
      'note',
      `the packet leaves by ${iif}, the link it came from: ${sent && src ? `the host sends ${p.saddr} an ICMP redirect to ${r.nexthop}` : 'no ICMP redirect about an ICMP error'}; it uses up the ICMP rate limit towards ${p.saddr}, so no ICMP error follows it in this conversation`,
      { kind: 'redirect', sent: sent && src !== undefined, rateLimited: true },
    );
    if (sent && src) {
      const redirect = redirectSkb(p, src, r.nexthop, skb.ct);
      const done = skb.ct?.conn.natDone;
      if (done && !(done.src && done.dst)) redirect.natPending = true;
      this.spawned.push({ role: 'redirect', skb: redirect });
    }
  }

  /** IN_DEV_SHARED_MEDIA: net.ipv4.conf.all.shared_media or the device's own (both 1 by default). */
  private sharedMedia(dev: string): boolean {
    const sysctl = this.d.scenario.host.sysctl;
    return (
      (sysctl['net.ipv4.conf.all.shared_media'] ?? 1) === 1 ||
      (sysctl[`net.ipv4.conf.${dev}.shared_media`] ?? 1) === 1
    );
  }

  /** IN_DEV_TX_REDIRECTS: net.ipv4.conf.all.send_redirects or the device's own (both 1 by default). */
  private sendsRedirects(dev: string): boolean {
    const all = this.d.scenario.host.sysctl['net.ipv4.conf.all.send_redirects'] ?? 1;
    const own = this.d.scenario.host.sysctl[`net.ipv4.conf.${dev}.send_redirects`] ?? 1;
    return all === 1 || own === 1;
  }

  // ---------------------------------------------------------------------------------------
  // Send

  /** A packet the host sends (a socket's reply, a reject): route, OUTPUT, POSTROUTING. */
  localOut(skb: Skb): Arrival {
    const l3 = skb.pkt.family;
    skb.local = true;
    let r = this.routeOutput(skb.pkt.daddr, skb.unboundSource ? undefined : skb.pkt.saddr);
    if (r.type === 'unreachable' && skb.unboundSource && l3 === 'ip6') {
      // net/ipv6/ip6_output.c, ip6_dst_lookup_tail: a lookup without a source that fails
      // (source-specific routing: only a `from` rule routes it) is forgotten once
      // ip6_route_get_saddr has picked a source, and made again with that source.
      this.info(
        'note',
        `no route to ${skb.pkt.daddr} without a source: the kernel picks ${skb.pkt.saddr} among the host's addresses and looks the route up again with it`,
        { kind: 'source-fallback', daddr: skb.pkt.daddr, saddr: skb.pkt.saddr },
      );
      r = this.routeOutput(skb.pkt.daddr, skb.pkt.saddr);
    }
    if (r.type !== 'unicast' && r.type !== 'local') {
      this.info('drop', `no route to ${skb.pkt.daddr} for the host's packet`, {
        reason: 'no-route',
        decision: 'output',
      });
      return { kind: 'ended' };
    }
    const route: RouteResult = r.type === 'local' ? { ...r, dev: 'lo' } : r;
    skb.dst = route;
    this.info(
      'route',
      `route for the host's packet: ${route.type === 'local' ? 'local, through lo' : `via ${r.type === 'unicast' ? r.dev : ''}${r.type === 'unicast' && r.via ? ` (gateway ${r.via})` : ''}`}${ruleSuffix(r)}`,
      routeDetail(route, 'output', skb.pkt.daddr),
    );
    const before = { daddr: skb.pkt.daddr };
    const v = this.runHook(skb, l3, 'output', {
      family: l3,
      hook: 'output',
      iif: null,
      oif: route.dev,
    });
    if (v !== 'accept') return this.end(v);
    const byChain = skb.reroute;
    skb.reroute = undefined;
    if (skb.pkt.daddr !== before.daddr || byChain) {
      // ip_route_me_harder, from the NAT hook (nf_nat_ipv4_local_fn) or a route chain
      // (nf_route_table_hook4: mark, source or destination changed): route again, with the
      // packet's mark and source. The chains after it still see the first route's device
      // (the hook state's out device does not change); measured with an output DNAT to
      // another link, and with a mark set in a route chain under an fwmark rule.
      const again = this.routeOutput(skb.pkt.daddr, skb.pkt.saddr, skb.mark);
      if (again.type !== 'unicast' && again.type !== 'local') {
        this.info('drop', `no route to ${skb.pkt.daddr} after output`, {
          reason: 'no-route',
          decision: 'reroute',
        });
        return { kind: 'ended' };
      }
      skb.dst = again.type === 'local' ? { ...again, dev: 'lo' } : again;
      const why = byChain
        ? `${byChain.family} ${byChain.table} ${byChain.chain} (type route) changed its ${byChain.changed.join(', ')}`
        : 'the output hook changed the packet';
      this.info(
        'route',
        `rerouted after ${why}: ${skb.dst.type === 'local' ? 'local, through lo' : `via ${again.type === 'unicast' ? again.dev : ''}`}${ruleSuffix(again)}`,
        {
          ...routeDetail(skb.dst, 'output', skb.pkt.daddr, false, 'reroute'),
          ...(byChain ? { rerouteBy: byChain } : {}),
        },
      );
    }
    return this.ipOutput(skb, null);
  }

  /**
   * ip_output: POSTROUTING, then transmit. ip_output passes skb->dev as the input device, so
   * postrouting chains see a forwarded packet's input interface (iif "ens1" oif "ens2",
   * measured), and none for the host's own packets.
   */
  private ipOutput(skb: Skb, iif: string | null): Arrival {
    const l3 = skb.pkt.family;
    const r = skb.dst;
    const dev = r && (r.type === 'unicast' || r.type === 'local') ? r.dev : '';
    const v = this.runHook(skb, l3, 'postrouting', {
      family: l3,
      hook: 'postrouting',
      iif,
      oif: dev,
    });
    if (v !== 'accept') return this.end(v);
    if (r?.type === 'local') {
      this.info('send', `looped back through lo (${describe(skb.pkt)})`, {
        way: 'loopback',
        dev: 'lo',
        packet: wirePacket(skb.pkt, null, 'lo'),
      });
      skb.bridge = undefined;
      skb.dst = undefined;
      return this.receive(skb, 'lo');
    }
    if (r?.type !== 'unicast') return { kind: 'ended' };
    return this.transmit(skb, r);
  }

  /** The neighbour: which machine behind `dev` has `address`. */
  neighbour(dev: string, address: string): Machine | undefined {
    return this.d.scenario.hosts.find((m) => m.interface === dev && m.addresses.includes(address));
  }

  /** ip_finish_output2 → neighbour → device (through the bridge for a bridge device). */
  transmit(skb: Skb, r: Extract<RouteResult, { type: 'unicast' }>): Arrival {
    const next = this.neighbour(r.dev, r.nexthop);
    const final = this.neighbour(r.dev, skb.pkt.daddr);
    const to = final ?? next;
    if (!to) {
      this.info('drop', `no neighbour: no machine behind ${r.dev} has ${r.nexthop}`, {
        reason: 'no-neighbour',
        dev: r.dev,
        nexthop: r.nexthop,
      });
      // A route's gateway is the scenario's upstream router even when no machine has its
      // address (its MAC is known: `nfwalk verify` makes it a static neighbour); only a
      // next hop on the link itself (a dev route) is looked for by ARP and can fail.
      if (!r.via) this.neighbourFailure(skb, r.nexthop);
      return { kind: 'ended' };
    }
    if (
      this.runHook(skb, 'netdev', 'egress', {
        family: 'netdev',
        hook: 'egress',
        iif: null,
        oif: r.dev,
      }) !== 'accept'
    )
      return this.end();
    if (this.d.bridges.isBridge(r.dev)) {
      const port = this.d.bridges.portOf(to);
      if (!port) return { kind: 'ended' };
      this.info(
        'bridge',
        `bridge ${r.dev}: ${this.d.bridges.machineMac(to)} is behind port ${port.name}`,
        { step: 'br_dev_xmit', bridge: r.dev, port: port.name },
      );
      const v = this.runHook(skb, 'bridge', 'output', {
        family: 'bridge',
        hook: 'output',
        iif: null,
        oif: port.name,
        bridge: r.dev,
      });
      if (v !== 'accept') return this.end(v);
      return this.br.bridgePostRouting(skb, port.name, r.dev, to);
    }
    return this.arrive(skb, r.dev, to);
  }

  arrive(skb: Skb, dev: string, to: Machine): Arrival {
    this.info('send', `sent out of ${dev} to ${to.name} (${describe(skb.pkt)})`, {
      way: 'out',
      machine: to.name,
      dev,
      packet: wirePacket(skb.pkt, null, dev),
    });
    return { kind: 'machine', machine: to, skb, dev };
  }

  // ---------------------------------------------------------------------------------------
  // Reject

  /**
   * nft_reject: the kernel answers the packet from the host (nf_send_unreach / nf_send_reset)
   * and the answer crosses the host's own output path. The answer carries the rejected
   * packet's conntrack entry as related (nf_ct_attach); measured: the ICMP error of a reject
   * in input is `ct state related` in output.
   */
  private reject(
    skb: Skb,
    e: Extract<Effect, { kind: 'reject' }>,
    hook: HookName,
    _iif: string | null,
  ): void {
    const p = skb.pkt;
    const w = e.stmt.with;
    const tcpReset = w?.type === 'tcp reset';
    if (tcpReset && !p.tcp) return;
    if (!this.rejectAnswers(skb, hook, tcpReset)) return;
    if (tcpReset && skb.bridge) {
      // nf_send_reset of a bridged packet (br_netfilter: nf_bridge_get_physindev): the RST
      // gets the original frame's MAC addresses swapped and goes by dev_queue_xmit straight
      // out of the port the frame came in on, past every netfilter hook (ip_local_out is for
      // routed packets only). Kernel: nothing of it shows in any chain.
      const port = skb.bridge.physIn;
      this.info(
        'note',
        `reject with tcp reset of a bridged packet: the kernel sends the RST to ${p.saddr} straight out of bridge port ${port}, crossing no netfilter hook`,
        { kind: 'reject-answer', answer: 'tcp-reset', hook, port },
      );
      return;
    }
    if (tcpReset) {
      const rst = answerSkb(p, p.daddr, p.saddr, { rst: true }, skb.ct);
      this.spawned.push({ role: 'reset', skb: rst });
      this.info('note', `reject with tcp reset: the host sends a RST to ${p.saddr}`, {
        kind: 'reject-answer',
        answer: 'tcp-reset',
        hook,
      });
      return;
    }
    const code = icmpCode(p.family, w?.type, w?.code);
    // icmp_send: the source is the packet's destination if its route was local (input), else
    // the address routing picks towards the sender (forward, output, and prerouting, where
    // nf_reject_fill_skb_dst gives the packet the route back to its sender). IPv6 differs
    // (errorSource6).
    const local = hook !== 'prerouting' && this.d.routing.addressType(p.daddr) === 'local';
    const src =
      p.family === 'ip6'
        ? this.errorSource6(skb)
        : local
          ? p.daddr
          : (this.sourceToward(p.saddr) ??
            (this.d.routing.addressType(p.saddr) === 'local' ? p.saddr : undefined));
    if (!src) return;
    const err = icmpErrorSkb(p, src, code, skb.ct);
    this.spawned.push({ role: 'icmp-error', skb: err });
    this.info(
      'note',
      `reject: the host sends ICMP ${p.family === 'ip' ? 'type 3' : 'type 1'} code ${code} to ${p.saddr}`,
      { kind: 'reject-answer', answer: 'icmp', icmpType: p.family === 'ip' ? 3 : 1, hook, code },
    );
  }

  /**
   * Whether the kernel sends anything for a reject of this packet (nf_reject_ipv4.c, icmp.c;
   * ipv6 alike): no RST for a RST (nf_reject_ip_tcphdr_get: `if (oth->rst) return NULL`); no
   * ICMP error about an ICMP error (__icmp_send, icmp6_send's is_ineligible); and none for a
   * packet the kernel's ICMP socket is sending in output or postrouting (an echo reply, an
   * ICMP error of its own): icmp_reply/icmp_send hold that socket's lock (icmp_xmit_lock)
   * while ip_local_out runs the hooks, and the reject's icmp_send fails to take it again.
   */
  private rejectAnswers(skb: Skb, hook: HookName, tcpReset: boolean): boolean {
    const p = skb.pkt;
    if (tcpReset) return !p.tcp?.flags.includes('rst');
    if (p.icmp && (p.family === 'ip' ? ICMP_ERRORS.has(p.icmp.type) : p.icmp.type < 128))
      return false;
    // The redirect note said so: no ICMP error towards a peer whose rate limit it used up.
    if (p.family === 'ip' && this.icmpRateLimited.has(p.saddr)) return false;
    return !(skb.icmpSocket && (hook === 'output' || hook === 'postrouting'));
  }

  /**
   * A neighbour that never answers (ARP, or IPv6 neighbour discovery): after its probes
   * (mcast_solicit 3, one a second) the neighbour fails and arp_error_report / ndisc_error_report
   * hand every queued packet to dst_link_failure — ipv4_link_failure sends its sender an ICMP
   * host unreachable (type 3 code 1), ip6_link_failure an ICMPv6 address unreachable (type 1
   * code 3), about three seconds later, as any ICMP error (none about an ICMP error). From
   * the host's address towards the sender; to the host itself over lo when it sent the packet.
   * A redirect's use of the peer's rate limit is long over by then (the token refills in a
   * second; measured: the error follows a redirect) — unless the packet is a listener's
   * SYN-ACK: its copies (1 s, then 3 s after the first) hairpin too, and the second one's
   * redirect sets the peer's rate_last again just before the neighbour gives up (its timer
   * was re-armed once more), so icmpv4_xrlim_allow finds no token (measured: no error).
   * Every packet queued on the neighbour gets its error when it fails: a listener's SYN-ACK
   * and its two copies give three (measured over IPv6, seed 487: each quotes its own
   * SYN-ACK); the conversation keeps the first, as the harness picks it (assemble.ts).
   */
  private neighbourFailure(skb: Skb, nexthop: string): void {
    const p = skb.pkt;
    // No error about an ICMP error.
    if (p.icmp && (p.family === 'ip' ? ICMP_ERRORS.has(p.icmp.type) : p.icmp.type < 128)) return;
    if (p.family === 'ip' && skb.retransmitted && this.icmpRateLimited.has(p.saddr)) return;
    const src =
      p.family === 'ip6'
        ? this.errorSource6(skb)
        : (this.sourceToward(p.saddr) ??
          (this.d.routing.addressType(p.saddr) === 'local' ? p.saddr : undefined));
    if (!src) return;
    const code = p.family === 'ip' ? 1 : 3;
    this.spawned.push({ role: 'icmp-error', skb: icmpErrorSkb(p, src, code, skb.ct) });
    this.info(
      'note',
      `no neighbour answers for ${nexthop}: after about three seconds the kernel sends ${p.saddr} an ${p.family === 'ip' ? 'ICMP host unreachable' : 'ICMPv6 address unreachable'}`,
      { kind: 'neighbour-failure', nexthop, sender: p.saddr },
    );
  }

  /**
   * The source of the host's ICMPv6 error about `skb`'s packet (net/ipv6/icmp.c, icmp6_send):
   * the packet's destination when it is one of the host's addresses (ipv6_chk_addr, in any
   * hook); else, unless the route back has a preferred source (icmpv6_rt_has_prefsrc; the
   * scenario's IPv6 routes have none), ipv6_dev_get_saddr on the device the packet came in
   * by (parm->iif), and the error is then routed with that source. A packet with no input
   * device (the host's own; a bridged one inside br_netfilter) leaves fl6.saddr unset: the
   * route towards the sender picks it. IPv4's icmp_send picks it from that route always.
   */
  private errorSource6(skb: Skb): string | undefined {
    const p = skb.pkt;
    if (this.d.routing.addressType(p.daddr) === 'local') return p.daddr;
    if (skb.inDev) return this.d.routing.sourceFor(skb.inDev, 6, p.saddr);
    return (
      this.sourceToward(p.saddr) ??
      (this.d.routing.addressType(p.saddr) === 'local' ? p.saddr : undefined)
    );
  }

  sourceToward(daddr: string): string | undefined {
    const r = this.routeOutput(daddr, undefined);
    if (r.type !== 'unicast') return undefined;
    return this.d.routing.sourceFor(r.dev, familyOf(daddr), r.nexthop);
  }

  end(v?: Verdict): Arrival {
    return v === 'unsupported' || this.stopped ? { kind: 'unsupported' } : { kind: 'ended' };
  }
}

/** The enter event's detail: the packet's mark and, for ICMP, its type and code. */
function enterDetail(skb: Skb): NonNullable<EnterEvent['detail']> {
  const icmp = skb.pkt.icmp;
  return {
    mark: skb.mark >>> 0,
    ...(icmp ? { icmpType: icmp.type, icmpCode: icmp.code } : {}),
  };
}

/**
 * br_nf_hook_thresh: where the bridge hook carries on after br_netfilter's entry. Entries
 * below NF_BR_PRI_BRNF already ran; at NF_BR_PRI_BRNF only br_nf_pre_routing itself is
 * recognised, so for the forward hook (br_nf_forward sits at 0, after the chains at 0, which
 * registered later and so run first) the walk resumes at the first entry above 0.
 */
function nextAfterThresh(
  list: HookEntry[],
  at: number,
  kind: 'br-nf-prerouting' | 'br-nf-forward',
): number {
  if (kind === 'br-nf-prerouting') return at + 1;
  let i = 0;
  for (; i < list.length; i++) {
    const e = list[i] as HookEntry;
    if (e.priority < NF_BR_PRI_BRNF) continue;
    if (e.priority > NF_BR_PRI_BRNF) break;
  }
  return i;
}
