/** English: every sentence of the page. ja.ts has the same keys. */
import type { PacketRole } from '../../netfilter/trace.ts';
import type { NatDelta } from '../facts.ts';
import { code as c, capitalize, type Phrase } from '../phrase.ts';
import type { FamilyClass } from '../stages.ts';
import type { ChainRef, FlowRefusal, LocalAddr, Messages, TcpInvalidKind } from './messages.ts';

const FLOW_REFUSAL_EN: Record<FlowRefusal, string> = {
  'no-conntrack': 'the packet has no conntrack entry.',
  protocol: 'only TCP and UDP connections are offloaded.',
  'tcp-fin-rst': 'the segment carries a FIN or RST.',
  'tcp-not-established':
    'the TCP connection is not established yet (the handshake has not completed).',
  helper: 'the connection has a conntrack helper.',
  'not-confirmed':
    'the connection is not confirmed yet: this is its first packet, which conntrack confirms only as it leaves the host.',
  'already-offloaded': 'the connection is in a flowtable already.',
  'no-route': 'there is no route back towards the sender through the device the packet came in on.',
};

const cref = (r: ChainRef): Phrase => [c(r.chain), ' of table ', c(`${r.family} ${r.table}`)];

function list(items: Phrase[]): Phrase {
  if (items.length === 0) return [];
  if (items.length === 1) return items[0]!;
  const out: Phrase = [];
  items.forEach((p, i) => {
    if (i > 0) out.push(i === items.length - 1 ? ' and ' : ', ');
    out.push(...p);
  });
  return out;
}

/** "The rule marked ↓ in " / "The 5 rules marked ↓ in ", counting grouped rules. */
const rulesIn = (why: { count?: number }[], more = 0): string => {
  const n = why.reduce((a, w) => a + (w.count ?? 1), more);
  return n === 1 ? 'The rule marked ↓ in ' : `The ${n} rules marked ↓ in `;
};

const locals = (l: LocalAddr[]): Phrase => list(l.map((a) => [c(a.iface), ` ${a.address}`]));
const addrWord = (f: 'saddr' | 'daddr') => (f === 'saddr' ? 'source' : 'destination');
const portWord = (f: 'sport' | 'dport') => (f === 'sport' ? 'source port' : 'destination port');
const ifWord = (d: 'in' | 'out') => (d === 'in' ? 'input interface' : 'output interface');
const roleWord: Record<PacketRole, string> = {
  request: 'request',
  reply: 'reply',
  'icmp-error': 'ICMP error',
  reset: 'TCP reset',
  redirect: 'ICMP redirect',
};
const layer = (f: FamilyClass) =>
  f === 'bridge'
    ? 'bridge family'
    : f === 'netdev'
      ? 'netdev family'
      : f === 'arp'
        ? 'arp family'
        : 'ip family';
const verdictWord: Record<string, string> = {
  answered: 'the request gets through and the answer comes back',
  delivered: 'the request is delivered; nothing answers it',
  passed: 'the request passes the host',
  dropped: 'the request is dropped',
  rejected: 'the request is rejected',
  'reply-dropped': 'the request gets through but its reply is dropped',
  unsupported: 'the walk stops at something nfwalk does not model',
  'no-packets': 'no packet crosses the host',
};

const fieldWord = (d: NatDelta) =>
  d.field === 'both' ? 'the packet' : d.field === 'source' ? 'the source' : 'the destination';

/** What each conntrack TCP state means (nf_conntrack_proto_tcp.c). */
const TCP_STATE_EN: Record<string, string> = {
  SYN_SENT: 'a SYN has been seen, and no SYN-ACK yet',
  SYN_RECV: 'the SYN-ACK has been seen; the client’s ACK will complete the handshake',
  ESTABLISHED:
    'the handshake is complete (or, for a connection picked up in the middle, an ACK has been seen)',
  FIN_WAIT: 'one side has sent a FIN',
  CLOSE_WAIT: 'that FIN has been acknowledged; the other side may still send',
  LAST_ACK: 'both sides have sent a FIN, and the last ACK is awaited',
  TIME_WAIT: 'the last ACK has been seen; the entry stays for 2 minutes, then goes',
  CLOSE: 'a RST closed the connection; the entry stays for 10 seconds, then goes',
  SYN_SENT2: 'both sides have sent a SYN (a simultaneous open)',
};

const TCP_INVALID_EN: Record<TcpInvalidKind, string> = {
  flags: 'its combination of TCP flags never appears in a real connection (tcp_error)',
  'cannot-start':
    'it belongs to no connection conntrack knows, and only a SYN (or, with nf_conntrack_tcp_loose, an ACK) may start one (tcp_new)',
  state:
    'the connection’s TCP state does not allow it (the state table of nf_conntrack_proto_tcp.c)',
  'rst-seq': 'it is a RST whose sequence number is below what the other side has acknowledged',
  'seq-over':
    'its sequence number lies beyond the window the receiver announced (tcp_in_window: SEQ is over the upper bound)',
  'ack-over':
    'it acknowledges data the other side never sent (tcp_in_window: ACK is over the upper bound)',
};

