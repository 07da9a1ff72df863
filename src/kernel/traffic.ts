/**
 * The scenario's sockets and conversations on the real kernel: small python3 programs run
 * with `ip netns exec`. Servers bind each address on its own (a UDP server bound to the
 * wildcard address would answer from the address the kernel picks, not the one asked), and
 * clients send one request from the scenario's source port and give up quickly (a TCP
 * connect timeout under a second, so the kernel never retransmits the SYN). A UDP server
 * whose reply the ruleset drops in output gets EPERM from sendto and carries on serving (it
 * used to die, and later conversations to its ports got a port unreachable: fuzz seed 316).
 */
import { ECHO_PAYLOAD } from '../packet/packet.ts';
import type { Listen, PacketSpec } from '../scenario/model.ts';
import { type Background, background, inNetns, run } from './exec.ts';
import { python } from './preflight.ts';

const SERVER = `
import socket, select, sys
socks, conns = [], []
for spec in sys.argv[1:]:
    proto, addr, port = spec.split(",")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    if proto == "tcp":
        s.listen(16)
    socks.append((proto, s))
print("ready", flush=True)
while True:
    r, _, _ = select.select([s for _, s in socks], [], [])
    for proto, s in socks:
        if s not in r:
            continue
        if proto == "udp":
            data, peer = s.recvfrom(65535)
            try:
                s.sendto(b"nfwalk reply", peer)
            except OSError:
                pass
        else:
            c, _ = s.accept()
            conns.append(c)
`;

const CLIENT = String.raw`
import socket, struct, sys, os
proto, saddr, sport, daddr, dport, ident = sys.argv[1:7]
fam = socket.AF_INET6 if ":" in daddr else socket.AF_INET
try:
    if proto == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((saddr, int(sport)))
        s.settimeout(0.5)
        s.sendto(b"nfwalk request", (daddr, int(dport)))
        try:
            s.recvfrom(65535)
        except OSError:
            pass
    elif proto == "tcp":
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((saddr, int(sport)))
        s.settimeout(0.6)
        try:
            s.connect((daddr, int(dport)))
        except OSError:
            pass
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    else:
        v6 = fam == socket.AF_INET6
        s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
        if saddr:
            s.bind((saddr, 0))
        body = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, int(ident), 1) + ${JSON.stringify(ECHO_PAYLOAD)}.encode()
        if not v6:
            padded = body + (b"\0" if len(body) % 2 else b"")
            words = sum(struct.unpack("!%dH" % (len(padded) // 2), padded))
            while words >> 16:
                words = (words & 0xffff) + (words >> 16)
            body = body[:2] + struct.pack("!H", ~words & 0xffff) + body[4:]
        s.settimeout(0.5)
        s.sendto(body, (daddr, 0))
        try:
            s.recvfrom(65535)
        except OSError:
            pass
except OSError as e:
    print("client:", e, file=sys.stderr)
print("done", flush=True)
`;

/**
 * One server process in a namespace, for every (protocol, address, port) given. `track` gets
 * the process as soon as it exists, so it is stopped even if it never gets ready.
 */
export async function startServers(
  ns: string,
  sockets: { listen: Listen; address: string }[],
  track: (server: Background) => void,
): Promise<void> {
  if (sockets.length === 0) return;
  const args = sockets.map(({ listen, address }) => `${listen.protocol},${address},${listen.port}`);
  const server = background(inNetns(ns, [python()!, '-c', SERVER, ...args]));
  track(server);
  await server.waitFor('ready', 5000);
}

/**
 * Sends one conversation's request from `ns` and waits for its answer (or gives up). An echo
 * request carries the identifier and payload the simulator gives it (conversation.ts), so its
 * checksum — what `th dport` reads on ICMP — is the same on both sides.
 */
export async function sendRequest(ns: string, p: PacketSpec, echoId: number): Promise<void> {
  const proto = p.protocol === 'icmpv6' ? 'icmp' : p.protocol;
  await run(
    inNetns(ns, [
      python()!,
      '-c',
      CLIENT,
      proto,
      p.saddr ?? '',
      String(p.sport ?? 0),
      p.to,
      String(p.dport ?? 0),
      String(echoId),
    ]),
    {
      timeoutMs: 5000,
    },
  );
}
