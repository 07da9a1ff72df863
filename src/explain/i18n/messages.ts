/**
 * The message catalogue's shape: every sentence of the page, as a function of the facts it
 * states. en.ts and ja.ts each implement all of it (the type checker and a test make sure);
 * nothing outside the catalogues writes words a reader sees.
 */

import type { ConntrackDetail, FlowRefusal, PacketRole } from '../../netfilter/trace.ts';
import type { ChainType, Family, HookName } from '../../ruleset/model.ts';
import type { NatDelta } from '../facts.ts';
import type { Phrase } from '../phrase.ts';
import type { FamilyClass } from '../stages.ts';

export interface ChainRef {
  family: Family;
  table: string;
  chain: string;
}

export interface LocalAddr {
  iface: string;
  address: string;
}

export interface EnterFacts {
  hook: HookName;
  fclass: FamilyClass;
  chain: ChainRef;
  type: ChainType;
  priority: number;
  priorityText: string;
  /** 1-based position among all base chains on this hook, and their number. */
  position: number;
  total: number;
  /** The first base chain the packet enters on this hook. */
  first: boolean;
}

export type AddrField = 'saddr' | 'daddr';
export type PortField = 'sport' | 'dport';
export type IfDir = 'in' | 'out';

export type TcpInvalidKind = NonNullable<ConntrackDetail['tcpInvalid']>;
export type { FlowRefusal };

export interface Messages {
  /** Joins phrases as a list: "a, b and c" / "a、b、c". */
  list(items: Phrase[]): Phrase;
  /** Joins sentences into one paragraph. */
  sentences(parts: Phrase[]): Phrase;

  // Setup
  setupHeading(): Phrase;
  setupIntro(host: string): Phrase;
  colInterface(): Phrase;
  colKind(): Phrase;
  colAddresses(): Phrase;
  colMachine(): Phrase;
  colBehind(): Phrase;
  colListens(): Phrase;
  kind(k: 'link' | 'bridge'): Phrase;
  none(): Phrase;
  machinesIntro(): Phrase;
  route(to: string, via: string | undefined, dev: string | undefined): Phrase;
  /** A route of a policy routing table other than main. */
  tableRoute(table: string, to: string, via: string | undefined, dev: string | undefined): Phrase;
  /** Policy routing: every ip rule (defaults included), in the order the kernel tries them. */
  ipRules(family: 4 | 6, rules: string[]): Phrase;
  sysctlForwarding(on: boolean): Phrase;
  sysctlBridgeNf(on: boolean): Phrase;
  hostListens(sockets: string[]): Phrase;
  rulesetIntro(path: string, format: string, tables: number): Phrase;

