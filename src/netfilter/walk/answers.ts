/**
 * Packets the kernel makes in answer to another: the RST of a reject or of a closed TCP port,
 * and ICMP errors (reject, closed UDP port, no route). They carry the packet they answer's
 * conntrack entry as related (nf_ct_attach), when given one.
 */
import type { CtAttachment } from '../../conntrack/table.ts';
import type { Packet } from '../../packet/packet.ts';
import { ICMP_CODE_NUMBERS, ICMPV6_CODE_NUMBERS } from '../../ruleset/icmp-types.ts';
import { clonePacket, makePacket, type Skb, swappedChosen } from './skb.ts';

/** The ICMP code of a reject (nft_reject: port-unreachable by default; icmpx mapped). */
export function icmpCode(family: 'ip' | 'ip6', type?: string, code?: string): number {
  // icmpx: no-route, port-unreachable, host-unreachable, admin-prohibited.
  const icmpx4: Record<string, number> = {
    'no-route': 0,
    'port-unreachable': 3,
    'host-unreachable': 1,
    'admin-prohibited': 13,
  };
  const icmpx6: Record<string, number> = {
    'no-route': 0,
    'port-unreachable': 4,
    'host-unreachable': 3,
    'admin-prohibited': 1,
  };
  const name = code ?? 'port-unreachable';
  if (/^\d+$/.test(name)) return Number(name);
  if (type === 'icmpx' || type === undefined)
    return (family === 'ip' ? icmpx4 : icmpx6)[name] ?? (family === 'ip' ? 3 : 4);
  return (
    (family === 'ip' ? ICMP_CODE_NUMBERS : ICMPV6_CODE_NUMBERS)[name] ?? (family === 'ip' ? 3 : 4)
  );
}

/** The conntrack a kernel-made answer carries (nf_ct_attach: related, opposite direction). */
function attachRelated(ct: CtAttachment | undefined): CtAttachment | undefined {
  if (!ct) return undefined;
  return {
    conn: ct.conn,
    direction: ct.direction === 'original' ? 'reply' : 'original',
    info: 'related',
  };
}

export function answerSkb(
  p: Packet,
  saddr: string,
  daddr: string,
  opts: { rst: true },
  ct?: CtAttachment,
): Skb {
  const pkt = makePacket({
    family: p.family,
    protocol: 'tcp',
    saddr,
    daddr,
    ...(p.dport !== undefined ? { sport: p.dport } : {}),
    ...(p.sport !== undefined ? { dport: p.sport } : {}),
    tcpFlags: opts.rst ? ['rst', 'ack'] : ['syn', 'ack'],
  });
  Object.assign(pkt, swappedChosen(p));
  const at = attachRelated(ct);
  return { pkt, mark: 0, local: true, passes: 0, ...(at ? { ct: at } : {}) };
}

export function icmpErrorSkb(p: Packet, saddr: string, code: number, ct?: CtAttachment): Skb {
  const inner = clonePacket(p);
  delete inner.ether;
  const pkt = makePacket({
    family: p.family,
    protocol: p.family === 'ip' ? 'icmp' : 'icmpv6',
    saddr,
    daddr: p.saddr,
    icmp: { type: p.family === 'ip' ? 3 : 1, code, inner },
  });
  pkt.dscp = p.family === 'ip' ? 48 : 0;
  const at = attachRelated(ct);
  return { pkt, mark: 0, local: true, passes: 0, ...(at ? { ct: at } : {}) };
}

/**
 * The ICMP host redirect ip_rt_send_redirect has icmp_send make (type 5, code 1, the gateway
 * in the header's rest): sent by the kernel's ICMP socket, quoting the packet as forwarded
 * (after DNAT), with the packet's conntrack entry attached as related (icmp_glue_bits →
 * nf_ct_attach, as for any ICMP error type) and the tos of an ICMP error (DSCP 48).
 */
export function redirectSkb(p: Packet, saddr: string, gateway: string, ct?: CtAttachment): Skb {
  const inner = clonePacket(p);
  delete inner.ether;
  const pkt = makePacket({
    family: 'ip',
    protocol: 'icmp',
    saddr,
    daddr: p.saddr,
    icmp: { type: 5, code: 1, inner, gateway },
  });
  pkt.dscp = 48;
  const at = attachRelated(ct);
  return { pkt, mark: 0, local: true, passes: 0, icmpSocket: true, ...(at ? { ct: at } : {}) };
}
