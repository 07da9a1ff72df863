/**
 * A conversation (docs/spec/scenario-format.md): the request, then what the network does
 * with it. The machine (or the host's socket) that receives a request answers as Linux does:
 * a listening socket gives a UDP reply or a SYN-ACK, an echo request always gets its echo
 * reply, otherwise an ICMP port unreachable (UDP) or a RST (TCP). A reject on the host sends
 * the ICMP error or RST from the host. Answers are not answered; a dropped packet ends the
 * conversation.
 */
import { echoIdentifier, type Packet } from '../../packet/packet.ts';
import { familyOf, inCidr } from '../../routing/address.ts';
import { defaultGateway } from '../../routing/gateway.ts';
import type { Machine, PacketSpec } from '../../scenario/model.ts';
import type { ConversationTrace, PacketRole, PacketTrace } from '../trace.ts';
import { answerSkb, icmpErrorSkb } from './answers.ts';
import { wirePacket } from './event-detail.ts';
import type { HostWalk } from './host.ts';
import { segmentHeaders } from './segments.ts';
import type { Arrival } from './services.ts';
import { clonePacket, describe, makePacket, protocolName, type Skb, swappedChosen } from './skb.ts';

/** Packets of one conversation at most (request, answer, and what a reject adds). */
const MAX_PACKETS = 6;

type Origin = { kind: 'machine'; machine: Machine } | { kind: 'host' };

interface Pending {
  role: PacketRole;
  skb: Skb;
  origin: Origin;
}

export function runConversation(
  walk: HostWalk,
  spec: PacketSpec,
  index: number,
): ConversationTrace {
  const packets: PacketTrace[] = [];
  // The per-peer ICMP rate limit refills within a second: conversations run further apart.
  walk.icmpRateLimited.clear();
  const first = requestOf(walk, spec, index);
  if ('error' in first) {
    packets.push({
      role: 'request',
      events: [
        {
          type: 'unsupported',
          message: first.error,
          detail: { what: 'request', reason: first.error },
        },
      ],
    });
    walk.stopped = true;
    return { index, packets };
  }
  if (spec.segments) return { index, packets: runSegments(walk, spec, first) };
  const queue: Pending[] = [first];
  while (queue.length > 0 && packets.length < MAX_PACKETS && !walk.stopped) {
    const item = queue.shift() as Pending;
    walk.events = [];
    walk.spawned = [];
    const arrival = send(walk, item);
    const trace: PacketTrace = { role: item.role, events: walk.events };
    if (arrival === 'unseen') {
      // Between two machines on one link: the host never sees it; not listed.
      continue;
    }
    ensureConntrackEvent(trace, item.skb);
    packets.push(trace);
    for (const s of walk.spawned)
      queue.push({ role: s.role, skb: s.skb, origin: { kind: 'host' } });
    const syn = item.skb.pkt.tcp?.flags;
    if (item.role === 'reply' && syn?.includes('syn') && item.skb.ct && delivered(arrival))
      walk.d.conntrack.clientAborted(item.skb.ct.conn);
    if (item.role !== 'request' || arrival.kind === 'ended' || arrival.kind === 'unsupported')
      continue;
    const answer = answerOf(walk, arrival);
    if (answer) queue.push(answer);
  }
  return { index, packets };
}

/**
 * A conversation that lists its segments (scenario extension): each is sent as written, from
 * the conversation's sender (`request`) or from the owner of `to` (`reply`), whatever became
 * of the ones before; no socket answers them. What a reject on the host sends for one follows
 * it.
 */
function runSegments(walk: HostWalk, spec: PacketSpec, first: Pending): PacketTrace[] {
  const packets: PacketTrace[] = [];
  const peer = peerOf(walk, spec.to);
  const req = first.skb.pkt;
  segmentHeaders(spec.segments ?? []).forEach((tcp, i) => {
    if (walk.stopped) return;
    const dir = spec.segments?.[i]?.dir ?? 'request';
    const there = dir === 'request';
    const pkt = makePacket({
      family: req.family,
      protocol: 'tcp',
      saddr: there ? req.saddr : req.daddr,
      daddr: there ? req.daddr : req.saddr,
      ...(req.sport !== undefined ? { [there ? 'sport' : 'dport']: req.sport } : {}),
      ...(req.dport !== undefined ? { [there ? 'dport' : 'sport']: req.dport } : {}),
      tcpFlags: tcp.flags,
    });
    pkt.tcp = tcp;
    pkt.length += tcp.payload ?? 0;
    const origin = there ? first.origin : peer;
    const item: Pending = {
      role: there ? 'request' : 'reply',
      skb: { pkt, mark: 0, local: origin.kind === 'host', passes: 0 },
      origin,
    };
    let queue: Pending[] = [item];
    while (queue.length > 0 && !walk.stopped) {
      const next = queue.shift() as Pending;
      walk.events = [];
      walk.spawned = [];
      if (send(walk, next) === 'unseen') continue;
      const trace: PacketTrace = { role: next.role, events: walk.events };
      ensureConntrackEvent(trace, next.skb);
      packets.push(trace);
      queue = queue.concat(
        walk.spawned.map((s) => ({ role: s.role, skb: s.skb, origin: { kind: 'host' } as Origin })),
      );
    }
  });
  return packets;
}

