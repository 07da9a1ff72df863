/**
 * From the kernel's trace messages of one conversation to the packets of trace JSON.
 *
 * Messages are first grouped into base chain runs (a `packet:` line opens one) and the runs
 * into packets. A packet keeps its trace id along its path, except where the kernel hands it
 * on as another skb (bridge input → ip forward, for one): a run with an unseen id whose
 * headers equal those a packet last showed continues that packet. Then the conversation is
 * picked out: the request, the ICMP redirect the host sent its sender (a hairpin), the first
 * packet that answers it (reply, ICMP error or reset), and the host's ICMP error or reset
 * answering that answer when the host rejects it.
 * Later packets (the TCP client's ACK, its closing RST) are not part of a conversation.
 */

import type {
  EnterEvent,
  PacketRole,
  PacketTrace,
  PolicyEvent,
  RuleEvent,
  TraceEvent,
} from '../netfilter/trace.ts';
import type { PacketSpec, SegmentSpec } from '../scenario/model.ts';
import { type MonitorLine, parseMonitorTrace, type TraceHeaders } from './monitor-parse.ts';
import type { RulesetIndex } from './ruleset-index.ts';

/** The tables the harness adds to set nftrace; never part of the compared trace. */
export const TRACE_TABLE = 'nfwalk_trace';

export interface ChainRun {
  id: string;
  family: MonitorLine['family'];
  table: string;
  chain: string;
  headers: TraceHeaders;
  lines: MonitorLine[];
}

export interface KernelPacket {
  /** Offset of its first line in the monitor's output. */
  offset: number;
  runs: ChainRun[];
  ids: Set<string>;
  first: TraceHeaders;
  last: TraceHeaders;
}

function sameSkb(a: TraceHeaders, b: TraceHeaders): boolean {
  // NAT rewrites addresses and ports, never the IPv4 id, the length, the protocol or flags.
  if (a.protocol !== b.protocol || a.length !== b.length || a.l3 !== b.l3) return false;
  if (String(a.tcpFlags) !== String(b.tcpFlags) || a.icmpType !== b.icmpType) return false;
  return a.l3 !== 'ip' || a.ipId === b.ipId;
}

function sameHeaders(a: TraceHeaders, b: TraceHeaders): boolean {
  return (
    sameSkb(a, b) &&
    a.saddr === b.saddr &&
    a.daddr === b.daddr &&
    a.sport === b.sport &&
    a.dport === b.dport
  );
}

/** The same packet after one NAT step: one end (address and port) kept, the other rewritten. */
function afterNat(a: TraceHeaders, b: TraceHeaders): boolean {
  if (!sameSkb(a, b)) return false;
  const source = a.saddr === b.saddr && a.sport === b.sport;
  const destination = a.daddr === b.daddr && a.dport === b.dport;
  return source || destination;
}

const ND_MLD = /^(?:nd-|mld|mld2-|ind-|router-solicitation|router-advertisement)/;

/**
 * Link-local control traffic the kernel sends on its own: MLD reports (to ff02::16, after a
 * device joins a group, at random times up to a second later), neighbour discovery, router
 * solicitations, IGMP. No conversation is multicast (the simulator refuses multicast), so
 * nothing of it belongs to one; measured in the IPv6 router fixture: the host's MLD reports
 * cross the ruleset's output chain, several with one trace id.
 */
export function isLinkNoise(h: TraceHeaders): boolean {
  const d = h.daddr ?? '';
  if (h.l3 === 'ip6' && (d.startsWith('ff') || h.saddr === '::')) return true;
  if (h.l3 === 'ip' && /^(22[4-9]|23\d)\./.test(d)) return true;
  return h.protocol === 'icmpv6' && ND_MLD.test(h.icmpType ?? '');
}

