/**
 * Disagreements the differential fuzzer found in issue 17's widened model (TCP segments and
 * policy routing), each reduced to a small case in test/kernel/fixtures/widened/ and fixed in
 * the simulator: without root, the simulator's answer the kernel source gives (each case's
 * `expect` below); with root, the whole case against this kernel, event by event.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTraces } from '../../src/kernel/compare.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import type { Trace } from '../../src/netfilter/trace.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { agreement, kernelSkipReason } from './kernel-env.ts';

const root = new URL('./fixtures/widened/', import.meta.url).pathname;
const simulate = (name: string) =>
  walk(readSources(scenarioFileSources(join(root, `${name}.yaml`))));

/** Each packet of a conversation: its role, then the verdict and chain of every rule it met. */
function verdicts(t: Trace, conversation: number): string[] {
  return (t.conversations[conversation]?.packets ?? []).map((p) =>
    [
      p.role,
      ...p.events.flatMap((e) =>
        e.type === 'rule' ? [`${e.chain}[${e.index}] ${e.verdict}`] : [],
      ),
    ].join(' '),
  );
}

const cases: Record<string, (t: Trace) => void> = {
  // nf_conntrack_proto_tcp.c, tcp_in_window (Linux ≥ 6.0): a SEQ under the window's lower
  // bound and an ACK under its lower bound are NFCT_TCP_IGNORE — the segment keeps its
  // (established) entry; only a SEQ over the upper bound is invalid.
  'old-segments-ignored': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request input[2] accept',
      'reply',
      'request input[1] accept',
      'request input[1] accept',
      'request input[1] accept',
      'request input[1] accept',
      'request input[0] drop',
    ]),
  // nft_fib_ipv4.c, nft_fib4_eval: the lookup's fl4.saddr is the packet's other address
  // (get_saddr), so an ip rule `from 192.168.1.0/24` sends `fib daddr oifname` to table 100
  // and wan1; in forward a reverse lookup's iif is the output device. nft_fib4_eval_type →
  // inet_dev_addr_type reads only the local table: an address with no route is unicast,
  // never unreachable.
  'fib-policy': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request pre[0] continue pre[1] continue pre[3] continue forward_check[1] continue',
      'reply pre[1] continue pre[3] continue',
    ]),
  // nft_fib4_eval/nft_fib6_eval in prerouting: a packet looped back through lo
  // (nft_fib_is_loopback) gets lo as its answer before any lookup — not `missing`.
  'fib-loopback': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request pre[1] continue pre[2] continue',
      'reply pre[1] continue pre[2] continue',
    ]),
  // net/ipv4/route.c, __mkroute_input: IPSKB_DOREDIRECT needs fib_validate_source to answer
  // 1, and __fib_validate_source's reverse lookup (under the ip rules, iif the device) answers
  // nhc_scope >= RT_SCOPE_HOST: only a route back with no gateway. Here the rule sends it to
  // table 1000's default via the sender itself: no redirect.
  'redirect-gateway': (t) => expect(verdicts(t, 0)).toEqual(['request forward_c[0] continue']),
  // The harness (src/kernel/assemble.ts, segmentPackets): the redirect the host sends about a
  // segment it forwards back into the tunnel it came from is picked with the segment, as
  // for any other conversation (ip_forward → ip_rt_send_redirect, before the forward hook).
  'redirect-segment': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue',
      'reply forward_c[0] continue',
      'redirect output_c[0] continue',
      // The SYN-ACK then finds no neighbour in the tunnel's link: its ICMP host unreachable
      // comes three seconds later, when the redirect's rate limit is long refilled.
      'icmp-error output_c[0] continue',
    ]),
  // net/ipv4/arp.c arp_error_report → dst_link_failure → ipv4_link_failure: when no machine
  // answers the host's ARP for the next hop (a table's dev route into an empty link), the
  // queued packet's sender gets an ICMP host unreachable after the probes (~3 s), related to
  // the packet's entry; the host's own packet's error comes back to it over lo. The harness
  // waits while a neighbour is INCOMPLETE so the error stays in its conversation, and picks
  // it after a listed segment as after a request.
  'neighbour-failure': (t) => {
    const want = (first: string) => [
      `request ${first} post_c[1] continue`,
      'icmp-error output_c[0] continue post_c[0] continue post_c[1] continue',
    ];
    expect(verdicts(t, 0)).toEqual(want('forward_c[0] continue'));
    expect(verdicts(t, 1)).toEqual(want('forward_c[0] continue'));
    expect(verdicts(t, 2)).toEqual(want('output_c[0] continue'));
    // A listed segment too (the harness picks the error with the segment).
    expect(verdicts(t, 3)).toEqual(want('forward_c[0] continue'));
  },
  // __fib_validate_source: when the reverse lookup's route leaves by another device (here
  // rule 32000 sends it to table 100 and wan1), a second lookup with flowi4_oif = the device
  // (fib_lookup_good_nhc: only routes through it) finds main's connected route: 1, a redirect.
  // The redirect itself is routed by the rules like any packet of the host's (out of wan1).
  'redirect-second-lookup': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue',
      'redirect output_c[0] continue',
    ]),
  // net/netfilter/nf_nat_proto.c, nf_nat_icmp_reply_translation: a redirect is dropped at
  // the nat hook unless its connection's NAT is done both ways (IPS_NAT_DONE_MASK) and null.
  // ip_forward sends the redirect about a first packet before postrouting (no SRC_NAT_DONE):
  // the output nat hook (-100) drops it; a later packet's redirect passes.
  'redirect-nat-pending': (t) => {
    expect(verdicts(t, 0)).toEqual(['request', 'redirect out_early[0] continue']);
    expect(verdicts(t, 1)).toEqual([
      'request',
      'redirect out_early[0] continue output_c[0] continue',
    ]);
  },
  // The same failure for the answer (seed 233: a server's reply sent into the tunnel table by
  // an iif rule): its ICMP host unreachable goes to the server; the harness picks it after
  // the answer as it does after the request.
  'neighbour-failure-answer': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue post_c[1] continue',
      'reply forward_c[0] continue post_c[1] continue',
      'icmp-error output_c[0] continue post_c[0] continue post_c[1] continue',
    ]),
  // net/ipv4/route.c, ip_route_output_key_hash: an unbound socket looks the route up with
  // saddr 0 and takes its source from the result; `not from 100.64.40.2` matches that first
  // lookup (table 200, wan1). Bound to 100.64.40.2 (saddr given), it does not (main, wan0).
  // A TCP connect from an unbound socket (seed 583) looks up twice (ip_route_connect: the
  // first lookup for the source, then ip_route_output_flow with it): main, wan0.
  'host-unbound-source': (t) => {
    const oifs = t.conversations.map((c) =>
      c.packets[0]!.events.flatMap((e) => (e.type === 'enter' ? [e.packet.oif] : [])),
    );
    expect(oifs).toEqual([['wan1'], ['wan0'], ['wan0']]);
  },
  // net/ipv4/route.c, __mkroute_input: IPSKB_DOREDIRECT needs IN_DEV_SHARED_MEDIA or
  // inet_addr_onlink; shared_media is on by default, so a sender outside the device's subnets
  // (vpn's 100.65.1.10, reached through wg0's dev route) gets the redirect too (seed 308).
  'redirect-off-link': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue',
      'reply forward_c[0] continue',
      'redirect output_c[0] continue',
      'icmp-error output_c[0] continue',
    ]),
  // The harness (src/kernel/segments.ts, quietMachines): a segment DNATed to a machine that
  // holds no port for it (seeds 88, 403) must not be answered by that machine's stack — its
  // RST, the only reply the entry has seen, would have the host's conntrack kill the entry
  // (nf_conntrack_proto_tcp.c, nf_conntrack_tcp_packet: "If only reply is a RST ... delete the
  // conntrack immediately") and the next ACK start a new one, DNATed again (tcp_new with
  // nf_conntrack_tcp_loose). Only the listed segments cross the host: the SYN-ACK from the old
  // destination cannot start a connection and the ACK meets SYN_SENT: both invalid.
  'segment-dnat-elsewhere': (t) => {
    const want = (dnat: string) => [
      `request ${dnat} accept pre_c[1] continue`,
      'reply pre_c[0] continue',
      'request pre_c[0] continue',
    ];
    expect(verdicts(t, 0)).toEqual(want('pre[0]'));
    expect(verdicts(t, 1)).toEqual(want('pre[1]'));
  },
  // The same for the host's own stack (seed 556): a segment redirected to a host port nobody
  // holds got a RST from tcp_v4_send_reset, which killed the entry as above. That RST copies
  // the segment's DSCP (arg.tos), and the harness's trace table drops it first in output
  // (src/kernel/trace-tables.ts); the ACK then meets SYN_SENT: invalid.
  'segment-redirect-host': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request pre[0] accept pre_c[1] continue',
      'request pre_c[0] continue',
    ]),
  // Seed 620: a SYN rejected `with tcp reset` in forward; the RST (nf_ct_attach: the SYN's
  // unconfirmed entry, RELATED_REPLY) goes into a tunnel link where no machine answers for
  // the client, so ipv4_link_failure sends the RST's source an ICMP host unreachable, whose
  // icmp_glue_bits → nf_ct_attach makes it RELATED — original direction — and
  // __nf_conntrack_confirm (CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL is all it checks) puts
  // the SYN's entry in the table: the SYN-ACK that follows is established. The harness picks
  // that error after the RST (src/kernel/assemble.ts, segmentPackets).
  'reset-error-confirms': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] drop',
      'reset output_c[0] continue',
      'icmp-error output_c[0] continue',
      'reply forward_c[1] continue',
      'redirect output_c[0] continue',
      'icmp-error output_c[0] continue',
    ]),
  // net/ipv4/route.c, ip_route_input_slow: without IN_DEV_FORWARD the route is RTN_UNREACHABLE
  // through local_input (an ip_error route on lo, cached since 251da4130115 "ipv4: Cache
  // ip_error() routes even when not forwarding"), so br_nf_pre_routing_finish sees no error
  // and a device other than the bridge: the frame goes up to br0 (bridge input), and ip_error
  // drops it without an ICMP error (IN_DEV_FORWARD off). The entry is never confirmed: the
  // next segment is new again (nf_conntrack_tcp_loose) and DNATed again.
  'bridged-dnat-not-forwarding': (t) => {
    expect(verdicts(t, 0)).toEqual([
      'request pre[0] accept input_c[0] continue',
      'request pre[0] accept input_c[0] continue',
    ]);
    expect(verdicts(t, 1)).toEqual(['request pre[0] accept input_c[0] continue']);
  },
  // Seed 308: redirect-off-link with a listener instead of listed segments. The SYN-ACK is
  // sent again by the listener's request socket 1 s and 3 s after the first
  // (reqsk_timer_handler → inet_rtx_syn_ack, TCP_TIMEOUT_INIT doubling), each copy
  // hairpinned and redirected again (ip_rt_send_redirect sets peer->rate_last); the
  // neighbour fails just after the second copy (its timer re-armed after each of three
  // probes), and icmpv4_xrlim_allow → inet_peer_xrlim_allow finds ~0 tokens (1000 needed):
  // no ICMP host unreachable. 12 of 12 runs here.
  'redirect-synack-retransmitted': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue',
      'reply forward_c[0] continue',
      'redirect output_c[0] continue',
    ]),
  // Seed 511: nf_nat_core.c, nf_nat_l4proto_unique_tuple: "If it's dst rewrite, can't change
  // port" when the range gives no ports. The server's ACK to the client's own address starts
  // a connection (nf_conntrack_tcp_loose) whose reply tuple is the SYN's original one: the
  // destination's null binding keeps port 33637 all the same, and the snat out of lan0 makes
  // the tuple unique.
  'null-binding-dst-port': (t) =>
    expect(verdicts(t, 0)).toEqual([
      'request post_c[1] continue post[0] accept',
      'reply post_c[0] continue post[1] accept',
    ]),
  // Seed 363 (IPv6 policy routing, session 6): net/ipv6/route.c, an input lookup that finds no
  // route gets ip6_null_entry, whose input is ip6_pkt_discard → ip6_pkt_drop → icmpv6_send
  // (destination unreachable, no route), with no test of forwarding — unlike IPv4's ip_error,
  // which drops silently when the host does not forward. Forwarding is off here.
  'v6-input-noroute': (t) => {
    expect(verdicts(t, 0)).toEqual(['request pre[0] continue', 'icmp-error out[0] continue']);
    const error = t.conversations[0]?.packets[1]?.events.find((e) => e.type === 'send');
    expect(JSON.stringify(error)).toMatch(/icmpv6 type 1 code 0 fd00:1::1 → fd00:1::2/);
  },
  // Seeds 363, 459: net/ipv6/icmp.c, icmp6_send: an ICMPv6 error about a packet not addressed
  // to the host takes its source from the device the packet came in by (parm->iif →
  // ipv6_dev_get_saddr, no route here has a preferred source) — eth0's fd00:1::1, though the
  // error leaves by eth2 (rule `iif lo` → table 100). IPv4's icmp_send takes the route's.
  'v6-icmp-error-source': (t) => {
    const error = t.conversations[0]?.packets[1];
    expect(error?.role).toBe('icmp-error');
    const enter = error?.events.find((e) => e.type === 'enter');
    expect(enter?.type === 'enter' && [enter.packet.saddr, enter.packet.oif]).toEqual([
      'fd00:1::1',
      'eth2',
    ]);
  },
  // The same error is then routed with that source (fl6.saddr set before icmpv6_route_lookup):
  // `from fd00:1::1` sends it to table 100 and out of eth2, where main would send it by eth0.
  'v6-icmp-error-source-from': (t) => {
    const enter = t.conversations[0]?.packets[1]?.events.find((e) => e.type === 'enter');
    expect(enter?.type === 'enter' && [enter.packet.saddr, enter.packet.oif]).toEqual([
      'fd00:1::1',
      'eth2',
    ]);
  },
  // net/ipv6/ip6_output.c, ip6_dst_lookup_tail: the host's packet from an unbound socket finds
  // no route without a source (main has no IPv6 default); ip6_route_get_saddr picks one among
  // all the devices (ipv6_dev_get_saddr: 2001:db8:a028::2, the longer common prefix) and the
  // lookup is made again with it: rule 100 (`from 2001:db8:a028::2`) sends it out of wan1.
  'v6-unbound-fallback': (t) => {
    const events = t.conversations[0]?.packets[0]?.events ?? [];
    const enter = events.find((e) => e.type === 'enter');
    expect(enter?.type === 'enter' && [enter.packet.saddr, enter.packet.oif]).toEqual([
      '2001:db8:a028::2',
      'wan1',
    ]);
    expect(events.some((e) => e.type === 'note' && e.detail.kind === 'source-fallback')).toBe(true);
  },
  // Seed 487: the server's SYN-ACK, sent back out of wan1 (table 1000's dev route) where no
  // machine answers neighbour discovery for fd00:50::11, is queued with its two retransmitted
  // copies (1 s, 3 s); when the neighbour fails, ndisc_error_report → ip6_link_failure sends
  // one ICMPv6 address unreachable per queued packet, all at once, each quoting its own
  // SYN-ACK. The harness kept them apart (IPv6 has no id: src/kernel/assemble.ts) and picks
  // the first, as for IPv4; its source is wan1's, the device the SYN-ACK came in by.
  'v6-neighbour-failure-retransmits': (t) => {
    expect(verdicts(t, 0)).toEqual([
      'request forward_c[0] continue',
      'reply forward_c[0] continue',
      'icmp-error out[0] continue',
    ]);
    const send = t.conversations[0]?.packets[2]?.events.find((e) => e.type === 'send');
    expect(JSON.stringify(send)).toMatch(
      /icmpv6 type 1 code 3 2001:db8:a054::2 → 2001:db8:a054::1/,
    );
  },
};

describe('the simulator on the fuzzer’s widened cases', () => {
  for (const [name, check] of Object.entries(cases)) {
    it(name, () => check(simulate(name).trace));
  }
});

describe.skipIf(kernelSkipReason !== undefined)(
  `the fuzzer's widened cases on this kernel${kernelSkipReason ? ` (skipped: ${kernelSkipReason})` : ''}`,
  () => {
    for (const name of Object.keys(cases)) {
      it(name, { timeout: 90_000 }, async () => {
        const { scenario, trace } = simulate(name);
        const kernel = await kernelTrace(scenario);
        expect(agreement(compareTraces(trace, kernel).difference)).toBe('agrees');
      });
    }
  },
);