/** Who sends a segments conversation's replies: the machine that has `to`, else the host. */
function peerOf(walk: HostWalk, to: string): Origin {
  const machine = walk.d.scenario.hosts.find((m) => m.addresses.includes(to));
  return machine ? { kind: 'machine', machine } : { kind: 'host' };
}

/** The packet reached its receiver: a machine, or a socket of the host. */
function delivered(a: Arrival): boolean {
  return a.kind === 'machine' || a.kind === 'host';
}

/**
 * Every packet gets a conntrack event: where no conntrack hook ran (no rule of the ruleset
 * uses conntrack, or a bridged packet without br_netfilter), one saying what the packet
 * carries, after the event that sent it; a packet a flowtable forwarded has its `flowtable`
 * event instead (the flowtable looked its connection up).
 */
function ensureConntrackEvent(trace: PacketTrace, skb: Skb): void {
  if (trace.events.some((e) => e.type === 'conntrack')) return;
  // A flowtable's fast path found the connection itself, in place of conntrack: it says so.
  if (trace.events.some((e) => e.type === 'flowtable' && e.detail.step === 'fast-path')) return;
  const at = trace.events[0]?.type === 'send' ? 1 : 0;
  const ct = skb.ct;
  trace.events.splice(at, 0, {
    type: 'conntrack',
    message: ct
      ? `conntrack: no conntrack hook ran; the packet carries its entry: ${ct.info} (${ct.direction} direction)`
      : skb.ctState === 'untracked'
        ? 'conntrack: untracked (notrack)'
        : 'conntrack: no conntrack hook ran (no rule of the ruleset uses conntrack)',
    detail: ct
      ? {
          lookup: 'no-conntrack-hook',
          state: ct.info,
          direction: ct.direction,
          attached: true,
          reason: 'no-conntrack-hook',
        }
      : {
          lookup: 'no-conntrack-hook',
          state: skb.ctState === 'untracked' ? 'untracked' : 'none',
          direction: null,
          reason: 'no-conntrack-hook',
        },
  });
}

/** The request packet of a conversation, from a machine or from the host. */
/**
 * The request of conversation `index`. An echo request gets its own id per conversation, as
 * each ping process has (Linux uses the pid): two pings are two connections for conntrack.
 */
function requestOf(walk: HostWalk, spec: PacketSpec, index: number): Pending | { error: string } {
  const scenario = walk.d.scenario;
  const fam = familyOf(spec.to);
  const family = fam === 4 ? 'ip' : 'ip6';
  let saddr = spec.saddr;
  let origin: Origin;
  if (spec.from === 'host') {
    origin = { kind: 'host' };
    if (!saddr) {
      const local = walk.d.routing.addressType(spec.to) === 'local';
      saddr = local ? spec.to : walk.sourceToward(spec.to);
      // ip6_dst_lookup_tail: when the lookup without a source fails, ip6_route_get_saddr
      // picks one among all the devices' addresses and the lookup is made again with it
      // (HostWalk.localOut). IPv4's ip_route_output_key_hash fails: -ENETUNREACH.
      if (!saddr && fam === 6) saddr = walk.d.routing.sourceWithoutRoute6(spec.to);
    }
  } else {
    const machine = scenario.hosts.find((m) => m.name === spec.from);
    if (!machine) return { error: `no machine named "${spec.from}"` };
    origin = { kind: 'machine', machine };
    saddr ??= machine.addresses.find((a) => familyOf(a) === fam);
  }
  if (!saddr)
    return {
      error: `${spec.from} has no ${family === 'ip' ? 'IPv4' : 'IPv6'} address to send to ${spec.to} from`,
    };
  if (spec.protocol === 'icmp' && family === 'ip6')
    return { error: 'protocol icmp with an IPv6 destination: use icmpv6' };
  if (spec.protocol === 'icmpv6' && family === 'ip')
    return { error: 'protocol icmpv6 with an IPv4 destination: use icmp' };

  const pkt = makePacket({
    family,
    protocol: spec.protocol,
    saddr,
    daddr: spec.to,
    ...(spec.sport !== undefined ? { sport: spec.sport } : {}),
    ...(spec.dport !== undefined ? { dport: spec.dport } : {}),
    ...(spec.protocol === 'icmp' || spec.protocol === 'icmpv6'
      ? {
          icmp: {
            type: family === 'ip' ? 8 : 128,
            code: 0,
            id: echoIdentifier(index),
            sequence: 1,
          },
        }
      : {}),
  });
  // An IPv4 TCP connect() looks the route up again with the source the first lookup gave
  // (ip_route_connect: `if (!dst || !src)` → __ip_route_output_key, then
  // ip_route_output_flow with fl4->saddr set), so `from` rules see it; a datagram or an echo
  // request from an unbound socket, and IPv6 (ip6_dst_lookup_tail keeps the first dst), is
  // routed by the first lookup alone.
  const unbound =
    origin.kind === 'host' &&
    spec.saddr === undefined &&
    !(family === 'ip' && spec.protocol === 'tcp');
  return {
    role: 'request',
    skb: {
      pkt,
      mark: 0,
      local: origin.kind === 'host',
      passes: 0,
      ...(unbound ? { unboundSource: true } : {}),
    },
    origin,
  };
}