/** Groups trace messages into packets, in the order each packet was first seen. */
export function groupPackets(lines: readonly MonitorLine[]): KernelPacket[] {
  const packets: KernelPacket[] = [];
  const byId = new Map<string, KernelPacket>();
  // Rule and policy lines belong to the latest run in their table with their trace id (null: a
  // run of link noise, whose lines are dropped). Keyed by table as well as id (not by chain: a
  // rule line names the regular chain it sits in): one id can serve two packets at once (the
  // kernel derives it from the skb's address), and their lines interleave.
  const runByKey = new Map<string, ChainRun | null>();
  const keyOf = (l: MonitorLine) => `${l.id} ${l.family} ${l.table}`;
  for (const line of lines) {
    if (line.kind === 'packet' && isLinkNoise(line.headers)) {
      runByKey.set(keyOf(line), null);
      continue;
    }
    if (line.kind === 'packet') {
      const h = line.headers;
      let packet = byId.get(line.id);
      if (packet && !sameSkb(packet.last, h)) packet = undefined;
      // A new trace id: the same packet handed on as another skb, maybe rewritten by NAT in
      // between (a reply de-NATed in prerouting, seen again in input or forward).
      // Not one that already crossed this chain: a handed-on skb goes on along its path, while
      // a packet of the same flow entering a chain again is another packet (seed 374: a
      // SYN-ACK retransmitted a second later, IPv4 id 0 like the first, is not the next
      // conversation's reply after NAT).
      // The trace table's ip prerouting chain is exempt: at the first priority it runs
      // before ip_sabotage_in, so a bridged packet going up to the host crosses it twice.
      // Only that chain: the host's ICMPv6 errors about packets queued on one neighbour are
      // sent together when it fails (seed 487), with equal headers (IPv6 has no id), and the
      // second must not continue the first from the trace table's output chain on.
      const exempt = line.table === TRACE_TABLE && line.chain === 'pre' && line.family !== 'bridge';
      const crossed = (p: KernelPacket) =>
        !exempt &&
        p.runs.some(
          (r) => r.family === line.family && r.table === line.table && r.chain === line.chain,
        );
      for (const same of [sameHeaders, afterNat]) {
        for (let i = packets.length - 1; i >= 0 && !packet; i--) {
          if (same(packets[i]!.last, h) && !crossed(packets[i]!)) packet = packets[i];
        }
      }
      if (!packet) {
        packet = { offset: line.offset ?? 0, runs: [], ids: new Set(), first: h, last: h };
        packets.push(packet);
      }
      const run: ChainRun = {
        id: line.id,
        family: line.family,
        table: line.table,
        chain: line.chain,
        headers: h,
        lines: [],
      };
      packet.runs.push(run);
      packet.ids.add(line.id);
      packet.last = h;
      byId.set(line.id, packet);
      runByKey.set(keyOf(line), run);
    } else {
      runByKey.get(keyOf(line))?.lines.push(line);
    }
  }
  return packets;
}

/** Whether a packet's first headers are those of the conversation's request. */
function isRequest(p: KernelPacket, spec: PacketSpec): boolean {
  const h = p.first;
  if (h.daddr !== spec.to) return false;
  if (spec.saddr !== undefined && h.saddr !== spec.saddr) return false;
  if (spec.protocol === 'icmp' || spec.protocol === 'icmpv6') {
    return h.protocol === spec.protocol && /echo-request/.test(h.icmpType ?? '');
  }
  return h.protocol === spec.protocol && h.dport === spec.dport && h.sport === spec.sport;
}

const ICMP_ERRORS = /unreachable|time-exceeded|parameter-problem|packet-too-big|admin-prohibited/;

/**
 * Whether `p` answers the request: addressed back to where the request came from (as any
 * chain saw either of them: NAT may rewrite both on the way), or an ICMP error about it.
 */
function answers(p: KernelPacket, request: KernelPacket): boolean {
  const asked = request.runs.map((r) => r.headers);
  const seen = p.runs.map((r) => r.headers);
  const sources = new Set(asked.map((s) => s.saddr));
  const h = p.first;
  if (isIcmpError(h)) return seen.some((x) => sources.has(x.daddr));
  if (h.protocol !== request.first.protocol) return false;
  if (h.protocol === 'icmp' || h.protocol === 'icmpv6') {
    return /echo-reply/.test(h.icmpType ?? '') && seen.some((x) => sources.has(x.daddr));
  }
  return seen.some((x) =>
    asked.some((q) => x.daddr === q.saddr && x.dport === q.sport && x.sport === q.dport),
  );
}

function isIcmpError(h: TraceHeaders): boolean {
  return (h.protocol === 'icmp' || h.protocol === 'icmpv6') && ICMP_ERRORS.test(h.icmpType ?? '');
}

export function roleOf(p: KernelPacket): PacketRole {
  const h = p.first;
  if ((h.protocol === 'icmp' || h.protocol === 'icmpv6') && ICMP_ERRORS.test(h.icmpType ?? ''))
    return 'icmp-error';
  if (h.protocol === 'tcp' && h.tcpFlags?.includes('rst')) return 'reset';
  return 'reply';
}

