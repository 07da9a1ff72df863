/**
 * The scenario's policy routing as `ip` commands for the host's namespace: each table's
 * routes (`ip route add … table N`) and each rule (`ip rule add pref P … lookup T`), the
 * kernel's default rules being there already in a fresh namespace.
 */
import type { PolicyRule, Route, Scenario } from '../scenario/model.ts';

/** `ip route add` arguments for a route of table `table` (254: main). */
export function routeArgs(r: Route, table?: number): string[] {
  const v6 = r.to.family === 6;
  const to = r.to.prefix === 0 ? 'default' : `${r.to.address}/${r.to.prefix}`;
  return [
    ...(v6 ? ['-6'] : []),
    'route',
    'add',
    to,
    ...(r.via ? ['via', r.via] : []),
    ...(r.dev ? ['dev', r.dev] : []),
    ...(table !== undefined ? ['table', String(table)] : []),
  ];
}

/** `ip rule add` arguments for one rule, its priority explicit. */
export function ruleArgs(rule: PolicyRule): string[] {
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  return [
    ...(rule.family === 6 ? ['-6'] : ['-4']),
    'rule',
    'add',
    'pref',
    String(rule.priority),
    ...(rule.not ? ['not'] : []),
    ...(rule.from ? ['from', `${rule.from.address}/${rule.from.prefix}`] : []),
    ...(rule.to ? ['to', `${rule.to.address}/${rule.to.prefix}`] : []),
    ...(rule.fwmark ? ['fwmark', `${hex(rule.fwmark.value)}/${hex(rule.fwmark.mask)}`] : []),
    ...(rule.iif ? ['iif', rule.iif] : []),
    ...(rule.oif ? ['oif', rule.oif] : []),
    'lookup',
    String(rule.table),
    ...(rule.suppressPrefixlength !== undefined
      ? ['suppress_prefixlength', String(rule.suppressPrefixlength)]
      : []),
  ];
}

/** Every table route (with its table) and every rule of the host, in the scenario's order. */
export function policyCommands(host: Scenario['host']): {
  routes: { route: Route; args: string[] }[];
  rules: string[][];
} {
  return {
    routes: (host.tables ?? []).flatMap((t) =>
      t.routes.map((route) => ({ route, args: routeArgs(route, t.id) })),
    ),
    rules: (host.rules ?? []).map(ruleArgs),
  };
}