  // Conversations and packets
  conversationHeading(n: number, protocol: string, flow: string): Phrase;
  conversationIntro(from: string, to: string, roles: PacketRole[], verdict: string): Phrase;
  sequenceIntro(): Phrase;
  hookMapIntro(): Phrase;
  /** This conversation crosses the same hooks as an earlier one: its map is not repeated. */
  hookMapSame(conversation: number): Phrase;
  /** A repeated conversation's hook: the chains are those listed in the earlier conversation. */
  listingSameAs(conversation: number): Phrase;
  /** A repeated conversation's packet: its flow diagram is the earlier conversation's. */
  flowchartSameAs(conversation: number): Phrase;
  /** The summary of the folded map of all hooks. */
  hookMapSummary(): Phrase;
  /**
   * Under a conversation's heading when it takes the same path as an earlier one (the same
   * packets through the same hooks and chains): what differs, and how many steps did
   * something else (listed right after).
   */
  samePath(conversation: number, differs: Phrase[], steps: number): Phrase;
  /** One thing that differs from the earlier conversation: the request's protocol, an address or a port. */
  samePathField(
    field: 'protocol' | 'saddr' | 'sport' | 'daddr' | 'dport',
    now: string,
    then: string,
    conversation: number,
  ): Phrase;
  /** The earlier conversation ended otherwise. */
  samePathVerdict(now: string, then: string, conversation: number): Phrase;
  /** A step that did something else: what it does here and what it did in the earlier conversation. */
  samePathStep(n: number, chain: string, now: Phrase, then: Phrase, conversation: number): Phrase;
  /** The summary of a repeated conversation's folded walk. */
  fullWalkSummary(conversation: number): Phrase;
  /** The summary of a packet's folded flowchart. */
  flowchartSummary(): Phrase;
  packetHeading(role: PacketRole, flow: string): Phrase;
  packetIntro(role: PacketRole, from: string, iif: string | null): Phrase;
  flowchartIntro(): Phrase;
  stageHeading(
    role: PacketRole,
    hook: HookName,
    fclass: FamilyClass,
    from: string | undefined,
  ): Phrase;
  stageIntro(hook: HookName, fclass: FamilyClass, iptables: boolean): Phrase;
  stageInferredIntro(hook: HookName): Phrase;
  /**
   * The comment line that stands, in a listing, for a long run of rules the packet passed over
   * without a match (`passedOver`) or never reached; plain text, it goes into the code block.
   */
  listingElided(count: number, passedOver: boolean): string;
  /**
   * The line that stands, in a site listing, for the folded lines of the `chains` regular
   * chains that the quiet base chain `base` led the packet through (steps first…last, `rows`
   * lines); plain text.
   */
  listingFolded(base: string, chains: number, first: number, last: number, rows: number): string;
  /** The line that stands, in a site listing, for `count` folded rules never reached. */
  listingUnreached(count: number): string;
  /** ip-family prerouting chains run from inside the bridge (br_netfilter). */
  brNetfilterPrerouting(bridge: string): Phrase;
  packetAtStart(flow: string, iif: string | null, oif: string | null): Phrase;
  packetNow(flow: string): Phrase;
  natChangeBetween(delta: NatDelta): Phrase;

  // Steps
  stepEnter(f: EnterFacts): Phrase;
  chainSees(flow: string): Phrase;
  /** `drop`: the policy's word as the ruleset writes it (`drop`, or iptables' `DROP`). */
  policyDropNote(chain: string, drop: string): Phrase;
  stepBecause(reasons: Phrase[], action: Phrase): Phrase;
  stepAlways(action: Phrase): Phrase;
  actJump(target: string): Phrase;
  actGoto(target: string): Phrase;
  actReturn(to: string | undefined): Phrase;
  actAccept(): Phrase;
  actNat(
    kind: string,
    to: string | undefined,
    result: string | undefined,
    iface: string | undefined,
    /** The statement's word as the ruleset writes it (`dnat`, or iptables' `DNAT`). */
    word: string,
  ): Phrase;
  actDrop(): Phrase;
  actReject(text: string): Phrase;
  actQueue(): Phrase;
  actContinue(statements: string[]): Phrase;
  laterBaseNote(): Phrase;
  jumpMeans(target: string, from: string): Phrase;
  gotoMeans(target: string, from: string, caller: string | undefined): Phrase;
  returnMeans(to: string): Phrase;
  acceptMeans(chain: string, base: string, later: ChainRef[]): Phrase;
  natMeans(kind: string): Phrase;
  dropMeans(): Phrase;
  passedOver(chain: string, count: number): Phrase;
  /** Every rule passed over, with the statement that failed and the fact that makes it fail. */
  /** `count` > 1: that many rules in a row fail on the same statement for the same reason. */
  /**
   * Why each rule passed over fails; `more`: rules left out of `why` at its end (a long run is
   * told by its first rules), counted in the total.
   */
  passedOverWhy(
    chain: string,
    why: { stmt: string; fact: Phrase; count?: number }[],
    more?: number,
  ): Phrase;
  implicitReturn(from: string, to: string): Phrase;
  implicitReturnShort(from: string, to: string): Phrase;
  /**
   * Steps first…last are unconditional jumps from `chain` to chains with no rules (firewalld's
   * empty zone chains): told as one item, numbered first–last.
   */
  emptyJumps(chain: string, targets: string[], first: number, last: number): Phrase;
  /** One step of such a run, in its folded detail: the chain jumped to and back from. */
  emptyJumpOne(target: string, chain: string): Phrase;
  /**
   * Steps from…last of base chain `chain`, which did nothing to the packet: its rules only led
   * on to the chains `reached` (jumps, gotos, returns), and its policy (`verdict`) applied.
   */
  quietChain(chain: string, reached: string[], from: number, last: number, verdict: string): Phrase;
  /** The summary of such a chain's folded steps. */
  quietChainSummary(first: number, last: number): Phrase;
  /** The summary of a run's folded detail. */
  emptyRunSummary(first: number, last: number): Phrase;
  stepPolicy(chain: string, verdict: string): Phrase;
  policyMeans(verdict: string): Phrase;
  ruleNotInRuleset(text: string): Phrase;
  notEnteredNatEstablished(chain: ChainRef, state: string): Phrase;
  notEnteredNatMapped(chain: ChainRef, by: string): Phrase;
  notEnteredDropped(chain: ChainRef): Phrase;
  notEnteredUnknown(chain: ChainRef): Phrase;