/** Puts a packet on its way: out of a machine onto its link, or out of the host's stack. */
function send(walk: HostWalk, item: Pending): Arrival | 'unseen' {
  if (item.origin.kind === 'host') {
    walk.info('send', `the host sends ${describe(item.skb.pkt)}`, {
      way: 'local',
      packet: wirePacket(item.skb.pkt, null, null),
    });
    return walk.localOut(item.skb);
  }
  const m = item.origin.machine;
  const scenario = walk.d.scenario;
  const iface = scenario.host.interfaces.find((i) => i.name === m.interface);
  if (!iface) return { kind: 'ended' };
  const p = item.skb.pkt;
  const bridges = walk.d.bridges;
  // The machine's own routing: on-link destinations directly, the rest through its gateway.
  const peer = scenario.hosts.find(
    (o) => o !== m && o.interface === m.interface && o.addresses.includes(p.daddr),
  );
  const onLink = iface.addresses.some((a) => inCidr(p.daddr, a));
  if (bridges.isBridge(iface.name)) {
    const port = bridges.portOf(m);
    if (!port) return { kind: 'ended' };
    const toPeer = peer !== undefined && onLink;
    const dmac = toPeer ? bridges.machineMac(peer) : bridges.deviceMac(iface.name);
    const gateway = toPeer ? undefined : defaultGateway(m, iface, familyOf(p.daddr));
    p.ether = {
      saddr: bridges.machineMac(m),
      daddr: dmac,
      type: p.family === 'ip' ? 0x0800 : 0x86dd,
    };
    walk.info('send', `${m.name} sends ${describe(p)} into port ${port.name} of ${iface.name}`, {
      way: 'in',
      machine: m.name,
      dev: port.name,
      bridge: iface.name,
      ...(gateway ? { gateway } : {}),
      packet: wirePacket(p, port.name, null),
    });
    return walk.receive(item.skb, iface.name, { name: port.name, bridge: iface.name });
  }
  if (peer && onLink) return 'unseen';
  p.ether = {
    saddr: bridges.machineMac(m),
    daddr: bridges.deviceMac(iface.name),
    type: p.family === 'ip' ? 0x0800 : 0x86dd,
  };
  const gateway = defaultGateway(m, iface, familyOf(p.daddr));
  walk.info('send', `${m.name} sends ${describe(p)} to the host's ${iface.name}`, {
    way: 'in',
    machine: m.name,
    dev: iface.name,
    ...(gateway ? { gateway } : {}),
    packet: wirePacket(p, iface.name, null),
  });
  return walk.receive(item.skb, iface.name);
}

/** The echo reply to an echo request (none to other ICMP types). */
function echoReplyOf(p: Packet): Packet | undefined {
  const icmp = p.icmp!;
  const echoReply =
    p.family === 'ip' ? (icmp.type === 8 ? 0 : undefined) : icmp.type === 128 ? 129 : undefined;
  if (echoReply === undefined) return undefined;
  return makePacket({
    family: p.family,
    protocol: p.family === 'ip' ? 'icmp' : 'icmpv6',
    saddr: p.daddr,
    daddr: p.saddr,
    icmp: { type: echoReply, code: 0, id: icmp.id ?? 0, sequence: icmp.sequence ?? 0 },
  });
}

