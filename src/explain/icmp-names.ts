/**
 * ICMP and ICMPv6 types and codes by the names nft uses (`reject with icmp type
 * port-unreachable`), so a page never says "code 3".
 */
import {
  ICMP_CODE_NAMES,
  ICMP_TYPE_NAMES,
  ICMPV6_CODE_NAMES,
  ICMPV6_TYPE_NAMES,
} from '../ruleset/icmp-types.ts';

/** The type's name, else its number. */
export function icmpTypeText(family: 4 | 6, type: number): string {
  return (family === 4 ? ICMP_TYPE_NAMES : ICMPV6_TYPE_NAMES)[type] ?? `type ${type}`;
}

/** The code's name for a destination-unreachable, else `code N`. */
export function icmpCodeText(family: 4 | 6, type: number, code: number): string {
  const unreachable = family === 4 ? type === 3 : type === 1;
  const names = family === 4 ? ICMP_CODE_NAMES : ICMPV6_CODE_NAMES;
  return (unreachable ? names[code] : undefined) ?? `code ${code}`;
}
