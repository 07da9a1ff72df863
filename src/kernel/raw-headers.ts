/**
 * Headers of a `packet:` line that nft prints as raw bytes. Where the kernel hands nft_trace
 * no protocol context (netdev egress: the skb has no network header offset nft can name), nft
 * 1.0.6 prints the network and transport headers as `@nh,0,BITS 0xHEX @th,0,BITS 0xHEX`
 * (measured: `netdev t eg packet: oif "veth0" @nh,0,160 0x4500003cf54e… @th,0,160 0xbb16…`).
 * The hex drops leading zeros (an ARP header `0x0001…` prints as `0x1080006…`), so it is
 * padded back to the bit length first.
 */
import ipaddr from 'ipaddr.js';
import { ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES } from '../ruleset/icmp-types.ts';
import { TCP_FLAGS } from '../ruleset/tcp-flags.ts';

export interface RawHeaders {
  l3: 'ip' | 'ip6';
  saddr: string;
  daddr: string;
  protocol: string | null;
  sport: number | null;
  dport: number | null;
  ipId: number | null;
  length: number;
  tcpFlags: string[] | null;
  icmpType: string | null;
}

const L4: Record<number, string> = {
  6: 'tcp',
  17: 'udp',
  1: 'icmp',
  58: 'icmpv6',
  132: 'sctp',
  136: 'udplite',
  33: 'dccp',
};

/** `@nh,0,BITS 0xHEX` / `@th,0,BITS 0xHEX` as bytes; undefined when absent or malformed. */
export function rawBytes(text: string, base: 'nh' | 'th'): Uint8Array | undefined {
  const m = new RegExp(`(?:^| )@${base},0,(\\d+) 0x([0-9a-f]+)(?: |$)`).exec(text);
  if (!m) return undefined;
  const bits = Number(m[1]);
  if (bits % 8 !== 0 || bits === 0) return undefined;
  const digits = bits / 4;
  const hex = m[2]!;
  if (hex.length > digits) return undefined;
  const full = hex.padStart(digits, '0');
  const out = new Uint8Array(bits / 8);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(full.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const u16 = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

/** The IP and transport headers of a raw `packet:` line, or undefined for non-IP frames. */
export function parseRawHeaders(text: string): RawHeaders | undefined {
  const nh = rawBytes(text, 'nh');
  if (!nh) return undefined;
  const version = (nh[0] ?? 0) >> 4;
  let l3: 'ip' | 'ip6';
  let saddr: string;
  let daddr: string;
  let proto: number;
  let length: number;
  let ipId: number | null = null;
  if (version === 4 && nh.length >= 20) {
    l3 = 'ip';
    length = u16(nh, 2);
    ipId = u16(nh, 4);
    proto = nh[9] ?? 0;
    saddr = ipaddr.fromByteArray([...nh.slice(12, 16)]).toString();
    daddr = ipaddr.fromByteArray([...nh.slice(16, 20)]).toString();
  } else if (version === 6 && nh.length >= 40) {
    l3 = 'ip6';
    length = u16(nh, 4);
    proto = nh[6] ?? 0;
    saddr = ipaddr.fromByteArray([...nh.slice(8, 24)]).toString();
    daddr = ipaddr.fromByteArray([...nh.slice(24, 40)]).toString();
  } else {
    return undefined;
  }
  const protocol = L4[proto] ?? String(proto);
  const th = rawBytes(text, 'th');
  const ports =
    th && th.length >= 4 && ['tcp', 'udp', 'sctp', 'udplite', 'dccp'].includes(protocol);
  let tcpFlags: string[] | null = null;
  if (protocol === 'tcp' && th && th.length >= 14) {
    const bits = th[13] ?? 0;
    tcpFlags = TCP_FLAGS.filter(([, b]) => bits & b).map(([n]) => n);
  }
  let icmpType: string | null = null;
  if ((protocol === 'icmp' || protocol === 'icmpv6') && th && th.length >= 1) {
    const t = th[0] ?? 0;
    icmpType = (protocol === 'icmp' ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES)[t] ?? String(t);
  }
  return {
    l3,
    saddr,
    daddr,
    protocol,
    sport: ports ? u16(th, 0) : null,
    dport: ports ? u16(th, 2) : null,
    ipId,
    length,
    tcpFlags,
    icmpType,
  };
}
