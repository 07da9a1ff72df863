/**
 * The kernel's own hooks around the chains, as the walk runs them: nf_conntrack_in (-200 in
 * prerouting and output), __nf_conntrack_confirm (last in postrouting and input), the NAT hook
 * (nf_nat_ipv4_fn: -100 in prerouting and output, 100 in postrouting and input) that walks the
 * nat chains for a connection's first packet, and the nat statements' bindings.
 */
import {
  icmpErrorTranslation,
  manipOfHook,
  natPacket,
  nullBinding,
  setupNat,
} from '../../conntrack/nat.ts';
import type { Connection } from '../../conntrack/table.ts';
import { tupleText } from '../../conntrack/tuple.ts';
import { familyOf } from '../../routing/address.ts';
import type { Chain, Rule } from '../../ruleset/model.ts';
import type { Effect } from '../env.ts';
import type { NatStatementName } from '../trace.ts';
import type { HookState } from './env.ts';
import type { Verdict, WalkServices } from './services.ts';
import type { Skb } from './skb.ts';

export class ConntrackHooks {
  private readonly w: WalkServices;

  constructor(walk: WalkServices) {
    this.w = walk;
  }

  // ---------------------------------------------------------------------------------------
  // Conntrack

  /**
   * nf_conntrack_in (priority -200 in prerouting and output); in bridge prerouting,
   * nf_ct_bridge_pre, which (frames that are not IPv4/IPv6 aside: untracked) calls it for the
   * bridged packet.
   */
  conntrackIn(skb: Skb, state: HookState): Verdict {
    // Loopback, a reject's answer (nf_ct_attach), or notrack: conntrack keeps what is there.
    if (skb.ct) {
      if (!skb.ctReported) {
        skb.ctReported = true;
        this.w.info(
          'conntrack',
          `conntrack: the packet carries its entry already: ${skb.ct.info} (${skb.ct.direction} direction) of ${tupleText(skb.ct.conn.original)}`,
          {
            lookup: 'attached',
            state: skb.ct.info,
            direction: skb.ct.direction,
            attached: true,
            status: [...skb.ct.conn.status],
            original: skb.ct.conn.original,
            reply: skb.ct.conn.reply,
            hook: state.hook,
          },
        );
      }
      return 'accept';
    }
    if (skb.ctState === 'untracked') {
      if (!skb.ctReported) {
        skb.ctReported = true;
        this.w.info('conntrack', 'conntrack: untracked (notrack)', {
          lookup: 'untracked',
          state: 'untracked',
          direction: null,
          hook: state.hook,
        });
      }
      return 'accept';
    }
    const found = this.w.d.conntrack.track(skb.pkt);
    if (found.kind === 'invalid') {
      skb.ctState = 'invalid';
      skb.ctReported = true;
      this.w.info('conntrack', `conntrack: invalid (${found.reason})`, {
        lookup: 'invalid',
        state: 'invalid',
        direction: null,
        reason: found.reason,
        ...(found.tcp ? { tcpInvalid: found.tcp } : {}),
      });
      return 'accept';
    }
    skb.ct = found.ct;
    skb.ctReported = true;
    const c = found.ct.conn;
    const tcp = c.tcp
      ? found.tcpFrom
        ? `; TCP ${found.tcpFrom} → ${c.tcp}`
        : `; TCP ${c.tcp}`
      : '';
    this.w.info(
      'conntrack',
      found.created
        ? `conntrack: new connection ${tupleText(c.original)}${tcp}`
        : `conntrack: ${found.ct.info} (${found.ct.direction} direction) of ${tupleText(c.original)}${tcp}`,
      {
        lookup: found.created ? 'created' : 'found',
        state: found.ct.info,
        direction: found.ct.direction,
        ...(found.created ? { created: true } : {}),
        status: [...c.status],
        original: c.original,
        reply: c.reply,
        hook: state.hook,
        ...(c.tcp ? { tcp: c.tcp } : {}),
        ...(state.family === 'bridge' ? { family: 'bridge' as const } : {}),
        ...(found.tcpFrom ? { tcpFrom: found.tcpFrom } : {}),
      },
    );
    return 'accept';
  }

