/**
 * IP protocol names and numbers, as /etc/protocols (netbase) gives them and nft prints them:
 * `-p 47` is listed as `meta l4proto gre`, `--ctproto udp` as `ct original protocol 17`.
 */
const BY_NAME: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  ipv6: 41,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  eigrp: 88,
  ospf: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
  dccp: 33,
};

const BY_NUMBER: Record<number, string> = Object.fromEntries(
  Object.entries(BY_NAME).map(([name, n]) => [n, name]),
);

/** The protocol's name when it has one (`47` → `gre`), else the text as given. */
export function protocolName(text: string): string {
  return /^\d+$/.test(text) ? (BY_NUMBER[Number(text)] ?? text) : text;
}

/** The protocol's number (`udp` → `17`), or the text as given when unknown. */
export function protocolNumber(text: string): string {
  const n = BY_NAME[text];
  return n === undefined ? text : String(n);
}