  // Why a rule matched
  reasonLocal(field: AddrField, addr: string, locals: LocalAddr[]): Phrase;
  reasonNotLocal(field: AddrField, addr: string, locals: LocalAddr[]): Phrase;
  reasonIface(dir: IfDir, name: string): Phrase;
  reasonIfaceIn(dir: IfDir, name: string, values: string[]): Phrase;
  reasonIfaceNot(dir: IfDir, name: string, values: string[]): Phrase;
  /** The packet has no such interface here (no input interface on the output path). */
  reasonNoIface(dir: IfDir): Phrase;
  reasonProto(proto: string): Phrase;
  reasonProtoNot(proto: string, values: string[]): Phrase;
  reasonFamily(f: string): Phrase;
  reasonAddr(field: AddrField, addr: string): Phrase;
  reasonAddrIn(field: AddrField, addr: string, set: string): Phrase;
  reasonAddrNot(field: AddrField, addr: string, value: string): Phrase;
  reasonPort(field: PortField, port: number): Phrase;
  reasonPortIn(field: PortField, port: number, set: string): Phrase;
  reasonPortNot(field: PortField, port: number, value: string): Phrase;
  reasonCtState(state: string): Phrase;
  reasonCtStateNot(state: string, values: string[]): Phrase;
  reasonCtStateOneOf(values: string[]): Phrase;
  reasonCtStatus(status: string[]): Phrase;
  /** The packet's ICMP type; `of`: the set it was found in; `not`: for a `!=` that held. */
  reasonIcmpType(type: string, of: string[] | undefined, not: boolean): Phrase;
  reasonTcpFlags(flags: string[]): Phrase;
  /** The packet's mark as the chain saw it (hex, as nft lists marks). */
  reasonMark(mark: string): Phrase;
  /** The element of a set that the packet's key matched. */
  reasonSetElement(set: string, element: string): Phrase;
  reasonSetNoElement(set: string): Phrase;
  reasonGeneric(text: string): Phrase;

