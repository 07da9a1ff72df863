/**
 * Addresses and CIDRs as a scenario writes them, checked and normalised with ipaddr.js:
 * IPv4 only as four decimal parts, IPv6 in its shortest form (RFC 5952).
 */
import ipaddr from 'ipaddr.js';
import type { Cidr, IpFamily } from './model.ts';

export interface ParsedAddress {
  address: string;
  family: IpFamily;
}

/** A plain address, or an explanation of what is wrong with it. */
export function parseAddress(text: string): ParsedAddress | { error: string } {
  const t = text.trim();
  if (t.includes('/')) return { error: `"${text}" has a prefix length; write the address alone` };
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) {
    return { address: ipaddr.IPv4.parse(t).toString(), family: 4 };
  }
  if (!t.includes('%') && ipaddr.IPv6.isValid(t)) {
    return { address: ipaddr.IPv6.parse(t).toString(), family: 6 };
  }
  return { error: `"${text}" is not an IPv4 or IPv6 address` };
}

/** An address with a prefix length (`10.0.0.1/24`, `fd00::1/64`). */
export function parseCidr(text: string): Cidr | { error: string } {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) return { error: `"${text}" needs a prefix length, like ${t}/24` };
  const addr = parseAddress(t.slice(0, slash));
  if ('error' in addr) return { error: `"${text}" is not a CIDR: ${addr.error}` };
  const prefixText = t.slice(slash + 1);
  const max = addr.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return { error: `"${text}" has a bad prefix length (0 to ${max})` };
  }
  return { address: addr.address, prefix: Number(prefixText), family: addr.family };
}

/** Whether `address` lies in the network of `cidr`. */
export function inSubnet(address: string, cidr: Cidr): boolean {
  const a = ipaddr.parse(address);
  const n = ipaddr.parse(cidr.address);
  if (a.kind() !== n.kind()) return false;
  return a.match(n, cidr.prefix);
}

/** The network address of a CIDR (`10.0.0.1/24` → `10.0.0.0`). */
export function networkOf(cidr: Cidr): string {
  const text = `${cidr.address}/${cidr.prefix}`;
  return cidr.family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(text).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(text).toString();
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A unicast Ethernet address, written with colons; normalised to lower case. */
export function parseMac(text: string): string | { error: string } {
  if (!MAC.test(text)) return { error: `"${text}" is not a MAC address like 02:42:ac:14:00:04` };
  const first = Number.parseInt(text.slice(0, 2), 16);
  if (first & 1)
    return { error: `"${text}" is a multicast MAC address; a machine needs a unicast one` };
  return text.toLowerCase();
}

/** Linux interface names: 1 to 15 bytes, no slash, colon or white space, not `.`/`..`. */
export function checkInterfaceName(name: string): string | undefined {
  if (name.length === 0 || new TextEncoder().encode(name).length > 15) {
    return `interface name "${name}" must be 1 to 15 characters long`;
  }
  if (/[\s/:]/.test(name) || name === '.' || name === '..') {
    return `interface name "${name}" may not contain white space, "/" or ":"`;
  }
  return undefined;
}