export const en: Messages = {
  list,
  sentences: (parts) => parts.flatMap((p, i) => (i === 0 ? p : [' ', ...p])),

  setupHeading: () => ['The setup'],
  setupIntro: (host) => [
    'The host whose netfilter is simulated is ',
    c(host),
    '. Its interfaces and addresses:',
  ],
  colInterface: () => ['Interface'],
  colKind: () => ['Kind'],
  colAddresses: () => ['Addresses'],
  colMachine: () => ['Machine'],
  colBehind: () => ['Behind'],
  colListens: () => ['Listens on'],
  kind: (k) => [k === 'bridge' ? 'bridge' : 'link'],
  none: () => ['nothing'],
  machinesIntro: () => ['The machines around it:'],
  route: (to, via, dev) => [
    'Route: ',
    c(to),
    ...(via ? [' via ', via] : []),
    ...(dev ? [' dev ', c(dev)] : []),
    '.',
  ],
  tableRoute: (table, to, via, dev) => [
    'Route in table ',
    c(table),
    ': ',
    c(to),
    ...(via ? [' via ', via] : []),
    ...(dev ? [' dev ', c(dev)] : []),
    '.',
  ],
  ipRules: (family, rules) => [
    `Policy routing: the IPv${family} ip rules, in the order the kernel tries them (each looks up its table until one gives a route): `,
    ...rules.flatMap((r, i) => [...(i > 0 ? ['; '] : []), c(r)]),
    '.',
  ],
  sysctlForwarding: (on) =>
    on
      ? [c('net.ipv4.ip_forward = 1'), ': the host routes packets between its interfaces.']
      : [c('net.ipv4.ip_forward = 0'), ': the host does not forward IPv4 packets.'],
  sysctlBridgeNf: (on) =>
    on
      ? [
          c('net.bridge.bridge-nf-call-iptables = 1'),
          ' (br_netfilter, as Docker loads it): packets crossing a bridge also pass the ip-family hooks, so a frame on a bridge port can meet both bridge-family and ip-family chains.',
        ]
      : [
          c('net.bridge.bridge-nf-call-iptables = 0'),
          ': bridged packets meet only bridge-family chains.',
        ],
  hostListens: (s) => ['The host itself listens on ', s.join(', '), '.'],
  rulesetIntro: (path, format, tables) => [
    'Ruleset: ',
    c(path),
    ` (${format === 'iptables-save' ? 'iptables-save output' : format === 'nft-json' ? 'nft -j JSON' : 'nft list ruleset'}), ${tables} ${tables === 1 ? 'table' : 'tables'}. The listings below are cut out of it: only the chains on the hook in question and the chains the packet reached.`,
  ],

  conversationHeading: (n, protocol, flow) => [`Conversation ${n}: ${protocol} ${flow}`],
  conversationIntro: (from, to, roles, verdict) => [
    c(from),
    ' sends to ',
    c(to),
    `. The packets that cross the host: ${roles.map((r) => roleWord[r]).join(', ')}. In short: ${verdictWord[verdict] ?? verdict}.`,
  ],
  sequenceIntro: () => [
    'The conversation as the machines see it, with the translations the host makes on the way:',
  ],
  hookMapSummary: () => ['Map of all netfilter hooks'],
  hookMapIntro: () => [
    'All netfilter hooks; the ones this conversation crosses are highlighted (blue: the request, amber: the reply, green: both):',
  ],
  samePath: (n, differs, steps) => [
    `This conversation takes the same path as conversation ${n}: the same packets through the same hooks and chains. `,
    ...(differs.length === 0 && steps === 0
      ? ['Only the addresses the chains see differ.']
      : [
          'What differs: ',
          ...differs.flatMap((d, i) => (i === 0 ? d : ['; ', ...d])),
          ...(steps > 0
            ? [
                differs.length > 0 ? '; and ' : '',
                steps === 1
                  ? 'one step, where another rule matched or the verdict is not the same:'
                  : `${steps} steps, where another rule matched or the verdict is not the same:`,
              ]
            : ['.']),
        ]),
  ],
  samePathField: (field, now, then, n) => [
    `the ${field === 'protocol' ? 'protocol' : field === 'saddr' || field === 'daddr' ? `${addrWord(field)} address` : portWord(field)} is ${now} (${then} in conversation ${n})`,
  ],
  samePathVerdict: (now, then, n) => [
    `in short, ${verdictWord[now] ?? now} (in conversation ${n}: ${verdictWord[then] ?? then})`,
  ],
  samePathStep: (step, chain, now, then, n) => [
    `(${step}) in `,
    c(chain),
    ': ',
    ...now,
    ` here, `,
    ...then,
    ` in conversation ${n}.`,
  ],
  fullWalkSummary: (n) => [
    `The whole walk of conversation ${n}: its diagrams and every hook, step by step`,
  ],
  flowchartSummary: () => ['Flow diagram'],
  listingSameAs: (n) => [
    `The chains and rules are those listed for this hook in conversation ${n}; the steps below are numbered as there.`,
  ],
  flowchartSameAs: (n) => [
    `Its flow diagram is that of the same packet in conversation ${n}, with the addresses above.`,
  ],
  hookMapSame: (n) => [
    `This conversation crosses the same hooks as conversation ${n}; see the map of all netfilter hooks there.`,
  ],
  packetHeading: (role, flow) => [`${capitalize([roleWord[role]]).join('')}: ${flow}`],
  packetIntro: (role, from, iif) => [
    `The ${roleWord[role]} comes from `,
    c(from),
    ...(iif ? [' and enters the host on ', c(iif)] : [' (a process on the host)']),
    '. Hook by hook:',
  ],
  flowchartIntro: () => [
    'The hooks and base chains it crosses, with the verdict of each chain and the address changes:',
  ],
  stageHeading: (role, hook, fclass, from) => [
    `${capitalize([roleWord[role]]).join('')}${from ? ` from ${from}` : ''} (${fclass === 'l3' ? '' : `${fclass} `}${hook})`,
  ],
  stageIntro: (hook, fclass, iptables) => [
    iptables ? 'From the iptables-save output, the chains ' : 'From the ruleset, the chains ',
    `on the ${hook} hook of the ${layer(fclass)} and the chains the packet reached from them:`,
  ],
  brNetfilterPrerouting: (b) => [
    'The packet arrived on a port of the bridge ',
    c(b),
    '. With br_netfilter, the ip-family prerouting chains run from inside the bridge’s own prerouting, before the bridge decides where the frame goes; they see the bridge device as the input interface.',
  ],
  listingElided: (count, passedOver) =>
    passedOver
      ? `… ${count.toLocaleString('en-US')} more rules passed over, none of them matched`
      : `… ${count.toLocaleString('en-US')} more rules, not reached`,
  listingFolded: (base, chains, first, last, rows) =>
    `${first === last ? `(${first})` : `(${first})–(${last})`}: ${chains === 1 ? 'a chain' : `${chains} chains`} reached from ${base}, no verdict (${rows} lines)`,
  listingUnreached: (count) => `… ${count.toLocaleString('en-US')} rules, not reached`,
  stageInferredIntro: (hook) => [
    `The packet crosses the ${hook} hook too, but enters none of its chains. The chains there:`,
  ],
  packetAtStart: (flow, iif, oif) => [
    `The packet at this point: ${flow}`,
    ...(iif ? [' (in on ', c(iif)] : []),
    ...(oif ? [iif ? ', out on ' : ' (out on ', c(oif)] : []),
    ...(iif || oif ? [')'] : []),
    '.',
  ],
  packetNow: (flow) => [`The packet is now ${flow}.`],
  natChangeBetween: (d) => [
    `Between the hooks ${fieldWord(d)} changed from ${d.from} to ${d.to} (conntrack applies the connection's recorded translation).`,
  ],

  stepEnter: (f) => [
    ...(f.first
      ? [
          `On the ${f.hook} hook${f.fclass === 'bridge' ? ' of the bridge family' : f.fclass === 'netdev' ? ' of the netdev family (before IP and conntrack see the packet)' : ''}, base chains run in ascending priority, whatever table they belong to. `,
        ]
      : ['Next on the same hook, ']),
    ...cref(f.chain),
    ` (type ${f.type}, priority ${f.priorityText}${f.priorityText !== String(f.priority) ? ` = ${f.priority}` : ''}) `,
    f.first
      ? f.position === 1
        ? 'comes first, so it is chosen.'
        : `is the first one the packet enters (position ${f.position} of ${f.total}).`
      : `runs: it is number ${f.position} of ${f.total} in priority order.`,
  ],
  policyDropNote: (chain, drop) => [
    'Its policy is ',
    c(drop),
    ': a packet that reaches the end of ',
    c(chain),
    ' without an accept is dropped, so something in it must accept the packet.',
  ],
  chainSees: (flow) => [`This chain sees the packet as ${flow}.`],
  stepBecause: (reasons, action) => [...capitalize(list(reasons)), ', so ', ...action, '.'],
  stepAlways: (action) => ['Unconditionally, ', ...action, '.'],
  actJump: (t) => ['the packet jumps to ', c(t)],
  actGoto: (t) => ['evaluation goes to ', c(t), ' (goto)'],
  actReturn: (to) =>
    to ? ['evaluation returns to ', c(to)] : ['the base chain returns: its policy applies'],
  actAccept: () => ['the packet is accepted'],
  actNat: (kind, to, result, iface, word) =>
    [
      c(word),
      kind === 'masquerade'
        ? [
            ' rewrites the source to the address of the output interface',
            ...(iface ? [' ', c(iface)] : []),
            ...(to ? [`, ${to}`] : []),
          ]
        : kind === 'snat'
          ? [' rewrites the source', ...(to ? [` to ${to}`] : [])]
          : kind === 'redirect'
            ? [' rewrites the destination to the host itself', ...(to ? [`, ${to}`] : [])]
            : [' rewrites the destination', ...(to ? [` to ${to}`] : [])],
      ...(result ? [`; the packet is now ${result}`] : []),
    ].flat() as Phrase,
  actDrop: () => ['the packet is dropped'],
  actReject: (text) => ['the packet is dropped and the kernel answers for it (', c(text), ')'],
  actQueue: () => ['the packet is queued to user space'],
  actContinue: (st) => [
    ...(st.length > 0
      ? [...list(st.map((x) => [c(x)])), st.length === 1 ? ' runs' : ' run']
      : ['nothing happens']),
    ' and, with no verdict, evaluation continues with the next rule',
  ],
  laterBaseNote: () => [
    'An accept in an earlier base chain ends only that chain: every base chain on the hook gets its turn, and only a drop stops the packet for good.',
  ],
  jumpMeans: (t, from) => [
    'A jump is a call: when ',
    c(t),
    ' returns, or ends without a verdict, evaluation comes back to ',
    c(from),
    ' at the rule after this one.',
  ],
  gotoMeans: (t, from, caller) =>
    [
      'A goto does not come back: when ',
      c(t),
      ' ends without a verdict, evaluation does not return to ',
      c(from),
      caller
        ? [' but to ', c(caller), ', the chain that jumped to ', c(from), '.']
        : ['; the base chain ends and its policy applies.'],
    ].flat() as Phrase,
  returnMeans: (to) => ['Evaluation continues in ', c(to), ' with the rule after the jump.'],
  acceptMeans: (chain, base, later) => [
    ...(chain !== base
      ? ['The accept in ', c(chain), ' ends it and the base chain ', c(base), ' that called it. ']
      : ['The accept ends ', c(base), '. ']),
    ...(later.length > 0
      ? [
          'It does not end the hook: ',
          ...list(later.map(cref)),
          later.length === 1 ? ' still runs.' : ' still run.',
        ]
      : ['No later base chain on this hook is entered, so the packet passes the hook.']),
  ],
  natMeans: (kind) => [
    'A NAT statement also ends the chain with accept. The mapping is stored in the conntrack entry of this first packet: every later packet of the connection is translated the same way, and its replies the opposite way, without any nat chain being consulted again',
    kind === 'masquerade'
      ? ' (masquerade picks the output interface’s address when the mapping is made).'
      : '.',
  ],
  dropMeans: () => ['The packet is gone: no later chain or hook sees it.'],
  passedOver: (chain, n) => [
    n === 1 ? 'The rule marked ↓ in ' : `The ${n} rules marked ↓ in `,
    c(chain),
    n === 1 ? ' was tried and did not match.' : ' were tried in order and did not match.',
  ],
  passedOverWhy: (chain, why, more = 0) => [
    rulesIn(why, more),
    c(chain),
    why.length === 1 && (why[0]?.count ?? 1) === 1 && more === 0
      ? ' does not match: '
      : ' do not match: ',
    ...why.flatMap((w, i) => [
      ...(i > 0 ? ['; '] : []),
      c(w.stmt),
      (w.count ?? 1) > 1 ? ` fails in ${w.count} rules in a row, as ` : ' fails, as ',
      ...w.fact,
    ]),
    more > 0 ? `; and ${more.toLocaleString('en-US')} more rules do not match either.` : '.',
  ],
  implicitReturn: (from, to) => [
    c(from),
    ' ran out of rules without a verdict (an implicit return), so evaluation went back to ',
    c(to),
    '.',
  ],
  implicitReturnShort: (from, to) => [c(from), ' ends without a verdict; back in ', c(to), '.'],
  emptyJumps: (chain, targets) => [
    'The packet jumps unconditionally, in turn, to the chains ',
    ...list(targets.map((t) => [c(t)])),
    '. None of them has a rule, so each time evaluation comes straight back to ',
    c(chain),
    ' (an implicit return) and nothing happens to the packet.',
  ],
  quietChain: (chain, reached, from, last, verdict) => [
    `From (${from}) to (${last}), nothing happens to the packet: from `,
    c(chain),
    reached.length > 0
      ? ', the rules that match only lead on, by jumps, gotos and returns, to '
      : ', the rules that match only return',
    ...list(reached.map((t) => [c(t)])),
    ', and none gives a verdict, so the policy of ',
    c(chain),
    ' applies: ',
    c(verdict),
    '.',
  ],
  quietChainSummary: (first, last) => [`Steps (${first}) to (${last}) one by one`],
  emptyJumpOne: (target, chain) => [
    'Unconditionally to ',
    c(target),
    ', which has no rule, and straight back to ',
    c(chain),
    '.',
  ],
  emptyRunSummary: (first, last) => [`Steps (${first}) to (${last}) one by one`],
  stepPolicy: (chain, verdict) => [
    'No rule gave a verdict, so the policy of the base chain ',
    c(chain),
    ' applies: ',
    c(verdict),
    '.',
  ],
  policyMeans: (v) =>
    v === 'accept'
      ? ['The packet goes on to the next base chain on this hook, or past the hook.']
      : ['The packet is dropped here.'],
  ruleNotInRuleset: (text) => [
    'The simulator reported a rule the ruleset does not have at this position: ',
    c(text),
    '.',
  ],
  notEnteredNatEstablished: (r, state) => [
    ...capitalize(cref(r)),
    ` is a nat chain and is not entered: the packet belongs to a known connection (conntrack state ${state}), and nat chains see only the first packet of a connection.`,
  ],
  notEnteredNatMapped: (r, by) => [
    ...capitalize(cref(r)),
    ' is not entered: ',
    c(by),
    ' already set up this connection’s translation on this hook, and once a mapping exists the remaining nat chains of the hook are skipped.',
  ],
  notEnteredDropped: (r) => [
    ...capitalize(cref(r)),
    ' is not entered: the packet was dropped before its turn.',
  ],
  notEnteredUnknown: (r) => [
    ...capitalize(cref(r)),
    ' is on this hook but the trace shows the packet did not enter it.',
  ],

  reasonLocal: (f, addr, l) => [
    `the ${addrWord(f)} address ${addr} is local: the host's own addresses are `,
    ...locals(l),
  ],
  reasonNotLocal: (f, addr, l) => [
    `the ${addrWord(f)} address ${addr} is not local (the host's own addresses are `,
    ...locals(l),
    ')',
  ],
  reasonIface: (d, n) => [`the ${ifWord(d)} is `, c(n)],
  reasonIfaceIn: (d, n, v) => [
    `the ${ifWord(d)} `,
    c(n),
    ' is one of ',
    ...list(v.map((x) => [c(x)])),
  ],
  reasonIfaceNot: (d, n, v) => [
    `the ${ifWord(d)} is `,
    c(n),
    ', not ',
    ...list(v.map((x) => [c(x)])),
  ],
  reasonNoIface: (d) => [
    d === 'in'
      ? 'the packet has no input interface here (the host itself sent it)'
      : 'the packet has no output interface yet',
  ],
  reasonProto: (p) => [`the protocol is ${p}`],
  reasonProtoNot: (p, v) => [`the protocol is ${p}, not ${v.join(', ')}`],
  reasonFamily: (f) => [`the packet is ${f}`],
  reasonAddr: (f, a) => [`the ${addrWord(f)} address is ${a}`],
  reasonAddrIn: (f, a, s) => [`the ${addrWord(f)} address ${a} is in `, c(s)],
  reasonAddrNot: (f, a, v) => [`the ${addrWord(f)} address ${a} is not `, c(v)],
  reasonPort: (f, p) => [`the ${portWord(f)} is ${p}`],
  reasonPortIn: (f, p, s) => [`the ${portWord(f)} ${p} is in `, c(s)],
  reasonPortNot: (f, p, v) => [`the ${portWord(f)} ${p} is not `, c(v)],
  reasonCtState: (s) => [
    `the conntrack state is ${s}`,
    s === 'new'
      ? ' (the first packet of a connection)'
      : s === 'established'
        ? ' (a packet of a connection conntrack already knows)'
        : '',
  ],
  reasonCtStateNot: (s, v) => [`the conntrack state is ${s}, not ${v.join(', ')}`],
  reasonCtStateOneOf: (v) => [`the conntrack state is one of ${v.join(', ')}`],
  reasonCtStatus: (st) => [
    `the connection's conntrack status has ${st.join(', ')}`,
    st.includes('dnat') ? ' (its destination was translated when it began)' : '',
    st.includes('snat') ? ' (its source was translated when it began)' : '',
  ],
  reasonIcmpType: (t, of, not) => [
    `the packet is an ICMP ${t}`,
    ...(not ? [' (another type)'] : of ? [', one of ', c(of.join(', '))] : []),
  ],
  reasonTcpFlags: (f) => [
    `the packet's TCP flags are ${f.join(', ')}`,
    f.length === 1 && f[0] === 'syn' ? ' (the first packet of a connection)' : '',
  ],
  reasonMark: (m) => [`the packet's mark is ${m}`],
  reasonSetElement: (set, el) => [c(set), ' holds the element ', c(el), ', which is this packet'],
  reasonSetNoElement: (set) => ['no element of ', c(set), ' is this packet'],
  reasonGeneric: (t) => [c(t), ' holds'],

  routeLocal: (d, i) => [
    `Routing decision: ${d} is an address of the host (on `,
    c(i),
    '), so the packet is for the host itself and goes to the input hook.',
  ],
  routeForward: (d, oif, local, via, subnet) => [
    local
      ? `Routing decision for a packet the host sends: ${d} `
      : `Routing decision: ${d} is not an address of the host; it `,
    ...(subnet
      ? [`is in ${subnet}, the subnet of `, c(oif)]
      : [`is reached via ${via ?? 'the default route'} on `, c(oif)]),
    local
      ? ', so it leaves through '
      : ', so the packet is forwarded (the forward hook comes next) and leaves through ',
    c(oif),
    '.',
  ],
  routeRule: (rule, table, suppressed) => [
    'The ip rule ',
    c(rule),
    ' decided: the route is from table ',
    c(table),
    suppressed.length === 0
      ? '.'
      : `. Rule${suppressed.length > 1 ? 's' : ''} ${suppressed.join(', ')} matched first, but suppress_prefixlength refused the route ${suppressed.length > 1 ? 'they' : 'it'} found, so the lookup went on to the next rule.`,
  ],
  rerouteByChain: (chain, changed) => [
    'The output chain ',
    ...cref(chain),
    ` is of type route and changed the packet's ${changed.map((x) => (x === 'mark' ? 'mark' : x === 'saddr' ? 'source address' : 'destination address')).join(' and ')}, so the kernel routes the packet again (ip_route_me_harder).`,
  ],
  routeInBridge: (d, oif, b) => [
    `The destination is now ${d}, so br_netfilter looks up the route while the frame is still in the bridge’s prerouting: ${d} is reached through `,
    c(oif),
    ', not through a port of ',
    c(b),
    '. The frame cannot simply be bridged; it will be passed up to the host’s IP stack, which forwards it.',
  ],
  ctNew: () => [
    'conntrack sees no entry for this packet: it creates one (state new). This packet is the only one of the connection the nat chains will see.',
  ],
  ctReply: (s) => [
    `conntrack finds the entry the request created: this packet is its reply (state ${s}). The translations recorded for the request are undone on the way.`,
  ],
  ctKnown: (s) => [
    `conntrack finds the entry an earlier packet of this connection created (state ${s}): the packet belongs to a known connection, so the nat chains do not see it and its recorded translations apply.`,
  ],
  ctBridge: () => [
    'A bridge table’s rule uses conntrack, so the module ',
    c('nf_conntrack_bridge'),
    ' hooks in at priority -200 of the bridge family’s prerouting: it tracks the bridged packet there, at layer 2, whether br_netfilter is loaded or not (and confirms the entry at the end of bridge postrouting). A kernel without that module refuses the rule (',
    c('Could not process rule: Protocol error'),
    ').',
  ],
  ctNone: () => ['No conntrack hook runs for this packet, so it has no conntrack entry.'],
  ctAttached: (s) => [
    `The host made this packet itself in answer to another: it carries that packet’s conntrack entry from the start (state ${s}), so conntrack does not look it up.`,
  ],
  ctOther: (s) => [`conntrack: state ${s}.`],
  ctTcpState: (s, from, created) => [
    created
      ? 'Its TCP state starts at '
      : from
        ? 'conntrack’s TCP state for the connection moves from '
        : 'conntrack’s TCP state for the connection stays ',
    ...(from && !created ? [c(from), ' to '] : []),
    c(s),
    `: ${TCP_STATE_EN[s] ?? 'a state nfwalk has no words for'}.`,
  ],
  ctTcpInvalid: (k) => [
    `conntrack finds the segment invalid: ${TCP_INVALID_EN[k]}. The packet goes on without a conntrack entry, so `,
    c('ct state invalid'),
    ' matches it, and the entry of the connection (if there is one) is left as it was.',
  ],
  segmentsIntro: (from, to, count, stopped) => [
    c(from),
    ' and ',
    c(to),
    ` exchange ${count} TCP ${count === 1 ? 'segment' : 'segments'}, listed one by one and sent whatever became of the one before. `,
    ...(stopped.length === 0
      ? [`The host lets ${count === 1 ? 'it' : 'all of them'} through.`]
      : [
          'The host stops ',
          ...list(stopped.map((x) => [`segment ${x.n} `, c(`[${x.flags.join(',')}]`)])),
          count === stopped.length ? '.' : '; the others get through.',
        ]),
  ],
  tcpSegment: (flags, seq, ack, payload) => [
    'It is the TCP segment ',
    c(`[${flags.join(',')}]`),
    ` with sequence number ${seq}`,
    ack === undefined ? '' : `, acknowledging ${ack}`,
    payload > 0 ? `, carrying ${payload} bytes of data.` : ', carrying no data.',
  ],
  ctConfirmed: (r) => [
    `As the packet leaves, conntrack confirms the entry with both translations: from now on a packet ${r} is recognised as this connection’s reply.`,
  ],
  natReverse: (kind, d, hook) => [
    `conntrack undoes the request’s ${kind}${hook ? ` at the ${hook} hook` : ''}: ${fieldWord(d)} ${d.from} becomes ${d.to}.`,
  ],
  bridgeLocal: (b, port, gw) => [
    'The bridge ',
    c(b),
    ...(port ? [' receives the frame on its port ', c(port)] : [' receives the frame']),
    '. It is addressed to the bridge’s own MAC address',
    gw ? ` (the sender’s gateway ${gw} is the bridge device itself)` : '',
    ', so the bridge does not forward it to another port: it passes it up to the host’s IP stack, through the bridge family’s input hook.',
  ],
  flowOffloaded: (ft, devs) => [
    c('flow add'),
    ' puts the connection into the flowtable ',
    c(ft),
    ': from now on its packets that come in on ',
    ...devs.flatMap((d, i) => (i === 0 ? [c(d)] : [i === devs.length - 1 ? ' or ' : ', ', c(d)])),
    ' are forwarded by the flowtable’s ingress hook itself (software offload), and meet no prerouting, forward or postrouting chain. This packet goes on through the rest of its path as usual.',
  ],
  flowNotOffloaded: (ft, r) => [
    c(`flow add @${ft}`),
    ' does not offload the connection: ',
    FLOW_REFUSAL_EN[r],
    ' The rule stops there (the statements after it do not run).',
  ],
  flowFastPath: (ft, dev, out, d) => [
    'The flowtable ',
    c(ft),
    ' has this connection: its ingress hook on ',
    c(dev),
    ' forwards the packet straight out of ',
    c(out),
    d
      ? ` (the connection’s NAT applied: ${fieldWord(d)} ${d.from} becomes ${d.to}; ttl decremented)`
      : ' (ttl decremented)',
    '. It crosses no prerouting, forward or postrouting hook, and conntrack does not look it up: no chain of those hooks sees it.',
  ],
  glanceFlowtable: (ft, dev) => [
    'No chain: the flowtable ',
    c(ft),
    ' forwards it from the ingress hook of ',
    c(dev),
    ', past prerouting, forward and postrouting.',
  ],
  flowTeardown: (ft) => [
    'A FIN or RST ends the offloaded flow: the flowtable ',
    c(ft),
    ' lets go of the connection and the packet takes the ordinary path through the hooks.',
  ],
  bridgeForward: (b, i, o) => [
    'The bridge ',
    c(b),
    ' forwards the frame',
    ...(i ? [' from ', c(i)] : []),
    ...(o ? [' to ', c(o)] : []),
    ' at layer 2 (the bridge family’s forward hook).',
  ],
  bridgeOut: (b, p) => [
    'The host sends the packet out of the bridge ',
    c(b),
    ...(p ? [' through its port ', c(p)] : []),
    ' (the bridge family’s output and postrouting hooks).',
  ],
  deliver: (to, flow, socket) => [
    `Delivered: ${flow} reaches `,
    c(to),
    socket === false
      ? ', which has no socket open for it.'
      : socket
        ? ', which has a socket open for it.'
        : '.',
  ],
  deliverHost: (flow, iface) => [
    `Delivered to the host itself: ${flow}`,
    ...(iface ? [' (arrived on ', c(iface), ')'] : []),
    '.',
  ],
  droppedReject: (r) => [
    'The packet ends in ',
    ...cref(r),
    ': the reject drops it, and the kernel answers the sender in its place.',
  ],
  droppedVerdict: (r) => [
    'The packet ends in ',
    ...cref(r),
    ': dropped without an answer. The sender hears nothing and can only time out.',
  ],
  loopedBack: (i) => ['The packet loops back through ', c(i), ' and arrives at the host again.'],
  icmpRedirect: (sent, rateLimited) => [
    'The packet leaves by the link it came in on, ',
    sent
      ? 'so before the forward hook the kernel sends the sender an ICMP redirect pointing at the better next hop, on the same link; it is a packet of its own, told below.'
      : rateLimited
        ? 'but the kernel sends no ICMP redirect about an ICMP error.'
        : 'so the kernel may also send the sender an ICMPv6 redirect, which nfwalk does not walk.',
    ...(rateLimited
      ? [
          ' The redirect uses up the sender’s ICMP rate limit (about one error a second per peer), so no ICMP error follows it in this conversation, even from a reject.',
        ]
      : []),
  ],
  packetIntroRedirect: () => [
    'The host’s kernel sends this ICMP redirect itself while forwarding the request, to tell the sender that it can reach the next hop directly. Hook by hook:',
  ],
  droppedNatRedirect: (hook) => [
    'The redirect is about a connection NAT rewrote, so the NAT hook in ',
    c(hook),
    ' drops it: a redirect would let the two ends talk past the translation. Chains after that hook do not see it.',
  ],
  rejectAnswer: (kind, icmp) =>
    kind === 'rst'
      ? ['The kernel answers with a TCP reset; it is the next packet of this conversation.']
      : [
          `The kernel answers with an ICMP error${icmp ? ` (${icmp.type}, ${icmp.code})` : ''}; it is the next packet of this conversation.`,
        ],
  natIcmpError: (d) => [
    `conntrack recognises the ICMP error as related to the connection and translates it as it translates the reply: ${fieldWord(d)} ${d.from} becomes ${d.to}, and the copy of the original header inside the error is translated back too.`,
  ],
  brNetfilterHook: (b, hook) => [
    'With br_netfilter, the bridged packet also passes the ip family’s ',
    hook,
    ' hook (devices: the bridge ',
    c(b),
    ').',
  ],
  bridgedAfterDnat: (b) => [
    'After the destination changed, the new destination is still on the bridge ',
    c(b),
    ', so the frame is bridged to that port rather than routed.',
  ],
  packetIntroKernel: (role) => [
    `The host’s kernel sends this ${roleWord[role]} itself, in answer to the rejected packet. Hook by hook:`,
  ],
  dropped: (r) => ['The packet is dropped: ', c(r), '.'],
  droppedMartian: (m, a) => [
    c(m),
    ` receives a packet from its own address ${a} and drops it as a martian source: Linux accepts no packet that claims to come from one of its own addresses, so nothing comes back.`,
  ],
  sent: (from, iface) => [
    c(from),
    ' sends the packet',
    ...(iface ? [' into ', c(iface)] : []),
    '.',
  ],
  sentOut: (to, iface, flow) => [
    `The host sends ${flow} out`,
    ...(iface ? [' of ', c(iface)] : []),
    ' to ',
    c(to),
    '.',
  ],
  answers: (m, a) =>
    [
      c(m),
      a === 'reply'
        ? ' has a socket open on this port and answers.'
        : a === 'syn-ack'
          ? ' has a socket listening on this port and answers with SYN-ACK.'
          : a === 'port-unreachable'
            ? ' has no socket on this port and answers with ICMP port unreachable.'
            : a === 'rst'
              ? ' has no socket on this port and answers with a TCP reset.'
              : [' answers: ', c(a), '.'],
    ].flat() as Phrase,
  bridgeSkipPrerouting: (b) => [
    'Handed up from the bridge ',
    c(b),
    ', the packet does not pass the ip prerouting hook a second time: it already ran inside the bridge’s prerouting.',
  ],
  unsupported: (what, chain, index, text, file, line) => [
    'The walk stops here: nfwalk does not model ',
    c(what),
    ...(chain !== undefined
      ? [' (in chain ', c(chain), ...(index !== undefined ? [`, rule ${index + 1}`] : []), ')']
      : []),
    ...(text ? [': ', c(text)] : []),
    ...(file ? [' — ', c(`${file}${line ? `:${line}` : ''}`)] : []),
    '. It reports this rather than guess whether the rule matches.',
  ],
  natWithoutConntrack: (stmt) => [
    'The ',
    c(stmt),
    ' statement does nothing here: the packet has no conntrack entry to hold a translation.',
  ],
  noAnswer: (m, d) => [
    c(m),
    ` is not ${d}, so it does not answer (nfwalk does not route beyond the host’s neighbours).`,
  ],
  neighbourFailure: (hop, sender) => [
    'No machine answers the host’s ARP or neighbour discovery for ',
    c(hop),
    ': after about three seconds the kernel gives up and sends ',
    c(sender),
    ' an ICMP unreachable error.',
  ],
  sourceFallback: (d, s) => [
    'No route reaches ',
    c(d),
    ' for a packet without a source address: the kernel picks ',
    c(s),
    ' among the host’s addresses and looks the route up again with it, so rules that select on the source apply.',
  ],
  kernelUnlistedChain: (r) => [
    'The kernel traced ',
    ...cref(r),
    ', which its ruleset listing does not show as a base chain.',
  ],
  noteRateAssumed: (kind, over) => [
    'nfwalk cannot measure rates: it assumes the ',
    c(kind),
    ' of this rule is not exceeded, as for the first packets of a flow',
    over ? ', so its "over" test does not match.' : '.',
  ],
  noteSysctlIgnored: (names) => [
    'The scenario sets ',
    ...list(names.map((n) => [c(n)])),
    ', which nfwalk does not model: the walk below ignores ',
    names.length === 1 ? 'it.' : 'them.',
  ],
  noteNatFamily: () => [
    'This NAT statement names the other IP family: in an inet table it does nothing to this packet, and the rule goes on.',
  ],
  noteRandomPort: (flags) => [
    'With ',
    ...list(flags.map((f) => [c(f)])),
    ' the kernel picks the port at random; the page shows the port the mapping would otherwise keep.',
  ],
  hookWithoutChains: (family, hook) => [
    `The packet crosses the ${hook} hook of the ${family} family, where the ruleset has no chain: nothing to evaluate.`,
  ],
  noteAssumption: (kind) => [
    'The kernel computes ',
    c(kind),
    ' from values nfwalk cannot know; the page follows the value nfwalk assumed.',
  ],
  noteMangle: (target, from, to) => [
    c(target),
    ` rewrites the header in place: ${from} becomes ${to}. Conntrack is not told, so no reply is translated back.`,
  ],

  whyHeading: () => ['Why the reply takes this path'],
  qNoNat: () => ['Why does the reply cross no nat chain?'],
  qRewrites: () => ['How the reply is rewritten'],
  qInputAndForward: (b, f) => [
    'Why is the reply seen on an input hook ',
    ...(b ? ['(', ...cref(b), ') '] : []),
    'and on the forward hook ',
    ...(f ? ['(', ...cref(f), ') '] : []),
    'at the same time?',
  ],
  qBridgeNotIpInput: (b, bp, i, ip) => [
    ...cref(b),
    ` (input, priority ${bp}) sees the reply, but `,
    ...cref(i),
    ` (input, priority ${ip}) does not. Do the bridge (L2) and IP (L3) handle it separately?`,
  ],
  natRecap: (kind, hook, d) => [c(kind), ` at ${hook} (${fieldWord(d)} ${d.from} → ${d.to})`],
  whyNoNat: (skipped, req) => [
    'Because nat chains are consulted only for the first packet of a connection, the one that creates its conntrack entry. The request was that packet, and its nat chains set up ',
    ...list(req),
    req.length === 2
      ? '. conntrack stored both translations in the entry'
      : req.length === 1
        ? '. conntrack stored the translation in the entry'
        : '. conntrack stored the translations in the entry',
    '; the reply matches the entry’s reply direction, and conntrack rewrites it back by itself',
    ...(skipped.length > 0
      ? [', so ', ...list(skipped.map(cref)), skipped.length === 1 ? ' is' : ' are', ' skipped']
      : []),
    '.',
  ],
  whyUndo: (d, hook, sb, sa) => [
    `At the ${hook} hook conntrack rewrites the reply: ${fieldWord(d)} ${d.from} becomes ${d.to}`,
    ...(hook === 'prerouting'
      ? ['. It does so where the nat hook sits (priority -100, dstnat)']
      : hook === 'postrouting'
        ? ['. It does so where the nat hook sits (priority 100, srcnat)']
        : []),
    ...(sb
      ? ['. ', ...cref(sb.chain), ` (priority ${sb.priority}) ran before that and saw ${d.from}`]
      : []),
    ...(sa
      ? [
          sb ? '; ' : '. ',
          ...cref(sa.chain),
          ` (priority ${sa.priority}) runs after it and sees ${d.to}`,
        ]
      : []),
    ...(sa &&
    sb &&
    sa.chain.family !== sb.chain.family &&
    (sa.chain.family === 'bridge' || sb.chain.family === 'bridge')
      ? [
          '. Priorities of different families do not compare: with br_netfilter the ip-family prerouting hook runs inside the bridge’s prerouting, before the bridge’s input hook, whatever the numbers say',
        ]
      : []),
    '.',
  ],
  whyClientSees: (flow, addr) => [
    `The client receives ${flow}: the answer comes from ${addr}, the address it sent the request to, so to the client the exchange looks like one conversation with the host.`,
  ],
  whyBridgeLocal: (b, port, gw, sender) => [
    'The bridge’s input hook and the IP stack’s input hook are different hooks at different layers. ',
    ...(sender ? [c(sender)] : ['The sender']),
    ' sends the reply to its gateway',
    gw ? ` ${gw}` : '',
    ', which is the bridge device ',
    c(b),
    ' itself; so the Ethernet frame is addressed to the bridge’s own MAC address',
    ...(port ? [' and arrives on the bridge port ', c(port)] : []),
    '. For a bridge, “input” means “this frame is for me, not for another port”: it goes through the bridge family’s input hook and is handed up to the host’s IP stack. That is all the bridge’s input says; where the IP packet goes is decided by routing, not by the bridge.',
  ],
  whyForwardNotInput: (d, oif) => [
    `The IP stack then makes its own routing decision. By then conntrack has restored the destination to ${d} (at prerouting), which is not an address of the host, so the packet is forwarded out of `,
    c(oif),
    ': the ip family’s forward hook, then postrouting. The ip family’s input hook is only for packets addressed to the host, so the reply never reaches it, and no local process is involved: the packet goes from the bridge straight to routing and on to forward.',
  ],
  whyLayers: (bp, ip, inputs) => [
    `Yes. The priorities ${bp} and ${ip} do not compare across families: each family has its own hooks, and a priority only orders the chains of one hook. The bridge family’s input runs because the frame was for the bridge (L2); `,
    ...list(inputs.map(cref)),
    inputs.length === 1 ? ' is' : ' are',
    ' on the ip family’s input hook, which only packets routed to the host itself reach (L3), and this reply is routed onwards.',
  ],

  dgRouting: () => ['routing decision'],
  dgRoute: (d, oif) => [
    `routing: ${d === 'local' ? 'to the host' : d === 'forward' ? 'forward' : d === 'none' ? 'no route' : d}${oif ? ` via ${oif}` : ''}`,
  ],
  dgLocalProcess: () => ['local process'],
  dgNoChain: (chains) => [`no chain entered (${chains.join(', ')} skipped)`],
  dgDelivered: (to) => [`delivered to ${to}`],
  dgLeaves: (to) => [`leaves the host towards ${to}`],
  dgDropped: () => ['dropped'],
  dgRejected: () => ['rejected'],
  dgUnsupported: () => ['not modelled: walk stops'],
  dgConntrack: () => ['conntrack'],
  dgUndo: (k) => [`conntrack undoes ${k}`],
  dgField: (f) => [f === 'both' ? 'packet' : f === 'source' ? 'src' : 'dst'],
  dgL3: () => ['IP layer: ip, ip6, inet families'],
  dgL2: () => ['bridge family: layer 2'],
  dgUpToIp: () => ['up to the IP stack'],
  dgDownToBridge: () => ['out through the bridge'],
  glanceIntro: (role, flow) => [`At a glance, the ${roleWord[role]} ${flow}, hook by hook:`],
  colHook: () => ['Hook'],
  colChains: () => ['Chains entered → verdict'],
  colSeen: () => ['The packet as these chains see it'],
  colCtNat: () => ['conntrack / NAT'],
  glanceNoChain: () => ['none entered'],
  glanceCt: (state) => [`conntrack: ${state}`],
  whyLinks: () => ['Why the reply takes its path:'],
  conversationWord: (n) => `conversation ${n}`,
};
