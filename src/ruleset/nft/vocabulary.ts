/**
 * Words of the nft language the parser needs to tell expressions from values: header fields
 * per protocol (nft's src/proto.c and exthdr tables), meta keys, ct keys.
 */

export const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
export const HOOKS = new Set([
  'prerouting',
  'input',
  'forward',
  'output',
  'postrouting',
  'ingress',
  'egress',
]);
export const CHAIN_TYPES = new Set(['filter', 'nat', 'route']);

/** Header fields per payload protocol. */
export const PAYLOAD_FIELDS: Record<string, readonly string[]> = {
  ether: ['daddr', 'saddr', 'type'],
  vlan: ['id', 'cfi', 'dei', 'pcp', 'type'],
  arp: ['htype', 'ptype', 'hlen', 'plen', 'operation', 'saddr', 'daddr'],
  ip: [
    'version',
    'hdrlength',
    'dscp',
    'ecn',
    'length',
    'id',
    'frag-off',
    'ttl',
    'protocol',
    'checksum',
    'saddr',
    'daddr',
  ],
  icmp: ['type', 'code', 'checksum', 'id', 'sequence', 'gateway', 'mtu'],
  igmp: ['type', 'mrt', 'checksum', 'group'],
  ip6: ['version', 'dscp', 'ecn', 'flowlabel', 'length', 'nexthdr', 'hoplimit', 'saddr', 'daddr'],
  icmpv6: [
    'type',
    'code',
    'checksum',
    'parameter-problem',
    'packet-too-big',
    'mtu',
    'id',
    'sequence',
    'max-delay',
    'taddr',
    'daddr',
  ],
  tcp: [
    'sport',
    'dport',
    'sequence',
    'ackseq',
    'doff',
    'reserved',
    'flags',
    'window',
    'checksum',
    'urgptr',
  ],
  udp: ['sport', 'dport', 'length', 'checksum'],
  udplite: ['sport', 'dport', 'csumcov', 'checksum'],
  sctp: ['sport', 'dport', 'vtag', 'checksum'],
  dccp: ['sport', 'dport', 'type'],
  th: ['sport', 'dport'],
  ah: ['nexthdr', 'hdrlength', 'reserved', 'spi', 'sequence'],
  esp: ['spi', 'sequence'],
  comp: ['nexthdr', 'flags', 'cpi'],
  gre: ['version', 'flags', 'protocol'],
  gretap: ['version', 'flags', 'protocol'],
  vxlan: ['vni', 'flags'],
  geneve: ['vni', 'flags', 'type'],
  // IPv6 extension headers.
  hbh: ['nexthdr', 'hdrlength'],
  rt: ['nexthdr', 'hdrlength', 'type', 'seg-left'],
  rt0: ['addr'],
  rt2: ['addr'],
  srh: ['last-entry', 'flags', 'tag', 'sid'],
  frag: ['nexthdr', 'reserved', 'frag-off', 'reserved2', 'more-fragments', 'id'],
  dst: ['nexthdr', 'hdrlength'],
  mh: ['nexthdr', 'hdrlength', 'type', 'reserved', 'checksum'],
};

/** The same as a map of sets, for lookups by a word read from the text. */
export const PAYLOAD_PROTOS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(PAYLOAD_FIELDS).map(([p, fields]) => [p, new Set(fields)]),
);

/** Protocols that carry an inner header (`vxlan ip saddr`). */
export const TUNNEL_PROTOS = new Set(['vxlan', 'geneve', 'gre', 'gretap']);

/** Extension-header protocols (the model marks their payloads `exthdr`). */
export const EXTHDR_PROTOS = new Set(['hbh', 'rt', 'rt0', 'rt2', 'srh', 'frag', 'dst', 'mh']);

/** Fields of `tcp option X`, `ip option X`, `sctp chunk X`, `dccp option`. */
export const OPTION_FIELDS = new Set([
  'kind',
  'length',
  'size',
  'count',
  'value',
  'left',
  'right',
  'tsval',
  'tsecr',
  'subtype',
  'type',
  'flags',
  'ptr',
  'addr',
  'tsn',
  'stream',
  'ssn',
  'ppid',
  'init-tag',
  'a-rwnd',
  'num-outbound-streams',
  'num-inbound-streams',
  'initial-tsn',
  'cum-tsn-ack',
  'num-gap-ack-blocks',
  'num-dup-tsns',
  'lowest-tsn',
  'seqno',
  'new-cum-tsn',
]);

/** Meta keys that nft writes without `meta`. */
export const META_SHORT = new Set([
  'mark',
  'iif',
  'iifname',
  'iiftype',
  'oif',
  'oifname',
  'oiftype',
  'skuid',
  'skgid',
  'nftrace',
  'rtclassid',
  'ibriport',
  'obriport',
  'ibrname',
  'obrname',
  'pkttype',
  'cpu',
  'iifgroup',
  'oifgroup',
  'cgroup',
  'priority',
  'time',
  'day',
  'hour',
]);

