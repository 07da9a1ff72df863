/**
 * A packet as the host sees it on its way through the stack: the IP header, the L4 header the
 * rules can read, and the L2 header where there is one. Every layer above works on this shape:
 * routing, bridges and conntrack below netfilter, rule evaluation and the packet walk in it.
 */
export type L3Family = 'ip' | 'ip6';

/** The L2 header, where the hook sees one (bridge, netdev, and ip prerouting/input/forward). */
export interface EtherHeader {
  saddr: string; // 02:42:ac:14:00:04
  daddr: string;
  /** The ethertype: 0x0800 ip, 0x86dd ip6, 0x0806 arp. */
  type: number;
  vlan?: { id: number; pcp: number; type: number };
}

export interface TcpHeader {
  /** Flag names as nft writes them: fin, syn, rst, psh, ack, urg, ecn, cwr. */
  flags: string[];
  seq: number;
  ackSeq: number;
  window: number;
  /** TCP options present, by nft's names (maxseg, window, sack-perm, timestamp…). */
  options?: Record<string, Record<string, number>>;
}

export interface IcmpHeader {
  type: number;
  code: number;
  /** Echo request/reply. */
  id?: number;
  sequence?: number;
  /** For ICMP errors: the header of the packet that caused it (L3 + first 8 bytes of L4). */
  inner?: Packet;
  /** Fragmentation needed: the MTU. */
  mtu?: number;
}

/**
 * An IP packet as it currently is (NAT rewrites it in place). Addresses are normalised
 * strings (IPv4 dotted quad, IPv6 shortest form). Ports are absent for ICMP.
 */
export interface Packet {
  family: L3Family;
  saddr: string;
  daddr: string;
  /** The L4 protocol name as nft writes it (`tcp`, `udp`, `icmp`, `ipv6-icmp`, `sctp`…). */
  l4proto: string;
  /** The L4 protocol number (6, 17, 1, 58…). */
  protocolNumber: number;
  sport?: number;
  dport?: number;
  tcp?: TcpHeader;
  icmp?: IcmpHeader;
  /** Total length of the IP packet in bytes (what `meta length` and `ip length` report). */
  length: number;
  ttl: number;
  dscp: number;
  ecn: number;
  /** IPv4 identification / IPv6 flow label. */
  id: number;
  ether?: EtherHeader;
  /** Raw bytes of the whole packet from the network header, for `@nh`/`@th` raw payload. */
  bytes?: Uint8Array;
  /**
   * Ports whose number the kernel chooses unpredictably (NAT with `random`/`fully-random`, or
   * a port changed because the mapping clashed): the number in `sport`/`dport` is nfwalk's
   * stand-in. Absent: every port is the one the kernel would show.
   */
  kernelChosen?: ('sport' | 'dport')[];
}
