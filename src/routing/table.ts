/**
 * The host's routing: the kernel's local table (every address of every interface, the IPv4
 * broadcast addresses, 127.0.0.0/8 on lo), main table (connected routes, the scenario's
 * routes, the default route) and the scenario's other tables, looked up the way fib_lookup
 * does: through the ip rules in priority order (rules.ts), by default local first, then the
 * longest matching prefix of main.
 */
import type { HostInterface, PolicyRule, Route, Scenario } from '../scenario/model.ts';
import {
  broadcastOf,
  familyOf,
  inCidr,
  inPrefix,
  isLoopback,
  isMulticast,
  networkAddress,
} from './address.ts';
import {
  type FlowKey,
  orderedRules,
  type RuleEntry,
  ruleMatches,
  ruleText,
  suppressed,
} from './rules.ts';
import { sourceAnyDevice6 } from './source6.ts';

export type { FlowKey } from './rules.ts';

function hostScope(address: string): boolean {
  return isLoopback(address);
}

export interface RouteEntry {
  network: string;
  prefix: number;
  family: 4 | 6;
  dev: string;
  via?: string;
  /** connected (proto kernel, scope link) or static (from the scenario). */
  origin: 'connected' | 'static';
  /** The preferred source of a connected route: the interface address. */
  src?: string;
}

/** The ip rule that gave a lookup's answer, and its table (set when the host has policy routing). */
export interface RuleChoice {
  priority: number;
  /** The table's number (main 254, local 255) and the name the scenario gave it. */
  table: number;
  tableName?: string;
  /** The rule as `ip rule show` prints it. */
  text: string;
  /** Rules that matched but whose result was suppressed (suppress_prefixlength) on the way. */
  suppressed: number[];
}

/** The answer of a routing lookup: the fib types nft's `fib … type` reports, and the next hop. */
export type RouteResult = (
  | { type: 'local'; dev: string }
  | { type: 'broadcast'; dev: string }
  | { type: 'multicast' }
  | { type: 'unicast'; dev: string; via?: string; nexthop: string; entry: RouteEntry }
  | { type: 'unreachable' }
) & { policy?: RuleChoice };

export class RoutingTable {
  readonly interfaces: readonly HostInterface[];
  readonly main: RouteEntry[] = [];
  /** Local table: address → device (IPv4 127/8 kept as a prefix on lo). */
  private readonly local: { address: string; prefix: number; dev: string }[] = [];
  private readonly broadcast: { address: string; dev: string }[] = [];
  /** Tables other than local and main, by number. */
  private readonly tables = new Map<number, RouteEntry[]>();
  private readonly rules: readonly PolicyRule[];
  /** Whether the scenario has policy routing (rules or tables): lookups then name their rule. */
  readonly policy: boolean;

  constructor(host: Scenario['host']) {
    this.interfaces = host.interfaces;
    this.rules = host.rules ?? [];
    this.policy = host.rules !== undefined || host.tables !== undefined;
    for (const iface of host.interfaces) {
      for (const a of iface.addresses) {
        // On lo the kernel installs `local 127.0.0.0/8 dev lo`: the whole prefix is local.
        if (iface.name === 'lo')
          this.local.push({ address: a.address, prefix: a.prefix, dev: 'lo' });
        else
          this.local.push({
            address: a.address,
            prefix: a.family === 4 ? 32 : 128,
            dev: iface.name,
          });
        const b = broadcastOf(a);
        if (b && iface.name !== 'lo') this.broadcast.push({ address: b, dev: iface.name });
        if (iface.name !== 'lo' && a.prefix < (a.family === 4 ? 32 : 128)) {
          this.main.push({
            network: networkAddress(a),
            prefix: a.prefix,
            family: a.family,
            dev: iface.name,
            origin: 'connected',
            src: a.address,
          });
        }
      }
    }
    for (const r of host.routes) this.main.push(this.staticEntry(r));
    for (const t of host.tables ?? [])
      this.tables.set(
        t.id,
        t.routes.map((r) => this.staticEntry(r)),
      );
  }

  private staticEntry(r: Route): RouteEntry {
    let dev = r.dev;
    if (!dev && r.via) {
      const via = r.via;
      dev = this.main.find(
        (e) => e.origin === 'connected' && inPrefix(via, e.network, e.prefix),
      )?.dev;
    }
    return {
      network: networkAddress(r.to),
      prefix: r.to.prefix,
      family: r.to.family,
      dev: dev ?? '',
      origin: 'static',
      ...(r.via ? { via: r.via } : {}),
    };
  }

  /** The local-table type of an address (`fib daddr type`); `dev` restricts it (`. iif`). */
  addressType(address: string, dev?: string): 'local' | 'broadcast' | 'multicast' | undefined {
    if (isMulticast(address)) return 'multicast';
    if (familyOf(address) === 4 && address === '255.255.255.255') return 'broadcast';
    const l = this.local.find((x) => inPrefix(address, x.address, x.prefix));
    if (l && (dev === undefined || l.dev === dev || l.dev === 'lo')) return 'local';
    const b = this.broadcast.find((x) => x.address === address);
    if (b && (dev === undefined || b.dev === dev)) return 'broadcast';
    return undefined;
  }

