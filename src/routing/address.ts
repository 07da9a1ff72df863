/**
 * Address arithmetic the routing and conntrack code needs, on ipaddr.js: family, prefix
 * membership, the IPv4 broadcast address of a subnet.
 */
import ipaddr from 'ipaddr.js';
import type { Cidr, IpFamily } from '../scenario/model.ts';

export function familyOf(address: string): IpFamily {
  return ipaddr.parse(address).kind() === 'ipv4' ? 4 : 6;
}

export function l3Of(address: string): 'ip' | 'ip6' {
  return familyOf(address) === 4 ? 'ip' : 'ip6';
}

/** Whether `address` lies in `network/prefix`. Different families never match. */
export function inPrefix(address: string, network: string, prefix: number): boolean {
  const a = ipaddr.parse(address);
  const n = ipaddr.parse(network);
  if (a.kind() !== n.kind()) return false;
  return a.match(n, prefix);
}

export function inCidr(address: string, cidr: Cidr): boolean {
  return inPrefix(address, cidr.address, cidr.prefix);
}

/** The directed broadcast address of an IPv4 subnet (none for /31, /32 and IPv6). */
export function broadcastOf(cidr: Cidr): string | undefined {
  if (cidr.family !== 4 || cidr.prefix >= 31) return undefined;
  return ipaddr.IPv4.broadcastAddressFromCIDR(`${cidr.address}/${cidr.prefix}`).toString();
}

export function networkAddress(cidr: Cidr): string {
  const text = `${cidr.address}/${cidr.prefix}`;
  return cidr.family === 4
    ? ipaddr.IPv4.networkAddressFromCIDR(text).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(text).toString();
}

export function isMulticast(address: string): boolean {
  return ipaddr.parse(address).range() === 'multicast';
}

export function isLoopback(address: string): boolean {
  return ipaddr.parse(address).range() === 'loopback';
}