  /**
   * __nf_conntrack_confirm (last in postrouting and input): original direction only
   * (`CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL` returns). A related packet in the original
   * direction confirms too: an ICMP error about the host's RST or ICMP error for a packet
   * whose entry never got confirmed (nf_ct_attach turns RELATED_REPLY into RELATED) puts
   * that entry in the table (fuzz seed 620).
   */
  conntrackConfirm(skb: Skb): Verdict {
    const ct = skb.ct;
    if (ct?.direction !== 'original') return 'accept';
    if (this.w.d.conntrack.confirm(ct.conn)) {
      this.w.info(
        'conntrack',
        `conntrack: connection confirmed ${tupleText(ct.conn.original)}, expecting replies as ${tupleText(ct.conn.reply)}`,
        {
          lookup: 'confirmed',
          state: ct.info,
          direction: ct.direction,
          status: [...ct.conn.status],
          original: ct.conn.original,
          reply: ct.conn.reply,
          confirmed: true,
        },
      );
    }
    return 'accept';
  }

  // ---------------------------------------------------------------------------------------
  // NAT

  /**
   * nf_nat_ipv4_fn / nf_nat_inet_fn. A related ICMP error is translated from its
   * connection's bindings; a connection's first packet (ctinfo new, or a related reset) runs
   * the nat chains of this hook, in priority order, until one sets up a binding, and gets a
   * null binding if none does; every packet is then rewritten per the bindings.
   */
  natHook(skb: Skb, state: HookState): Verdict {
    const ct = skb.ct;
    if (!ct) return 'accept';
    const l3 = skb.pkt.family;
    const manip = manipOfHook(state.hook);
    if (ct.info === 'related' && skb.pkt.icmp && skb.pkt.icmp.inner) {
      const natted = ct.conn.status.has('snat') || ct.conn.status.has('dnat');
      const undone = skb.natPending === true;
      if (l3 === 'ip' && skb.pkt.icmp.type === 5 && (natted || undone)) {
        // nf_nat_icmp_reply_translation: "Redirects on non-null nats must be dropped, else
        // they'll start talking to each other without our translation" (IPS_NAT_MASK), and
        // so is one about a connection whose NAT is not set up both ways yet
        // (IPS_NAT_DONE_MASK: a first packet, redirected at ip_forward, has not reached the
        // postrouting nat hook), at the first nat hook the redirect meets (output, -100).
        // Kernel: chains after it see nothing.
        this.w.info(
          'drop',
          natted
            ? `the ICMP redirect is about a NATed connection: the ${state.hook} nat hook drops it`
            : `the ICMP redirect is about a connection whose NAT is not set up both ways yet (its first packet has not reached postrouting): the ${state.hook} nat hook drops it`,
          { reason: 'nat-redirect', hook: state.hook },
        );
        return 'drop';
      }
      const t = icmpErrorTranslation(ct, manip, skb.pkt);
      if (t && (t.outer || t.inner)) {
        this.w.info(
          'nat',
          `NAT of an ICMP error: ${t.outer ? `outer ${show(t.outer.before)} → ${show(t.outer.after)}` : 'outer unchanged'}, embedded header rewritten back`,
          {
            step: 'icmp-error',
            manip,
            reverse: ct.direction === 'reply',
            statement: natStatement(ct.conn, manip, ct.direction === 'reply'),
            ...(t.outer ? { before: t.outer.before, after: t.outer.after } : {}),
            ...(t.inner ? { inner: t.inner } : {}),
          },
        );
      }
      return 'accept';
    }
    const first = (ct.info === 'new' && ct.direction === 'original') || ct.info === 'related';
    if (first && !ct.conn.natDone[manip]) {
      for (const chain of this.w.d.hooks.natChainsOf(l3, state.hook)) {
        const v = this.w.baseChain(skb, chain, state);
        if (v !== 'accept') return v;
        if (ct.conn.natDone[manip]) break;
      }
      if (!ct.conn.natDone[manip]) {
        const nb = nullBinding(this.w.d.conntrack, ct.conn, manip);
        if (nb.changed) ct.conn.natBy = { ...ct.conn.natBy, [manip]: 'null-binding' };
        if (nb.portClash) {
          this.w.info(
            'nat',
            `null binding changed the ${manip === 'src' ? 'source' : 'destination'} port ${nb.portClash.wanted} → ${nb.portClash.chosen}: the connection would clash with an existing one (the kernel picks the new port by hash)`,
            {
              step: 'null-binding',
              manip,
              statement: 'null-binding',
              portClash: nb.portClash,
              portChoice: 'clash',
              choicePort: manip === 'src' ? 'sport' : 'dport',
            },
          );
        }
      }
    }
    const rw = natPacket(ct, manip, skb.pkt);
    if (rw) {
      this.w.info(
        'nat',
        `${ct.direction === 'reply' ? 'reverse ' : ''}${manip === 'src' ? 'SNAT' : 'DNAT'}: ${show(rw.before)} → ${show(rw.after)}`,
        {
          step: 'rewrite',
          manip,
          reverse: ct.direction === 'reply',
          statement: natStatement(ct.conn, manip, ct.direction === 'reply'),
          before: rw.before,
          after: rw.after,
          hook: state.hook,
        },
      );
    }
    return 'accept';
  }

