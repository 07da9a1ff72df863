/**
 * IPv6 source address selection when no route gives a device (net/ipv6/addrconf.c,
 * ipv6_dev_get_saddr with dst_dev NULL, as ip6_dst_lookup_tail calls it through
 * ip6_route_get_saddr when the lookup without a source failed): every device's addresses are
 * candidates, ranked by the rules of RFC 6724 the kernel applies (__ipv6_dev_get_saddr,
 * ipv6_get_saddr_eval) — scope, then the policy table's label, then the longest common
 * prefix, capped at the address's own prefix length. The first candidate stays on a tie
 * (devices in order, then their addresses). Rules about deprecated, home, temporary and
 * optimistic addresses, and rule 5 (the outgoing device), have nothing to tell apart here.
 */
import ipaddr from 'ipaddr.js';
import type { Cidr, HostInterface } from '../scenario/model.ts';
import { inPrefix } from './address.ts';

/** net/ipv6/addrlabel.c, ip6addrlbl_init_table: the default policy table's labels. */
const LABELS: readonly { prefix: string; len: number; label: number }[] = [
  { prefix: '::1', len: 128, label: 0 },
  { prefix: '::ffff:0:0', len: 96, label: 4 },
  { prefix: '::', len: 96, label: 3 },
  { prefix: '2001:10::', len: 28, label: 7 },
  { prefix: '2001::', len: 32, label: 6 },
  { prefix: '2002::', len: 16, label: 2 },
  { prefix: '3ffe::', len: 16, label: 12 },
  { prefix: 'fec0::', len: 10, label: 11 },
  { prefix: 'fc00::', len: 7, label: 5 },
  { prefix: '::', len: 0, label: 1 },
];

/** The label of the longest matching prefix of the policy table (listed longest first). */
function label(address: string): number {
  return LABELS.find((l) => inPrefix(address, l.prefix, l.len))?.label ?? 1;
}

/** ipv6_addr_scope, as numbers that order: interface-local 1, link 2, site 5, global 14. */
function scope(address: string): number {
  const range = ipaddr.IPv6.parse(address).range();
  if (range === 'loopback') return 1;
  if (range === 'linkLocal') return 2;
  if (inPrefix(address, 'fec0::', 10)) return 5;
  return 14;
}

/** The number of leading bits two IPv6 addresses share (ipv6_addr_diff). */
function commonPrefix(a: string, b: string): number {
  const x = ipaddr.IPv6.parse(a).toByteArray();
  const y = ipaddr.IPv6.parse(b).toByteArray();
  for (let i = 0; i < 16; i++) {
    const diff = (x[i] as number) ^ (y[i] as number);
    if (diff !== 0) return i * 8 + Math.clz32(diff) - 24;
  }
  return 128;
}

/**
 * IPV6_SADDR_RULE_SCOPE: an address of at least the destination's scope beats one of less,
 * and among those the narrower scope wins; below it, the wider. Higher is better.
 */
function scopeScore(candidate: number, wanted: number): number {
  return candidate >= wanted ? 256 - candidate : candidate;
}

/** The source ipv6_dev_get_saddr picks for `daddr` among all the host's devices, if any. */
export function sourceAnyDevice6(
  interfaces: readonly HostInterface[],
  daddr: string,
): string | undefined {
  const wanted = scope(daddr);
  const wantedLabel = label(daddr);
  let best: { cidr: Cidr; score: number[] } | undefined;
  for (const iface of interfaces) {
    for (const cidr of iface.addresses) {
      if (cidr.family !== 6) continue;
      // Rule 1: the destination itself.
      if (cidr.address === daddr) return cidr.address;
      const score = [
        scopeScore(scope(cidr.address), wanted),
        label(cidr.address) === wantedLabel ? 1 : 0,
        Math.min(commonPrefix(cidr.address, daddr), cidr.prefix),
      ];
      if (!best || better(score, best.score)) best = { cidr, score };
    }
  }
  return best?.cidr.address;
}

/** Whether `a` wins over `b` at the first rule that tells them apart. */
function better(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return (a[i] as number) > (b[i] as number);
  }
  return false;
}
