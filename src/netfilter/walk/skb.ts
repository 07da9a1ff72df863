/**
 * The packet as the walk carries it through the host (the kernel's sk_buff, reduced to what
 * the hooks and the routing look at): the IP packet, its mark, its conntrack attachment, the
 * route it was given, and br_netfilter's per-packet state.
 */
import type { CtAttachment } from '../../conntrack/table.ts';
import type { Packet } from '../../packet/packet.ts';
import type { RouteResult } from '../../routing/table.ts';
import type { PacketView } from '../trace.ts';

export interface BridgeInfo {
  /** The port the frame came in on (nf_bridge->physindev). */
  physIn: string;
  /** The port it leaves by, once bridge forward decided (nf_bridge->physoutdev). */
  physOut?: string;
  /** Inside br_nf_pre_routing's run of the ip prerouting hook. */
  inPrerouting: boolean;
  /** The destination before ip prerouting (br_nf_ipv4_daddr_was_changed). */
  daddrBefore: string;
}

export interface Skb {
  pkt: Packet;
  mark: number;
  /** The conntrack entry and ctinfo attached by conntrack (or by a reject). */
  ct?: CtAttachment;
  /** Set when conntrack looked and attached no entry (invalid) or notrack was applied. */
  ctState?: 'invalid' | 'untracked';
  /** `notrack` ran before conntrack. */
  notrack?: boolean;
  /** A conntrack event has been traced for this packet (one per packet at least). */
  ctReported?: boolean;
  /** The routing decision attached to the packet (skb_dst). */
  dst?: RouteResult;
  bridge?: BridgeInfo;
  /** Sent by a local process (or by the kernel for the host). */
  local: boolean;
  /**
   * Sent by the kernel's own ICMP socket (icmp_reply, icmp_send; icmpv6 alike): an echo reply
   * or an ICMP error of the host. The socket's transmit lock is held while the packet crosses
   * output and postrouting, so a reject there cannot send an ICMP error (icmp_xmit_lock fails).
   */
  icmpSocket?: boolean;
  /**
   * An ICMP redirect sent while its connection's NAT was not yet set up both ways
   * (IPS_NAT_DONE_MASK at ip_forward time: the forwarded packet had not reached postrouting).
   * The redirect is walked after that packet, so this keeps what the kernel saw when it sent it.
   */
  natPending?: boolean;
  /**
   * Sent by a socket bound to no address (the host's request without `saddr`): the first
   * route lookup has no source (ip_route_output_key_hash with saddr 0, the source then taken
   * from the route), so `from` rules do not see the address the packet ends up with. Not
   * for an IPv4 TCP connect (ip_route_connect looks up again with the source).
   */
  unboundSource?: boolean;
  /**
   * A listener's SYN-ACK: its TCP stack sends it again while no ACK comes (the request
   * socket's timer, 1 s then 2 s later: inet_rtx_syn_ack), each copy crossing the host as the
   * first did. Listed segments and the harness's client SYN (connect gives up at 0.6 s) are
   * sent once.
   */
  retransmitted?: boolean;
  /** An output chain of type route changed the packet: route it again after the hook. */
  reroute?: {
    family: string;
    table: string;
    chain: string;
    changed: ('mark' | 'saddr' | 'daddr')[];
  };
  /**
   * The device the packet came in by for ip_rcv/ipv6_rcv (IP6CB(skb)->iif, set in
   * ip6_rcv_core): unset for the host's own packets, and for bridged ones inside br_netfilter
   * (br_validate_ipv6 clears IP6CB). icmp6_send picks an ICMPv6 error's source on it.
   */
  inDev?: string;
  /** Times the packet entered the host's stack; bounded so a loop ends. */
  passes: number;
}

export function protocolName(p: Packet): string {
  if (p.l4proto === 'ipv6-icmp') return 'icmpv6';
  return p.l4proto;
}

export function view(p: Packet, iif: string | null, oif: string | null): PacketView {
  return {
    iif,
    oif,
    saddr: p.saddr,
    daddr: p.daddr,
    protocol: protocolName(p),
    sport: p.sport ?? null,
    dport: p.dport ?? null,
    ...(p.kernelChosen?.length ? { kernelChosen: [...p.kernelChosen].sort() } : {}),
  };
}