  /** A nat statement (nft_nat_eval): sets up the binding on the packet's connection. */
  natEffect(
    skb: Skb,
    e: Extract<Effect, { kind: 'nat' }>,
    state: HookState,
    rule: Rule,
    chain: Chain,
  ): void {
    const ct = skb.ct;
    if (!ct) {
      this.w.info(
        'note',
        `rule ${rule.index} of ${chain.name}: ${e.stmt.type} without a conntrack entry does nothing`,
        { kind: 'nat-without-conntrack', statement: e.stmt.type },
      );
      return;
    }
    const manip = manipOfHook(state.hook);
    let addr = e.addr;
    const fam = familyOf(skb.pkt.saddr);
    if (e.stmt.type === 'masquerade') {
      // nf_nat_masquerade_ipv4: inet_select_addr(out, nexthop): the out device's address.
      const dev = state.oif ?? '';
      const nh = skb.dst?.type === 'unicast' ? skb.dst.nexthop : skb.pkt.daddr;
      const src = this.w.d.routing.sourceFor(dev, fam, nh);
      if (!src) {
        this.w.info('drop', `masquerade: ${dev} has no address of the packet's family`, {
          reason: 'masquerade-no-address',
        });
        return;
      }
      addr = { low: src, high: src };
    } else if (e.stmt.type === 'redirect') {
      // nf_nat_redirect_ipv4: the input device's first address; 127.0.0.1 (::1) for output.
      const to =
        state.hook === 'output'
          ? fam === 4
            ? '127.0.0.1'
            : '::1'
          : this.w.d.routing.primaryAddress(state.iif ?? '', fam);
      if (!to) return;
      addr = { low: to, high: to };
    }
    const setup = setupNat(
      this.w.d.conntrack,
      ct.conn,
      e.stmt.type === 'dnat' || e.stmt.type === 'redirect' ? 'dst' : manip,
      {
        ...(addr ? { addr } : {}),
        ...(e.port ? { port: e.port } : {}),
      },
      false,
      e.stmt.flags.some((f) => f === 'random' || f === 'fully-random'),
    );
    if (e.stmt.flags.some((f) => f === 'random' || f === 'fully-random')) {
      this.w.info(
        'note',
        `${e.stmt.type} ${e.stmt.flags.join(',')}: the kernel picks the port at random; nfwalk shows the port the mapping would keep`,
        { kind: 'nat-random', flags: e.stmt.flags },
      );
    }
    if (setup.changed) ct.conn.natBy = { ...ct.conn.natBy, [setup.manip]: e.stmt.type };
    this.w.info(
      'nat',
      `${e.stmt.type} binding for ${tupleText(ct.conn.original)}: replies expected as ${tupleText(ct.conn.reply)}`,
      {
        step: 'binding',
        manip: setup.manip,
        statement: e.stmt.type,
        tuple: setup.tuple,
        reply: ct.conn.reply,
        changed: setup.changed,
        ...(setup.portClash ? { portClash: setup.portClash } : {}),
        // The mapped port is the kernel's unpredictable choice ('random' flag or 'clash').
        ...(setup.kernelChoice
          ? {
              portChoice: setup.kernelChoice,
              choicePort: setup.manip === 'src' ? 'sport' : 'dport',
            }
          : {}),
      },
    );
  }
}

/**
 * The statement behind the binding nf_nat_packet applies: in the reply direction a dst manip
 * undoes the source binding (and the reverse), as statusBit in conntrack/nat.ts.
 */
function natStatement(
  conn: Connection,
  manip: 'src' | 'dst',
  reply: boolean,
): NatStatementName | null {
  const binding = reply ? (manip === 'src' ? 'dst' : 'src') : manip;
  return conn.natBy?.[binding] ?? null;
}

function show(e: { saddr: string; daddr: string; sport?: number; dport?: number }): string {
  const a = (x: string, p?: number) => (p === undefined ? x : `${x}:${p}`);
  return `${a(e.saddr, e.sport)} → ${a(e.daddr, e.dport)}`;
}