  // Between hooks
  routeLocal(daddr: string, iface: string): Phrase;
  routeForward(
    daddr: string,
    oif: string,
    local: boolean,
    via: string | undefined,
    subnet: string | undefined,
  ): Phrase;
  routeInBridge(daddr: string, oif: string, bridge: string): Phrase;
  /**
   * Policy routing: the ip rule that decided (as `ip rule show` prints it) and its table;
   * `suppressed`: the priorities of rules that matched first but whose answer
   * suppress_prefixlength refused.
   */
  routeRule(rule: string, table: string, suppressed: number[]): Phrase;
  /** An output chain of type route changed the packet, so the kernel routes it again. */
  rerouteByChain(chain: ChainRef, changed: ('mark' | 'saddr' | 'daddr')[]): Phrase;
  ctNew(): Phrase;
  ctReply(state: string): Phrase;
  /** A later packet in the original direction of a connection conntrack already knows. */
  ctKnown(state: string): Phrase;
  /**
   * The bridge family's conntrack (nf_conntrack_bridge) tracks the bridged packet, at -200 in
   * bridge prerouting; a kernel without the module refuses `ct` in a bridge table.
   */
  ctBridge(): Phrase;
  /** Conntrack never saw the packet (no conntrack hook ran). */
  ctNone(): Phrase;
  /** The host's own ICMP error or reset carries the entry of the packet it answers. */
  ctAttached(state: string): Phrase;
  ctOther(state: string): Phrase;
  /**
   * Extension (segments): conntrack's TCP state after the packet: where it started (a new
   * entry), what it moved from, or that it stayed.
   */
  ctTcpState(state: string, from: string | undefined, created: boolean): Phrase;
  /** Why conntrack found a TCP segment invalid (ConntrackDetail.tcpInvalid). */
  ctTcpInvalid(kind: TcpInvalidKind): Phrase;
  /**
   * Extension (segments): a conversation of `count` listed segments, and those (1-based, with
   * their flags) the host dropped or rejected.
   */
  segmentsIntro(
    from: string,
    to: string,
    count: number,
    stopped: { n: number; flags: string[] }[],
  ): Phrase;
  /** A listed TCP segment: its flags, sequence and acknowledgement numbers, its data. */
  tcpSegment(flags: string[], seq: number, ack: number | undefined, payload: number): Phrase;
  ctConfirmed(replyFlow: string): Phrase;
  natReverse(kind: string, delta: NatDelta, hook: string | undefined): Phrase;
  bridgeLocal(bridge: string, port: string | undefined, gateway: string | undefined): Phrase;
  bridgeForward(bridge: string, inPort: string | undefined, outPort: string | undefined): Phrase;
  bridgeOut(bridge: string, port: string | undefined): Phrase;
  deliver(to: string, flow: string, socket: boolean | undefined): Phrase;
  deliverHost(flow: string, iface: string | undefined): Phrase;
  droppedReject(where: ChainRef): Phrase;
  droppedVerdict(where: ChainRef): Phrase;
  loopedBack(iface: string): Phrase;
  /**
   * The request leaves by the link it came in on: `sent`, the host sends the sender an ICMP
   * redirect (its own packet, told below); `rateLimited`, that used up the sender's ICMP rate
   * limit, so no ICMP error follows in this conversation. Neither: an IPv6 redirect, not walked.
   */
  icmpRedirect(sent: boolean, rateLimited: boolean): Phrase;
  /** `flow add @ft` put the connection into the flowtable; later packets on `devices` skip the hooks. */
  flowOffloaded(flowtable: string, devices: string[]): Phrase;
  /** `flow add @ft` did not offload (`reason`: nft_flow_offload_eval's conditions); the rule stops. */
  flowNotOffloaded(flowtable: string, reason: FlowRefusal): Phrase;
  /** The flowtable's ingress hook forwarded the packet itself (`delta`: NAT it applied). */
  flowFastPath(flowtable: string, dev: string, out: string, delta: NatDelta | undefined): Phrase;
  /** At a glance: the packet crosses no hook with a chain, the flowtable forwards it from `dev`'s ingress. */
  glanceFlowtable(flowtable: string, dev: string): Phrase;
  /** A FIN or RST ends the offloaded TCP flow: the packet goes the ordinary way. */
  flowTeardown(flowtable: string): Phrase;
  /** The redirect's own packet section: the kernel sends it, not a process. */
  packetIntroRedirect(): Phrase;
  /** An ICMP redirect about a NATed connection, dropped by the nat hook. */
  droppedNatRedirect(hook: string): Phrase;
  /** `icmp`: the ICMP type and code by name (`destination-unreachable`, `port-unreachable`). */
  rejectAnswer(kind: 'icmp' | 'rst', icmp: { type: string; code: string } | undefined): Phrase;
  natIcmpError(delta: NatDelta): Phrase;
  brNetfilterHook(bridge: string, hook: 'forward' | 'postrouting'): Phrase;
  bridgedAfterDnat(bridge: string): Phrase;
  packetIntroKernel(role: PacketRole): Phrase;
  dropped(reason: string): Phrase;
  /** A machine got a packet from its own address (a DNAT back to the sender) and drops it. */
  droppedMartian(machine: string, saddr: string): Phrase;
  sent(from: string, iface: string | undefined): Phrase;
  sentOut(to: string, iface: string | undefined, flow: string): Phrase;
  answers(machine: string, answer: string): Phrase;
  bridgeSkipPrerouting(bridge: string): Phrase;
  unsupported(
    what: string,
    chain: string | undefined,
    index: number | undefined,
    text: string | undefined,
    file: string | undefined,
    line: number | undefined,
  ): Phrase;
  /** A nat statement for a packet without a conntrack entry: it does nothing. */
  natWithoutConntrack(statement: string): Phrase;
  /** The machine the packet reached is not its destination, so nothing answers. */
  noAnswer(machine: string, daddr: string): Phrase;
  /** No machine answers for the next hop: the kernel's ICMP unreachable to the sender follows. */
  neighbourFailure(nexthop: string, sender: string): Phrase;
  sourceFallback(daddr: string, saddr: string): Phrase;
  /** (Traces read from the kernel) a chain traced that the listing does not show as a base chain. */
  kernelUnlistedChain(chain: ChainRef): Phrase;
  /** A rate or quota test nfwalk cannot measure: it assumes the first packets of a flow. */
  noteRateAssumed(kind: string, over: boolean): Phrase;
  /** Sysctls the scenario sets that nfwalk does not model. */
  noteSysctlIgnored(names: string[]): Phrase;
  /** A NAT statement of the other IP family in an inet table: it does nothing. */
  noteNatFamily(): Phrase;
  /** NAT with random/fully-random: the kernel picks the port. */
  noteRandomPort(flags: string[]): Phrase;
  /** A hook of an ip or bridge family the packet crosses where no chain is registered. */
  hookWithoutChains(family: string, hook: string): Phrase;
  /** numgen, jhash, symhash: nfwalk cannot know the value the kernel computes. */
  noteAssumption(kind: string): Phrase;
  /** A header rewritten in place by a payload statement. */
  noteMangle(target: string, from: string, to: string): Phrase;

