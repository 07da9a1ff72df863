/**
 * The transport protocols nft keeps in its protocol context (PROTO_BASE_TRANSPORT_HDR in
 * nftables' proto.c): a match on one of these headers tells nft's evaluator which transport
 * protocol the rest of the rule is about. The validator uses it to refuse conflicting matches,
 * the simulator to know when nft added no hidden dependency of its own.
 */
export const TRANSPORT_PROTOCOLS: ReadonlySet<string> = new Set([
  'tcp',
  'udp',
  'udplite',
  'sctp',
  'dccp',
  'icmp',
  'icmpv6',
  'igmp',
  'ah',
  'esp',
  'comp',
  'gre',
]);

/** Protocol numbers of those, as `ip protocol 17` may write them. */
export const TRANSPORT_NUMBERS: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '2': 'igmp',
  '6': 'tcp',
  '17': 'udp',
  '33': 'dccp',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'icmpv6',
  '108': 'comp',
  '132': 'sctp',
  '136': 'udplite',
};