/** The request and its answer, picked out of everything traced during the conversation. */
export function conversationPackets(
  packets: readonly KernelPacket[],
  spec: PacketSpec,
): { packet: KernelPacket; role: PacketRole }[] {
  const reqAt = packets.findIndex((p) => isRequest(p, spec));
  if (reqAt < 0) return [];
  const request = packets[reqAt]!;
  const out: { packet: KernelPacket; role: PacketRole }[] = [{ packet: request, role: 'request' }];
  const later = packets.slice(reqAt + 1);
  // ip_forward sends the redirect before the forward hook: it follows the packet it is about.
  const redirectOf = (p: KernelPacket) => {
    const r = later.find((x) => x.offset > p.offset && isRedirectFor(x, p));
    if (r) out.push({ packet: r, role: 'redirect' });
  };
  redirectOf(request);
  const answer = later.find((p) => answers(p, request));
  if (answer) {
    out.push({ packet: answer, role: roleOf(answer) });
    redirectOf(answer);
    // A reject of the answer on the host: its ICMP error or RST (to the host itself over lo,
    // when the answer is the host's own). Measured (fuzz seed 354): the RST of the host's
    // closed port, `reject` in output → an ICMP port unreachable from the host to itself.
    // Or the ICMP unreachable the host sends the answer's sender when no neighbour answers
    // for the answer's next hop (ipv4_link_failure, seconds later).
    const again = later.find(
      (p) =>
        p !== answer &&
        isHostAnswer(p) &&
        answers(p, answer) &&
        (rejected(answer) || isIcmpError(p.first)),
    );
    if (again) out.push({ packet: again, role: roleOf(again) });
  }
  return out;
}

/** Whether a rule of the ruleset rejected the packet (a `reject` rule's drop). */
function rejected(p: KernelPacket): boolean {
  return p.runs.some((r) =>
    r.lines.some((l) => l.kind === 'rule' && l.verdict === 'drop' && /\breject\b/.test(l.text)),
  );
}

/**
 * Made by the host's kernel (first seen in output, no input device) as an ICMP error or a
 * RST. Only looked for when a reject dropped the answer: not the client's ACK or closing RST
 * after a SYN-ACK (the host's own, when the host is the client: gallery ufw-host).
 */
function isHostAnswer(p: KernelPacket): boolean {
  if (p.first.iif !== null) return false;
  return (
    isIcmpError(p.first) || (p.first.protocol === 'tcp' && !!p.first.tcpFlags?.includes('rst'))
  );
}

/**
 * The ICMP redirect the host sends the request's sender when it forwards the request back
 * out of the link it came in on (ip_rt_send_redirect), addressed to the source any chain saw
 * the request with.
 */
function isRedirectFor(p: KernelPacket, request: KernelPacket): boolean {
  const h = p.first;
  if (h.protocol !== 'icmp' || h.icmpType !== 'redirect') return false;
  return request.runs.some((r) => r.headers.saddr === h.daddr);
}

/** The compared events of one packet: enter, rule and policy per base chain run. */
export function packetEvents(p: KernelPacket, index: RulesetIndex): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const run of p.runs) {
    if (run.table === TRACE_TABLE) continue;
    const info = index.baseChain(run.family, run.table, run.chain);
    if (!info) {
      events.push({
        type: 'note',
        message: `the kernel traced ${run.family} ${run.table} ${run.chain}, which its listing does not show as a base chain`,
        detail: {
          kind: 'kernel-unlisted-chain',
          family: run.family,
          table: run.table,
          chain: run.chain,
        },
      });
      continue;
    }
    const h = run.headers;
    const enter: EnterEvent = {
      type: 'enter',
      family: run.family,
      table: run.table,
      chain: run.chain,
      hook: info.hook,
      priority: info.priority,
      packet: {
        iif: h.iif,
        oif: h.oif,
        saddr: h.saddr ?? '',
        daddr: h.daddr ?? '',
        protocol: h.protocol ?? '',
        sport: h.sport,
        dport: h.dport,
      },
    };
    events.push(enter);
    for (const line of run.lines) {
      if (line.kind === 'rule') {
        const idx =
          line.handle === null
            ? undefined
            : index.ruleIndex(line.family, line.table, line.chain, line.handle);
        const rule: RuleEvent = {
          type: 'rule',
          family: line.family,
          table: line.table,
          chain: line.chain,
          index: idx ?? -1,
          verdict: line.verdict,
          text: line.text,
        };
        events.push(rule);
      } else if (line.kind === 'policy') {
        const policy: PolicyEvent = {
          type: 'policy',
          family: line.family,
          table: line.table,
          chain: line.chain,
          verdict: line.verdict === 'drop' ? 'drop' : 'accept',
        };
        events.push(policy);
      }
    }
  }
  return events;
}

