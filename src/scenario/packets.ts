/** The `packets:` section: one conversation each, in order. */
import { parseAddress } from './addresses.ts';
import type { PacketProtocol, PacketSpec, SegmentSpec } from './model.ts';
import { readSegments } from './segments.ts';
import { keysOf, PACKET, requiredOf, PROTOCOLS as SHAPE_PROTOCOLS } from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

const PACKET_KEYS = keysOf(PACKET);
const PROTOCOLS: readonly PacketProtocol[] = SHAPE_PROTOCOLS;

/** A packet as read, with the nodes later cross-checks point at. */
export interface ReadPacket {
  spec: PacketSpec;
  entries: Map<string, Entry>;
  family?: 4 | 6;
}

export function readPackets(r: Reader, entry: Entry | undefined): ReadPacket[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  if (list.items.length === 0) r.error(list.node, 'packets must list at least one conversation');
  const out: ReadPacket[] = [];
  list.items.forEach((item, i) => {
    const path = `packets[${i}]`;
    const m = r.map(item, path, PACKET_KEYS, requiredOf(PACKET), list.node);
    if (!m) return;
    const fromEntry = m.get('from');
    const from = fromEntry ? r.string(fromEntry) : undefined;
    const toEntry = m.get('to');
    const toText = toEntry ? r.string(toEntry) : undefined;
    let to: string | undefined;
    let family: 4 | 6 | undefined;
    if (toText !== undefined && toEntry) {
      const a = parseAddress(toText);
      if ('error' in a) r.error(toEntry.value, `${toEntry.path}: ${a.error}`);
      else {
        to = a.address;
        family = a.family;
      }
    }
    const protoEntry = m.get('protocol');
    const protoText = protoEntry ? r.string(protoEntry) : undefined;
    let protocol: PacketProtocol | undefined;
    if (protoText !== undefined && protoEntry) {
      if ((PROTOCOLS as readonly string[]).includes(protoText))
        protocol = protoText as PacketProtocol;
      else
        r.error(
          protoEntry.value,
          `${protoEntry.path} must be one of ${PROTOCOLS.join(', ')}, not "${protoText}"`,
        );
    }
    if (protocol && family && protoEntry) {
      if (protocol === 'icmp' && family === 6)
        r.error(protoEntry.value, `${path}: ${to} is IPv6; use protocol icmpv6`);
      if (protocol === 'icmpv6' && family === 4)
        r.error(protoEntry.value, `${path}: ${to} is IPv4; use protocol icmp`);
    }
    const ports: { sport?: number; dport?: number } = {};
    for (const key of ['sport', 'dport'] as const) {
      const e = m.get(key);
      if (protocol === 'tcp' || protocol === 'udp') {
        if (!e) r.error(item, `${path}: a ${protocol} packet needs "${key}"`);
        else {
          const v = r.integer(e, 1, 65535);
          if (v !== undefined) ports[key] = v;
        }
      } else if (e && protocol) {
        r.error(e.key, `${path}: "${key}" has no meaning for ${protocol}`);
      }
    }
    let saddr: string | undefined;
    const saddrEntry = m.get('saddr');
    if (saddrEntry) {
      const text = r.string(saddrEntry);
      if (text !== undefined) {
        const a = parseAddress(text);
        if ('error' in a) r.error(saddrEntry.value, `${saddrEntry.path}: ${a.error}`);
        else if (family && a.family !== family) {
          r.error(
            saddrEntry.value,
            `${saddrEntry.path}: ${a.address} and the destination ${to} are of different families`,
          );
        } else saddr = a.address;
      }
    }
    const segmentsEntry = m.get('segments');
    let segments: SegmentSpec[] | undefined;
    if (segmentsEntry) segments = readSegments(r, segmentsEntry, protocol);
    if (from === undefined || to === undefined || protocol === undefined) return;
    const span = r.span(item);
    out.push({
      spec: {
        from,
        to,
        protocol,
        ...ports,
        ...(saddr !== undefined ? { saddr } : {}),
        ...(segments ? { segments } : {}),
        ...(span ? { span } : {}),
      },
      entries: m,
      ...(family ? { family } : {}),
    });
  });
  return out;
}