  // Why the reply goes the way it does
  whyHeading(): Phrase;
  qNoNat(): Phrase;
  qRewrites(): Phrase;
  qInputAndForward(bridgeInput: ChainRef | undefined, ipForward: ChainRef | undefined): Phrase;
  qBridgeNotIpInput(
    bridgeInput: ChainRef,
    bridgePrio: number,
    ipInput: ChainRef,
    ipPrio: number,
  ): Phrase;
  natRecap(kind: string, hook: HookName, delta: NatDelta): Phrase;
  whyNoNat(skipped: ChainRef[], requestNat: Phrase[]): Phrase;
  whyUndo(
    delta: NatDelta,
    hook: HookName,
    seenBefore: { chain: ChainRef; priority: number } | undefined,
    seenAfter: { chain: ChainRef; priority: number } | undefined,
  ): Phrase;
  whyClientSees(flow: string, addr: string): Phrase;
  whyBridgeLocal(
    bridge: string,
    port: string | undefined,
    gateway: string | undefined,
    sender: string | undefined,
  ): Phrase;
  whyForwardNotInput(daddr: string, oif: string): Phrase;
  whyLayers(bridgePrio: number, ipPrio: number, ipInputs: ChainRef[]): Phrase;

  // Diagram labels (plain text)
  dgRouting(): Phrase;
  dgRoute(decision: string, oif: string | undefined): Phrase;
  dgLocalProcess(): Phrase;
  dgNoChain(chains: string[]): Phrase;
  dgDelivered(to: string): Phrase;
  dgLeaves(to: string): Phrase;
  dgDropped(): Phrase;
  dgRejected(): Phrase;
  dgUnsupported(): Phrase;
  dgConntrack(): Phrase;
  dgUndo(kind: string): Phrase;
  dgField(field: 'source' | 'destination' | 'both'): Phrase;
  dgL3(): Phrase;
  dgL2(): Phrase;
  dgUpToIp(): Phrase;
  dgDownToBridge(): Phrase;

  // At a glance: the answer first
  glanceIntro(role: PacketRole, flow: string): Phrase;
  colHook(): Phrase;
  colChains(): Phrase;
  colSeen(): Phrase;
  colCtNat(): Phrase;
  glanceNoChain(): Phrase;
  glanceCt(state: string): Phrase;
  whyLinks(): Phrase;
  conversationWord(n: number): string;
}
