/**
 * The IPv6 half of a policy routing setup (issue 17's widened model), on a network that has
 * IPv6: wg-quick installs its rules for both families (`ip -6 rule add not fwmark 0xca6c table
 * 51820`, `ip -6 rule add table main suppress_prefixlength 0`, `::/0 dev wg0` in table 51820),
 * and a multi-WAN router routes its second uplink's IPv6 with rules of their own. The uplink
 * and its peer get IPv6 addresses, the uplink's table an IPv6 route, and the host IPv6 rules
 * drawn as policy-routing.ts draws the IPv4 ones (fwmark with and without a mask, from/to,
 * iif/oif, suppress_prefixlength, not); then an ip6 (or inet) table that marks IPv6 packets,
 * and IPv6 conversations with the peer. Drawn from a third stream of the case's seed
 * (generate.ts), after everything else, so a case without it is as it was.
 */
import type { FuzzCase, FuzzIpRule } from './case.ts';
import {
  addr,
  markTable,
  multiwanRules,
  network,
  type PolicySetup,
  policyConversations,
} from './policy-routing.ts';
import type { Random } from './random.ts';

const v6 = (a: string) => a.includes(':');

/** Whether the host has IPv6 on an interface (the topologies draw it for some networks). */
export function hasIpv6(c: FuzzCase): boolean {
  return c.host.interfaces.some((i) => i.name !== 'lo' && i.addresses.some(v6));
}

/** wg-quick's rules for IPv6: the same as for IPv4, in the IPv6 rule list. */
function wgRules(id: number): FuzzIpRule[] {
  return [
    { priority: 32764, family: 'ipv6', table: 'main', suppress_prefixlength: 0 },
    { priority: 32765, family: 'ipv6', not: true, fwmark: '0x0000ca6c', table: id },
  ];
}

/** The uplink's IPv6 network and the peer's address beyond it, from the IPv4 setup's number. */
function addresses(s: PolicySetup): { net: string; far: string } {
  const k = Number(addr(s.uplink.addresses[0]!).split('.')[2]);
  const hex = (n: number) => n.toString(16);
  return {
    net: s.kind === 'wg' ? `fd00:ca6c:${hex(k)}:` : `2001:db8:${hex(0xa000 + k)}:`,
    far: `2001:db8:${hex(0xb000 + k)}::10`,
  };
}

/** Adds IPv6 to the setup: addresses, the table's route, rules; returns the IPv6 rules. */
function addIpv6Routing(r: Random, c: FuzzCase, s: PolicySetup): FuzzIpRule[] {
  const { net, far } = addresses(s);
  s.uplink.addresses.push(`${net}:2/64`);
  s.peer.addresses.push(`${net}:1`, far);
  const dev = s.uplink.name;
  s.table.routes.push(
    s.kind === 'wg' || r.chance(0.2)
      ? { to: '::/0', dev }
      : { to: 'default', via: `${net}:1`, dev },
  );
  if (s.kind !== 'wg' && r.chance(0.3)) {
    const lan = c.host.interfaces.find(
      (i) => i.name !== dev && i.name !== 'lo' && i.addresses.some(v6) && !isUplink(c, i.name),
    );
    if (lan) s.table.routes.push({ to: network(lan.addresses.find(v6)!), dev: lan.name });
  }
  const rules = s.kind === 'wg' ? wgRules(s.table.id) : multiwanRules(r, c, s, true);
  c.host.rules = [...(c.host.rules ?? []), ...rules];
  return rules;
}

/** Whether main's default route leaves by this interface (the first uplink). */
function isUplink(c: FuzzCase, name: string): boolean {
  const gateways = c.host.routes.flatMap((x) => (x.via && v6(x.via) ? [x.via] : []));
  const iface = c.host.interfaces.find((i) => i.name === name);
  return gateways.some((g) =>
    iface?.addresses.some((a) => v6(a) && network(a) === network(`${g}/64`)),
  );
}

/**
 * With some chance, widens a case that has policy routing and IPv6 with the IPv6 half of its
 * setup: rules, a marking table, and conversations.
 */
export function addIpv6PolicyRouting(r: Random, c: FuzzCase, s: PolicySetup): void {
  if (!hasIpv6(c) || !r.chance(0.75)) return;
  const rules = addIpv6Routing(r, c, s);
  const s6: PolicySetup = { ...s, rules };
  // A host that routes for its machines over the uplinks forwards IPv6 too (most of them).
  if (c.host.sysctl['net.ipv6.conf.all.forwarding'] === undefined && r.chance(0.7))
    c.host.sysctl['net.ipv6.conf.all.forwarding'] = 1;
  if (r.chance(0.8)) c.tables.push(markTable(r, c, s6, true));
  c.packets.push(...policyConversations(r, c, s6, true));
}