/** An answer's ports are the question's swapped, and so is which of them the kernel chose. */
export function swappedChosen(p: Packet): Pick<Packet, 'kernelChosen'> {
  if (!p.kernelChosen?.length) return {};
  return { kernelChosen: p.kernelChosen.map((k) => (k === 'sport' ? 'dport' : 'sport')) };
}

export function describe(p: Packet): string {
  const port = (a: string, n?: number) =>
    n === undefined ? a : p.family === 'ip6' ? `[${a}]:${n}` : `${a}:${n}`;
  let what = protocolName(p);
  if (p.tcp) what += ` [${p.tcp.flags.join(',')}]`;
  if (p.tcp?.payload !== undefined) {
    what += ` seq ${p.tcp.seq}${p.tcp.flags.includes('ack') ? ` ack ${p.tcp.ackSeq}` : ''}`;
    if (p.tcp.payload > 0) what += ` len ${p.tcp.payload}`;
  }
  if (p.icmp) what += ` type ${p.icmp.type} code ${p.icmp.code}`;
  return `${what} ${port(p.saddr, p.sport)} → ${port(p.daddr, p.dport)}`;
}

const IP_HEADER = { ip: 20, ip6: 40 } as const;

export interface PacketInit {
  family: 'ip' | 'ip6';
  protocol: 'udp' | 'tcp' | 'icmp' | 'icmpv6';
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  tcpFlags?: string[];
  icmp?: {
    type: number;
    code: number;
    id?: number;
    sequence?: number;
    inner?: Packet;
    gateway?: string;
  };
  ttl?: number;
}

/**
 * Builds a packet with the sizes Linux tools send: a UDP datagram with 4 bytes of data, a TCP
 * SYN or SYN-ACK with the usual 20 bytes of options, a bare RST, a ping with 56 bytes of
 * data, an ICMP error quoting the offending packet's header and first 8 bytes.
 */
export function makePacket(init: PacketInit): Packet {
  const ip = IP_HEADER[init.family];
  let l4proto: string = init.protocol;
  let number = 17;
  let length = ip;
  const p: Partial<Packet> = {};
  if (init.protocol === 'udp') {
    length += 8 + 4;
  } else if (init.protocol === 'tcp') {
    number = 6;
    const flags = init.tcpFlags ?? ['syn'];
    length += flags.includes('syn') ? 40 : 20;
    p.tcp = { flags, seq: 0, ackSeq: 0, window: flags.includes('rst') ? 0 : 64240 };
  } else {
    number = init.protocol === 'icmp' ? 1 : 58;
    l4proto = init.protocol === 'icmp' ? 'icmp' : 'ipv6-icmp';
    const icmp = init.icmp ?? {
      type: init.protocol === 'icmp' ? 8 : 128,
      code: 0,
      id: 1,
      sequence: 1,
    };
    p.icmp = { ...icmp };
    length += 8 + (icmp.inner ? Math.min(icmp.inner.length, IP_HEADER[init.family] + 8) : 56);
  }
  return {
    family: init.family,
    saddr: init.saddr,
    daddr: init.daddr,
    l4proto,
    protocolNumber: number,
    ...(init.sport !== undefined ? { sport: init.sport } : {}),
    ...(init.dport !== undefined ? { dport: init.dport } : {}),
    ...p,
    length,
    ttl: init.ttl ?? 64,
    dscp: 0,
    ecn: 0,
    id: 0,
  };
}

/** A deep copy (NAT rewrites packets in place; an ICMP error quotes a snapshot). */
export function clonePacket(p: Packet): Packet {
  return {
    ...p,
    ...(p.tcp ? { tcp: { ...p.tcp, flags: [...p.tcp.flags] } } : {}),
    ...(p.icmp
      ? { icmp: { ...p.icmp, ...(p.icmp.inner ? { inner: clonePacket(p.icmp.inner) } : {}) } }
      : {}),
    ...(p.ether ? { ether: { ...p.ether } } : {}),
  };
}
