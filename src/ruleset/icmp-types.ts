/**
 * nft's names of ICMP and ICMPv6 types and destination-unreachable codes (its `icmp_type`,
 * `icmpv6_type`, `icmp_code` and `icmpv6_code` datatypes): the one
 * table every part of nfwalk reads them from (rule evaluation, the iptables front end, the
 * kernel trace reader, the explainer).
 */

/** `icmp type` names to numbers. */
export const ICMP_TYPE_NUMBERS: Readonly<Record<string, number>> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
  'info-request': 15,
  'info-reply': 16,
  'address-mask-request': 17,
  'address-mask-reply': 18,
};

/** `icmpv6 type` names to numbers (`mld-listener-reduction` is nft's alias of 132). */
export const ICMPV6_TYPE_NUMBERS: Readonly<Record<string, number>> = {
  'destination-unreachable': 1,
  'packet-too-big': 2,
  'time-exceeded': 3,
  'parameter-problem': 4,
  'echo-request': 128,
  'echo-reply': 129,
  'mld-listener-query': 130,
  'mld-listener-report': 131,
  'mld-listener-done': 132,
  'mld-listener-reduction': 132,
  'nd-router-solicit': 133,
  'nd-router-advert': 134,
  'nd-neighbor-solicit': 135,
  'nd-neighbor-advert': 136,
  'nd-redirect': 137,
  'router-renumbering': 138,
  'ind-neighbor-solicit': 141,
  'ind-neighbor-advert': 142,
  'mld2-listener-report': 143,
};

/** Numbers to the name nft prints (the first name of a number: aliases come after). */
function byNumber(names: Readonly<Record<string, number>>): Readonly<Record<number, string>> {
  const out: Record<number, string> = {};
  for (const [name, n] of Object.entries(names)) out[n] ??= name;
  return out;
}

export const ICMP_TYPE_NAMES = byNumber(ICMP_TYPE_NUMBERS);
export const ICMPV6_TYPE_NAMES = byNumber(ICMPV6_TYPE_NUMBERS);

/**
 * `icmp code` names to numbers (nft's `icmp_code` datatype): the destination-unreachable
 * codes nft names, as `reject with icmp type …` writes them.
 */
export const ICMP_CODE_NUMBERS: Readonly<Record<string, number>> = {
  'net-unreachable': 0,
  'host-unreachable': 1,
  'prot-unreachable': 2,
  'port-unreachable': 3,
  'frag-needed': 4,
  'net-prohibited': 9,
  'host-prohibited': 10,
  'admin-prohibited': 13,
};

/** `icmpv6 code` names to numbers (nft's `icmpv6_code` datatype), destination-unreachable codes. */
export const ICMPV6_CODE_NUMBERS: Readonly<Record<string, number>> = {
  'no-route': 0,
  'admin-prohibited': 1,
  'addr-unreachable': 3,
  'port-unreachable': 4,
  'policy-fail': 5,
  'reject-route': 6,
};

/** Destination-unreachable codes (ICMP type 3, ICMPv6 type 1) to nft's names. */
export const ICMP_CODE_NAMES = byNumber(ICMP_CODE_NUMBERS);
export const ICMPV6_CODE_NAMES = byNumber(ICMPV6_CODE_NUMBERS);