export function assembleConversation(
  lines: readonly MonitorLine[],
  spec: PacketSpec,
  index: RulesetIndex,
): PacketTrace[] {
  return tracePackets(conversationPackets(groupPackets(lines), spec), index);
}

function tracePackets(
  picked: { packet: KernelPacket; role: PacketRole }[],
  index: RulesetIndex,
): PacketTrace[] {
  return picked.map(({ packet, role }) => ({ role, events: packetEvents(packet, index) }));
}

/**
 * Every conversation of a run from the monitor's whole output. `starts[i]` is the output's
 * length when conversation i was sent: its lines are those printed from there until the next
 * one was sent. Packets are grouped within a conversation only: two conversations can hold
 * packets the trace cannot tell apart (the same ICMPv6 error twice: IPv6 has no id field), and
 * the trace id of one packet may come back for a later one.
 */
export function assembleRun(
  text: string,
  specs: readonly PacketSpec[],
  starts: readonly number[],
  index: RulesetIndex,
  segmentStarts: readonly (readonly number[])[] = [],
): PacketTrace[][] {
  return specs.map((spec, i) => {
    const end = starts[i + 1] ?? text.length;
    const segs = segmentStarts[i];
    if (spec.segments && segs) {
      return spec.segments.flatMap((seg, j) => {
        const window = text.slice(segs[j] ?? end, segs[j + 1] ?? end);
        const packets = groupPackets(parseMonitorTrace(window));
        return tracePackets(segmentPackets(packets, spec, seg), index);
      });
    }
    const window = text.slice(starts[i] ?? 0, end);
    return assembleConversation(parseMonitorTrace(window), spec, index);
  });
}

/**
 * A listed segment (scenario extension `segments`) among what was traced while it was sent:
 * the TCP packet with its flags between the conversation's ports, in its direction, the ICMP
 * redirect the host sent about it (a hairpin), then what the host sent in answer to it (a
 * reject's RST or ICMP error).
 */
export function segmentPackets(
  packets: readonly KernelPacket[],
  spec: PacketSpec,
  seg: SegmentSpec,
): { packet: KernelPacket; role: PacketRole }[] {
  const there = seg.dir === 'request';
  const [sport, dport] = there ? [spec.sport, spec.dport] : [spec.dport, spec.sport];
  const flags = [...seg.flags].sort().join();
  const at = packets.findIndex(
    (p) =>
      p.first.protocol === 'tcp' &&
      p.first.sport === sport &&
      p.first.dport === dport &&
      [...(p.first.tcpFlags ?? [])].sort().join() === flags,
  );
  if (at < 0) return [];
  const segment = packets[at]!;
  const out: { packet: KernelPacket; role: PacketRole }[] = [
    { packet: segment, role: there ? 'request' : 'reply' },
  ];
  // A segment the host forwards back out of the link it came from: the ICMP redirect
  // ip_forward sends before the forward hook follows it, as in conversationPackets.
  const redirect = packets.find((x) => x.offset > segment.offset && isRedirectFor(x, segment));
  if (redirect) out.push({ packet: redirect, role: 'redirect' });
  // What the host sent about it: a reject's RST or ICMP error, or the ICMP unreachable of a
  // neighbour that never answered (ipv4_link_failure, seconds later).
  const again = packets
    .slice(at + 1)
    .find(
      (p) => isHostAnswer(p) && answers(p, segment) && (rejected(segment) || isIcmpError(p.first)),
    );
  if (again) {
    out.push({ packet: again, role: roleOf(again) });
    // The host's RST may meet a next hop no machine answers for in turn: the ICMP
    // unreachable about it goes to the RST's source (fuzz seed 620), as after an answer in
    // conversationPackets. No ICMP error is sent about an ICMP error.
    const error =
      roleOf(again) === 'reset'
        ? packets.find(
            (p) =>
              p.offset > again.offset &&
              isHostAnswer(p) &&
              isIcmpError(p.first) &&
              answers(p, again),
          )
        : undefined;
    if (error) out.push({ packet: error, role: 'icmp-error' });
  }
  return out;
}