  /** The device owning a local address. */
  localDev(address: string): string | undefined {
    return this.local.find((x) => inPrefix(address, x.address, x.prefix))?.dev;
  }

  /**
   * fib_lookup: the rules in priority order (by default: the local table, then the longest
   * prefix of main). `key` is what the rules may select on; without one, a lookup with no
   * mark, devices or source (as nft's `fib` and the host's own answers make it).
   */
  lookup(daddr: string, key: FlowKey = {}): RouteResult {
    // Multicast and the limited broadcast are decided before any table (ip_route_input_mc,
    // ip_route_input_slow's ipv4_is_lbcast, __ip_route_output_key_hash).
    if (isMulticast(daddr)) return { type: 'multicast' };
    if (familyOf(daddr) === 4 && daddr === '255.255.255.255')
      return { type: 'broadcast', dev: key.oif ?? '' };
    const suppressedBy: number[] = [];
    for (const rule of orderedRules(familyOf(daddr), this.rules)) {
      if (!ruleMatches(rule, daddr, key)) continue;
      const r = this.lookupTable(rule, daddr, key.oif);
      if (!r) continue;
      if (suppressed(rule, r.prefix)) {
        suppressedBy.push(rule.priority);
        continue;
      }
      if (!this.policy) return r.result;
      const policy: RuleChoice = {
        priority: rule.priority,
        table: rule.table,
        ...(rule.tableName ? { tableName: rule.tableName } : {}),
        text: ruleText(rule),
        suppressed: suppressedBy,
      };
      return { ...r.result, policy };
    }
    return { type: 'unreachable' };
  }

  /** One table's answer for `daddr` and the prefix length it matched with; none: -EAGAIN. */
  private lookupTable(
    rule: RuleEntry,
    daddr: string,
    oif?: string,
  ): { result: RouteResult; prefix: number } | undefined {
    const host = familyOf(daddr) === 4 ? 32 : 128;
    if (rule.table === 255) {
      const t = this.addressType(daddr);
      if (t === 'local')
        return { result: { type: 'local', dev: this.localDev(daddr) ?? 'lo' }, prefix: host };
      if (t === 'broadcast') {
        const dev = this.broadcast.find((b) => b.address === daddr)?.dev ?? '';
        return { result: { type: 'broadcast', dev }, prefix: host };
      }
      return undefined;
    }
    const entries = rule.table === 254 ? this.main : (this.tables.get(rule.table) ?? []);
    // A lookup with flowi4_oif takes only routes through that device (fib_lookup_good_nhc).
    const entry = this.bestMatch(daddr, oif, entries);
    if (!entry) return undefined;
    if (!entry.dev) return { result: { type: 'unreachable' }, prefix: entry.prefix };
    return {
      result: {
        type: 'unicast',
        dev: entry.dev,
        nexthop: entry.via ?? daddr,
        entry,
        ...(entry.via ? { via: entry.via } : {}),
      },
      prefix: entry.prefix,
    };
  }

  private bestMatch(
    daddr: string,
    dev?: string,
    entries: readonly RouteEntry[] = this.main,
  ): RouteEntry | undefined {
    const family = familyOf(daddr);
    let best: RouteEntry | undefined;
    for (const e of entries) {
      if (e.family !== family || (dev !== undefined && e.dev !== dev)) continue;
      if (!inPrefix(daddr, e.network, e.prefix)) continue;
      if (!best || e.prefix > best.prefix) best = e;
    }
    return best;
  }

  /**
   * The source address the kernel picks for a packet leaving through `dev` towards `nexthop`
   * (inet_select_addr): the primary address of the device in the family, preferring one whose
   * subnet holds the next hop; the first address in scenario order otherwise.
   */
  sourceFor(dev: string, family: 4 | 6, nexthop?: string): string | undefined {
    const iface = this.interfaces.find((i) => i.name === dev);
    // Only addresses of universe scope qualify: lo's 127.0.0.1 and ::1 (scope host) do not, so
    // a packet out of lo gets the first universe address of another device (in_dev_select_addr
    // over the devices in order; measured: masquerade out of lo picked ens1's address).
    const addrs =
      iface?.addresses.filter((a) => a.family === family && !hostScope(a.address)) ?? [];
    if (nexthop) {
      const same = addrs.find((a) => inCidr(nexthop, a));
      if (same) return same.address;
    }
    if (addrs[0]) return addrs[0].address;
    // A device without an address in the family: the kernel takes one from another device.
    for (const i of this.interfaces) {
      const a = i.addresses.find((x) => x.family === family && !hostScope(x.address));
      if (a) return a.address;
    }
    return undefined;
  }

  /**
   * The source the kernel picks for an IPv6 destination no route reaches, among every
   * device's addresses (ipv6_dev_get_saddr with no device: source6.ts).
   */
  sourceWithoutRoute6(daddr: string): string | undefined {
    return sourceAnyDevice6(this.interfaces, daddr);
  }

  /** The primary address of a device in a family (masquerade's choice): the first one listed. */
  primaryAddress(dev: string, family: 4 | 6): string | undefined {
    return this.interfaces.find((i) => i.name === dev)?.addresses.find((a) => a.family === family)
      ?.address;
  }
}
