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
  /** Bytes of data the segment carries (0 when absent). */
  payload?: number;
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
  /** Redirect: the better next hop. */
  gateway?: string;
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

/**
 * The data an echo request carries after its 8-byte header: the kernel harness sends exactly
 * this, so the ICMP checksum (which `th dport` reads on an echo) is known on both sides.
 */
export const ECHO_PAYLOAD = 'nfwalk echo';

/** The echo identifier of a conversation's request (its index from 1). */
export function echoIdentifier(conversation: number): number {
  return (conversation + 1) & 0xffff;
}

/** Ones'-complement sum of 16-bit big-endian words, folded. */
function onesSum(words: readonly number[]): number {
  let s = 0;
  for (const w of words) s += w;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function textWords(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  if (bytes.length % 2) bytes.push(0);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) out.push((bytes[i]! << 8) | bytes[i + 1]!);
  return out;
}

function ipv6Words(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => Number.parseInt(g, 16));
}

/**
 * The checksum field (bytes 2-3) of an echo request or reply carrying ECHO_PAYLOAD, as the
 * sender computes it: ICMP sums its own header and data (RFC 792); ICMPv6 adds the IPv6
 * pseudo-header (RFC 4443 section 2.3). Undefined for any other ICMP message, whose data
 * nfwalk does not hold byte for byte.
 */
export function echoChecksum(p: Packet): number | undefined {
  const icmp = p.icmp;
  const echo = p.family === 'ip' ? [0, 8] : [128, 129];
  if (icmp?.code !== 0 || !echo.includes(icmp.type)) return undefined;
  const data = [icmp.type << 8, icmp.id ?? 0, icmp.sequence ?? 0, ...textWords(ECHO_PAYLOAD)];
  if (p.family === 'ip') return ~onesSum(data) & 0xffff;
  const length = 8 + new TextEncoder().encode(ECHO_PAYLOAD).length;
  const pseudo = [...ipv6Words(p.saddr), ...ipv6Words(p.daddr), length, 58];
  return ~onesSum([...pseudo, ...data]) & 0xffff;
}