export const META_KEYS = new Set([
  ...META_SHORT,
  'length',
  'protocol',
  'nfproto',
  'l4proto',
  'random',
  'secmark',
  'secpath',
  'ipsec',
  'iifkind',
  'oifkind',
  'ibrpvid',
  'ibrvproto',
  'time',
  'day',
  'hour',
  'broute',
  'sdif',
  'sdifname',
]);

export const CT_KEYS = new Set([
  'state',
  'direction',
  'status',
  'mark',
  'expiration',
  'helper',
  'l3proto',
  'protocol',
  'proto-src',
  'proto-dst',
  'saddr',
  'daddr',
  'zone',
  'label',
  'bytes',
  'packets',
  'avgpkt',
  'event',
  'secmark',
  'id',
  'count',
  'timeout',
  'expectation',
  'ip',
  'ip6',
]);

export const VERDICT_WORDS = new Set(['accept', 'drop', 'continue', 'return', 'jump', 'goto']);

export const RT_KEYS = new Set(['classid', 'nexthop', 'mtu', 'ipsec']);

/**
 * The words nft 1.0.6's scanner always reads as keywords (its src/scanner.l rules without a
 * start condition): nft refuses them wherever it expects a name, unquoted — a table, chain,
 * set, map, flowtable, object or variable name, a jump or goto target, a `@set` reference
 * (`chain fwd { }`: "syntax error, unexpected fwd, expecting string"). Found by trying every
 * word of that scanner with `nft -c -f` as each of those names; test/ruleset/nft/
 * keyword-names.test.ts asks nft again where it can. Words the scanner reads as keywords only
 * after another (`saddr` after `ip`) are names elsewhere, as in nft.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `
  accept add ah all and arp auto-merge bridge cgroup chain comment comp constant continue
  counter cpu create ct day dccp define delete describe device devices dnat drop dst dup dynamic
  ecn element elements eq esp ether exists expires export exthdr fib flags flow flowtable flush
  frag fwd gc-interval ge get goto gt handle hbh hook hour ibriport ibrname icmp icmpv6 igmp iif
  iifgroup iifname iiftype import include index inet insert interval ip ip6 ipsec jhash jump le
  limit list log lshift lt map mark masquerade meta meter mh missing monitor ne netdev nftrace
  not notrack numgen obriport obrname offload oif oifgroup oifname oiftype or osf pkttype policy
  position priority queue quota random redefine redirect reject rename replace reset return
  rshift rt rt0 rt2 rtclassid rule ruleset sctp secmark set size skgid skuid snat socket srh
  symhash synproxy table tcp th time timeout tproxy type typeof udp udplite undefine update vlan
  vmap xor xt
`
    .trim()
    .split(/\s+/),
);

/**
 * The words of the language, each once: the tokenizer gives every occurrence of one as this
 * string rather than a slice of the text (a 50,000-service listing would otherwise keep
 * 50,000 copies each of `daddr`, `dport`, `jump`, `dnat` in the model).
 */
const WORDS = new Set<string>();
for (const list of [
  FAMILIES,
  HOOKS,
  CHAIN_TYPES,
  Object.keys(PAYLOAD_FIELDS),
  ...Object.values(PAYLOAD_FIELDS),
  TUNNEL_PROTOS,
  EXTHDR_PROTOS,
  OPTION_FIELDS,
  META_SHORT,
  META_KEYS,
  CT_KEYS,
  VERDICT_WORDS,
  RT_KEYS,
  ['queue', 'snat', 'dnat', 'masquerade', 'redirect', 'original', 'reply'],
  ['random', 'fully-random', 'persistent', 'netmap'],
  // The parser's keywords, and values every listing repeats.
  ['table', 'chain', 'set', 'map', 'element', 'elements', 'flowtable', 'rule', 'add'],
  ['insert', 'create', 'replace', 'delete', 'destroy', 'flush', 'define', 'redefine'],
  ['include', 'type', 'typeof', 'hook', 'priority', 'policy', 'device', 'devices', 'flags'],
  ['comment', 'counter', 'packets', 'bytes', 'to', 'log', 'prefix', 'level', 'reject'],
  ['with', 'limit', 'rate', 'over', 'burst', 'quota', 'timeout', 'size', 'handle', 'name'],
  ['interval', 'vmap', 'state', 'status', 'established', 'related', 'new', 'invalid'],
  ['untracked', 'dstnat', 'srcnat', 'mangle', 'raw', 'security', 'second', 'minute'],
  ['exists', 'missing', 'eq', 'ne', 'ruleset', 'notrack', 'update'],
  // Operators: the parser looks a word up as one only when it is a word of the language.
  ['and', 'or', 'xor', 'lshift', 'rshift'],
  // So that a name is checked against them by the token's word number, not a look-up.
  RESERVED_WORDS,
]) {
  for (const w of list) WORDS.add(w);
}

/** The words of the language (see WORDS). */
export function languageWords(): string[] {
  return [...WORDS];
}