/** The ICMP port unreachable a closed UDP port gets, quoting the datagram. */
function portUnreachableOf(arrival: Extract<Arrival, { kind: 'machine' | 'host' }>): Skb {
  const p = arrival.skb.pkt;
  const quoted = clonePacket(p);
  delete quoted.ether;
  // No conntrack entry comes along: __udp4_lib_rcv (and __udp6_lib_rcv) call nf_reset_ct on
  // the datagram before icmp_send, so the error is a plain packet, recognised by conntrack
  // (at -200) from the header it quotes, like a machine's. Kernel: an output chain at
  // priority raw sees no ct state related on the host's own port unreachable.
  const err = icmpErrorSkb(quoted, p.daddr, p.family === 'ip' ? 3 : 4);
  if (arrival.kind === 'machine') err.pkt.dscp = 0;
  err.local = arrival.kind === 'host';
  if (arrival.kind === 'host') err.icmpSocket = true;
  return err;
}

/** What the receiver of a request sends back. */
function answerOf(
  walk: HostWalk,
  arrival: Extract<Arrival, { kind: 'machine' | 'host' }>,
): Pending | undefined {
  const p = arrival.skb.pkt;
  const listens = arrival.kind === 'host' ? walk.d.scenario.host.listens : arrival.machine.listens;
  const origin: Origin =
    arrival.kind === 'host' ? { kind: 'host' } : { kind: 'machine', machine: arrival.machine };
  const who = arrival.kind === 'host' ? 'the host' : arrival.machine.name;
  const to = arrival.kind === 'host' ? 'host' : arrival.machine.name;
  const asked = (open: boolean) => ({
    to,
    dev: arrival.dev,
    protocol: protocolName(p),
    port: p.dport ?? null,
    packet: wirePacket(
      p,
      arrival.kind === 'host' ? arrival.dev : null,
      arrival.kind === 'host' ? null : arrival.dev,
    ),
    open,
  });
  if (arrival.kind === 'machine' && !arrival.machine.addresses.includes(p.daddr)) {
    walk.info(
      'note',
      `${who} is not ${p.daddr}; it does not answer (nfwalk does not route beyond the host's neighbours)`,
      { kind: 'no-answer', to, daddr: p.daddr },
    );
    return undefined;
  }
  if (
    arrival.kind === 'machine' &&
    p.family === 'ip' &&
    arrival.machine.addresses.includes(p.saddr)
  ) {
    // A DNAT back to the sender: the machine gets a packet from its own address. Linux drops
    // it on input (ip_route_input_slow → fib_validate_source: a local source is a martian),
    // so nothing comes back through the host. Kernel: no answer is traced.
    walk.info(
      'drop',
      `${who} receives a packet from its own address ${p.saddr}: it drops it as a martian source, and nothing comes back`,
      { reason: 'martian-source', machine: arrival.machine.name, saddr: p.saddr },
    );
    return undefined;
  }
  const fresh = (pkt: Packet): Skb => ({ pkt, mark: 0, local: arrival.kind === 'host', passes: 0 });
  if (p.icmp) {
    const pkt = echoReplyOf(p);
    if (!pkt) return undefined;
    walk.info('deliver', `${who} answers the echo request`, {
      ...asked(true),
      answer: 'echo-reply',
    });
    const skb = fresh(pkt);
    if (arrival.kind === 'host') skb.icmpSocket = true;
    return { role: 'reply', skb, origin };
  }
  const proto = p.tcp ? 'tcp' : 'udp';
  const open = listens.some((l) => l.protocol === proto && l.port === p.dport);
  if (open) {
    const pkt = makePacket({
      family: p.family,
      protocol: proto,
      saddr: p.daddr,
      daddr: p.saddr,
      ...(p.dport !== undefined ? { sport: p.dport } : {}),
      ...(p.sport !== undefined ? { dport: p.sport } : {}),
      ...(proto === 'tcp' ? { tcpFlags: ['syn', 'ack'] } : {}),
    });
    Object.assign(pkt, swappedChosen(p));
    walk.info('deliver', `${who} has a socket on ${proto}/${p.dport}: it answers`, {
      ...asked(true),
      answer: proto === 'tcp' ? 'syn-ack' : 'reply',
    });
    const skb = fresh(pkt);
    if (proto === 'tcp') skb.retransmitted = true;
    return { role: 'reply', skb, origin };
  }
  if (proto === 'tcp') {
    walk.info('deliver', `${who} has no socket on tcp/${p.dport}: it answers with a RST`, {
      ...asked(false),
      answer: 'reset',
    });
    // tcp_v4_send_reset: a plain packet, tracked by conntrack like any other.
    return { role: 'reset', skb: answerSkb(p, p.daddr, p.saddr, { rst: true }), origin };
  }
  walk.info(
    'deliver',
    `${who} has no socket on udp/${p.dport}: it answers with ICMP port unreachable`,
    {
      ...asked(false),
      answer: 'port-unreachable',
    },
  );
  const err = portUnreachableOf(arrival);
  return { role: 'icmp-error', skb: err, origin };
}
