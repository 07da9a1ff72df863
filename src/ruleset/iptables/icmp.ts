/**
 * ICMP and ICMPv6 type names: iptables' names (libxt_icmp, libip6t_icmp6: type and optional
 * code) and the names nft gives the same numbers.
 */

import { ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES } from '../icmp-types.ts';

type TypeCode = readonly [type: number, code?: number];

/** iptables `--icmp-type` names (`iptables -p icmp -h`). */
export const IPTABLES_ICMP: Record<string, TypeCode> = {
  'echo-reply': [0],
  pong: [0],
  'destination-unreachable': [3],
  'network-unreachable': [3, 0],
  'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2],
  'port-unreachable': [3, 3],
  'fragmentation-needed': [3, 4],
  'source-route-failed': [3, 5],
  'network-unknown': [3, 6],
  'host-unknown': [3, 7],
  'network-prohibited': [3, 9],
  'host-prohibited': [3, 10],
  'tos-network-unreachable': [3, 11],
  'tos-host-unreachable': [3, 12],
  'communication-prohibited': [3, 13],
  'host-precedence-violation': [3, 14],
  'precedence-cutoff': [3, 15],
  'source-quench': [4],
  redirect: [5],
  'network-redirect': [5, 0],
  'host-redirect': [5, 1],
  'tos-network-redirect': [5, 2],
  'tos-host-redirect': [5, 3],
  'echo-request': [8],
  ping: [8],
  'router-advertisement': [9],
  'router-solicitation': [10],
  'time-exceeded': [11],
  'ttl-exceeded': [11],
  'ttl-zero-during-transit': [11, 0],
  'ttl-zero-during-reassembly': [11, 1],
  'parameter-problem': [12],
  'ip-header-bad': [12, 0],
  'required-option-missing': [12, 1],
  'timestamp-request': [13],
  'timestamp-reply': [14],
  'address-mask-request': [17],
  'address-mask-reply': [18],
};

/** ip6tables `--icmpv6-type` names. */
export const IPTABLES_ICMPV6: Record<string, TypeCode> = {
  'destination-unreachable': [1],
  'no-route': [1, 0],
  'communication-prohibited': [1, 1],
  'beyond-scope': [1, 2],
  'address-unreachable': [1, 3],
  'port-unreachable': [1, 4],
  'failed-policy': [1, 5],
  'reject-route': [1, 6],
  'packet-too-big': [2],
  'time-exceeded': [3],
  'ttl-exceeded': [3],
  'ttl-zero-during-transit': [3, 0],
  'ttl-zero-during-reassembly': [3, 1],
  'parameter-problem': [4],
  'bad-header': [4, 0],
  'unknown-header-type': [4, 1],
  'unknown-option': [4, 2],
  'echo-request': [128],
  ping: [128],
  'echo-reply': [129],
  pong: [129],
  'mld-listener-query': [130],
  'mld-listener-report': [131],
  'mld-listener-done': [132],
  'mld-listener-reduction': [132],
  'router-solicitation': [133],
  'router-advertisement': [134],
  'neighbour-solicitation': [135],
  'neighbor-solicitation': [135],
  'neighbour-advertisement': [136],
  'neighbor-advertisement': [136],
  redirect: [137],
};

/** nft's `icmp type` names by number. */
export const NFT_ICMP_TYPE = ICMP_TYPE_NAMES;

/** nft's `icmpv6 type` names by number. */
export const NFT_ICMPV6_TYPE = ICMPV6_TYPE_NAMES;

/**
 * `echo-request`, `8`, `3/4`, `any`: the type and code numbers, `any` as null. Undefined when
 * the text is not a known name or number.
 */
export function parseIcmpType(
  text: string,
  table: Record<string, TypeCode>,
): { type: number; code?: number } | null | undefined {
  const t = text.toLowerCase();
  if (t === 'any') return null;
  const named = table[t];
  if (named)
    return named[1] === undefined ? { type: named[0] } : { type: named[0], code: named[1] };
  const m = /^(\d+)(?:\/(\d+))?$/.exec(t);
  if (!m) return undefined;
  const type = Number(m[1]);
  if (type > 255) return undefined;
  if (m[2] === undefined) return { type };
  const code = Number(m[2]);
  if (code > 255) return undefined;
  return { type, code };
}
