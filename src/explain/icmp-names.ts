/**
 * ICMP and ICMPv6 types and codes by the names nft uses (`reject with icmp type
 * port-unreachable`), so a page never says "code 3".
 */
import { ICMP_TYPE_NAMES, ICMPV6_TYPE_NAMES } from '../ruleset/icmp-types.ts';

/** Destination-unreachable codes (ICMP type 3, ICMPv6 type 1), as nft names them. */
const UNREACHABLE_CODES: Record<4 | 6, Record<number, string>> = {
  4: {
    0: 'net-unreachable',
    1: 'host-unreachable',
    2: 'prot-unreachable',
    3: 'port-unreachable',
    4: 'frag-needed',
    9: 'net-prohibited',
    10: 'host-prohibited',
    13: 'admin-prohibited',
  },
  6: {
    0: 'no-route',
    1: 'admin-prohibited',
    3: 'addr-unreachable',
    4: 'port-unreachable',
    5: 'policy-fail',
    6: 'reject-route',
  },
};

/** The type's name, else its number. */
export function icmpTypeText(family: 4 | 6, type: number): string {
  return (family === 4 ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES)[type] ?? `type ${type}`;
}

/** The code's name for a destination-unreachable, else `code N`. */
export function icmpCodeText(family: 4 | 6, type: number, code: number): string {
  const unreachable = family === 4 ? type === 3 : type === 1;
  return (unreachable ? UNREACHABLE_CODES[family][code] : undefined) ?? `code ${code}`;
}
