/**
 * Whether a save file is IPv4 (iptables-save) or IPv6 (ip6tables-save) when the caller does
 * not say: the header comment ip6tables-save writes, then the addresses and ICMPv6 options
 * in the rules, then the file name.
 */
import type { IpFamily } from './context.ts';

const IP6_HINTS = [
  /^#.*\bip6tables(-nft|-legacy)?-save\b/m,
  /\s-[sd]\s+(!\s+)?[0-9a-f]*:[0-9a-f:]*(\/\d+)?(\s|$)/im,
  /--(src|dst)-range\s+[0-9a-f]*:[0-9a-f:]*-|--icmpv6-type|-p\s+(ipv6-icmp|icmpv6)\b|--reject-with\s+icmp6-|-m\s+(hl|icmp6)\b|--to-destination\s+\[/,
];
const IP4_HINTS = [
  /^#.*\biptables(-nft|-legacy)?-save\b/m,
  /\s-[sd]\s+(!\s+)?\d+\.\d+\.\d+\.\d+/,
  /--icmp-type|-p\s+icmp\b|--reject-with\s+icmp-/,
];

export function detectFamily(text: string, file: string): IpFamily {
  const header = text.match(/^#.*\bip(6?)tables(-nft|-legacy)?-save\b/m);
  if (header) return header[1] === '6' ? 'ip6' : 'ip';
  const six = IP6_HINTS.slice(1).some((r) => r.test(text));
  const four = IP4_HINTS.slice(1).some((r) => r.test(text));
  if (six && !four) return 'ip6';
  if (four) return 'ip';
  const base = file.split('/').at(-1) ?? file;
  return /ip6tables|6\.rules$|\.v6$/i.test(base) ? 'ip6' : 'ip';
}
