/**
 * The kernel side of a conversation that lists its TCP segments (scenario extension
 * `segments`): each segment is written by a raw socket (IPPROTO_TCP, the kernel adds the IP
 * header) from the namespace of its sender, with the sequence numbers the simulator gives it
 * (src/netfilter/walk/segments.ts). Neither end's TCP stack may answer them on its own (a SYN
 * would get a SYN-ACK, a stray ACK a RST): each end holds its address and port with a
 * listening socket whose socket filter drops every segment (SO_ATTACH_FILTER, `ret #0`);
 * tcp_v4_rcv and tcp_v6_rcv run the filter (tcp_filter) before the listener would answer, and
 * after the input hooks, so the host's netfilter sees each segment as sent.
 * A segment NAT sends elsewhere reaches a machine that holds no port for it: a DNAT to a
 * third machine, whose stack would answer a SYN with a RST (or a SYN-ACK), and that RST, the
 * only reply the connection has seen, has the host's conntrack kill the entry
 * (nf_conntrack_tcp_packet: "If only reply is a RST ... delete the conntrack immediately").
 * So every segment carries DSCP 1 (TOS 0x04; it survives NAT and the crossing into another
 * namespace, where the mark does not) and every machine's namespace drops such packets in
 * prerouting (quietMachines): no machine's stack sees a segment, only the host's netfilter.
 * A segment redirected to a port of the host that nobody holds gets a RST from the host's own
 * stack, with the segment's DSCP: the host's trace tables drop it first in output (see
 * SEGMENT_TTL), before conntrack or any traced chain.
 */
import type { TcpHeader } from '../packet/packet.ts';
import { type Background, background, inNetns, run } from './exec.ts';
import { python } from './preflight.ts';

const HOLD = `
import socket, struct, sys, ctypes, time
held = []
for spec in sys.argv[1:]:
    addr, port = spec.rsplit(",", 1)
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    drop = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0), 8)
    s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", 1, ctypes.addressof(drop)))
    s.bind((addr, int(port)))
    s.listen(16)
    held.append((s, drop))
print("ready", flush=True)
while True:
    time.sleep(3600)
`;

/** The TOS (traffic class) byte of every segment: DSCP 1, ECN 0. */
export const SEGMENT_DSCP = 1;
const SEGMENT_TOS = SEGMENT_DSCP << 2;
/**
 * The TTL (hop limit) every segment leaves its sender with: not the default 64 of the
 * packets the host's TCP stack writes, which copy a segment's DSCP into the RST that answers
 * it (tcp_v4_send_reset: arg.tos; tcp_v6_send_reset: the traffic class). See
 * trace-tables.ts, which drops those in the host's output before anything sees them.
 */
export const SEGMENT_TTL = 65;

const SEND = String.raw`
import socket, struct, sys
saddr, sport, daddr, dport, seq, ack, bits, win, length = sys.argv[1:10]
v6 = ":" in daddr
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((saddr, 0))
# DSCP 1: the machines' namespaces drop it (quietMachines). IPV6_TCLASS is 67.
s.setsockopt(socket.IPPROTO_IPV6, 67, ${SEGMENT_TOS}) if v6 else s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, ${SEGMENT_TOS})
# IPV6_UNICAST_HOPS is 16.
s.setsockopt(socket.IPPROTO_IPV6, 16, ${SEGMENT_TTL}) if v6 else s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ${SEGMENT_TTL})
seg = struct.pack("!HHIIBBHHH", int(sport), int(dport), int(seq), int(ack), 5 << 4, int(bits), int(win), 0, 0) + b"n" * int(length)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 7, 16)
else:
    b = socket.inet_aton(saddr) + socket.inet_aton(daddr) + struct.pack("!BBH", 0, 6, len(seg)) + seg
    b += b"\0" * (len(b) % 2)
    c = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    seg = seg[:16] + struct.pack("!H", ~c & 0xffff) + seg[18:]
try:
    s.sendto(seg, (daddr, 0))
except PermissionError:
    # EPERM: the sender's own output hook dropped it (NF_DROP on a locally generated packet);
    # the trace already has the drop.
    pass
`;

const BITS: Record<string, number> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32 };

/** Drops, in a machine's namespace, every segment before its stack or conntrack sees it. */
const QUIET = `table inet nfwalk_quiet {
  chain segments {
    type filter hook prerouting priority -450; policy accept;
    ip dscp ${SEGMENT_DSCP} drop
    ip6 dscp ${SEGMENT_DSCP} drop
  }
}
`;

/** Makes the machines' namespaces ignore segments (see the top of this file). */
export async function quietMachines(namespaces: Iterable<string>): Promise<void> {
  for (const ns of namespaces) await run(inNetns(ns, ['nft', '-f', '-']), { input: QUIET });
}

/** Holds (address, port) pairs in a namespace so its TCP stack answers no segment. */
export async function holdPorts(
  ns: string,
  ends: readonly { address: string; port: number }[],
  track: (p: Background) => void,
): Promise<void> {
  if (ends.length === 0) return;
  const p = background(
    inNetns(ns, [python()!, '-c', HOLD, ...ends.map((e) => `${e.address},${e.port}`)]),
  );
  track(p);
  await p.waitFor('ready', 5000);
}

/** Writes one segment from `ns`. */
export async function sendSegment(
  ns: string,
  from: { address: string; port: number },
  to: { address: string; port: number },
  tcp: TcpHeader,
): Promise<void> {
  const bits = tcp.flags.reduce((n, f) => n | (BITS[f] ?? 0), 0);
  const args = [from.address, from.port, to.address, to.port, tcp.seq, tcp.ackSeq, bits];
  args.push(tcp.window, tcp.payload ?? 0);
  await run(inNetns(ns, [python()!, '-c', SEND, ...args.map(String)]), { timeoutMs: 5000 });
}
