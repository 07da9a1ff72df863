/**
 * The routing policy database (net/core/fib_rules.c, net/ipv4/fib_rules.c, net/ipv6/fib6_rules.c):
 * the ip rules in priority order, each matched against the lookup's key (fib_rule_match: iif,
 * oif, fwmark under its mask, then the family's match: from/to prefixes; `not` inverts the
 * whole match). A matching rule looks up its table; a table with no route for the address
 * (-EAGAIN) or a result the rule suppresses (fib4_rule_suppress: a prefix of
 * suppress_prefixlength bits or fewer) sends the lookup on to the next rule.
 */
import type { PolicyRule } from '../scenario/model.ts';
import { inPrefix } from './address.ts';

/** What a lookup is keyed on besides the destination (struct flowi4/flowi6). */
export interface FlowKey {
  /** The packet's mark (flowi_mark): skb->mark on input and reroute, the socket's on output. */
  mark?: number;
  /** The input device (flowi_iif): the receiving device; lo for the host's own packets. */
  iif?: string;
  /**
   * The output device (flowi_oif): a socket bound to a device, or fib_validate_source's
   * second lookup. Rules select on it, and tables answer only with routes through it.
   */
  oif?: string;
  /** The source address; unset (0.0.0.0, ::) for an unbound socket's first lookup. */
  saddr?: string;
}

/** A rule in the order the kernel walks them, with the table it names. */
export interface RuleEntry {
  family: 4 | 6;
  priority: number;
  /** Whether it is one of the kernel's default rules (0 local, 32766 main, 32767 default). */
  builtin: boolean;
  table: number;
  tableName?: string;
  rule?: PolicyRule;
}

const DEFAULTS: { priority: number; table: number; tableName: string; v4only?: boolean }[] = [
  { priority: 0, table: 255, tableName: 'local' },
  { priority: 32766, table: 254, tableName: 'main' },
  { priority: 32767, table: 253, tableName: 'default', v4only: true },
];

/**
 * The rules of a family in lookup order: by priority; among equal priorities in the order they
 * were added (fib_nl_newrule inserts a rule after the last one with a preference ≤ its own),
 * so the defaults come before a scenario rule of the same priority.
 */
export function orderedRules(family: 4 | 6, rules: readonly PolicyRule[]): RuleEntry[] {
  const out: RuleEntry[] = DEFAULTS.filter((d) => family === 4 || !d.v4only).map((d) => ({
    family,
    priority: d.priority,
    builtin: true,
    table: d.table,
    tableName: d.tableName,
  }));
  for (const rule of rules) {
    if (rule.family !== family) continue;
    out.push({
      family,
      priority: rule.priority,
      builtin: false,
      table: rule.table,
      ...(rule.tableName ? { tableName: rule.tableName } : {}),
      rule,
    });
  }
  // Array.prototype.sort is stable: equal priorities keep the order of adding.
  return out.sort((a, b) => a.priority - b.priority);
}

/** fib_rule_match: whether the rule's selectors hold for this lookup (`not` inverting them). */
export function ruleMatches(entry: RuleEntry, daddr: string, key: FlowKey): boolean {
  const r = entry.rule;
  if (!r) return true;
  return r.not !== selectorsHold(r, daddr, key);
}

function selectorsHold(r: PolicyRule, daddr: string, key: FlowKey): boolean {
  if (r.iif !== undefined && r.iif !== key.iif) return false;
  if (r.oif !== undefined && r.oif !== key.oif) return false;
  if (r.fwmark && ((r.fwmark.value ^ (key.mark ?? 0)) & r.fwmark.mask) >>> 0 !== 0) return false;
  const unset = r.family === 4 ? '0.0.0.0' : '::';
  if (r.from && !inPrefix(key.saddr ?? unset, r.from.address, r.from.prefix)) return false;
  if (r.to && !inPrefix(daddr, r.to.address, r.to.prefix)) return false;
  return true;
}

/** fib4_rule_suppress / fib6_rule_suppress: a result this rule does not take. */
export function suppressed(entry: RuleEntry, prefix: number): boolean {
  const limit = entry.rule?.suppressPrefixlength;
  return limit !== undefined && prefix <= limit;
}

/** How a rule is named on a page and in the trace: `32765: not fwmark 0xca6c lookup 51820`. */
export function ruleText(entry: RuleEntry): string {
  const r = entry.rule;
  const parts: string[] = [`${entry.priority}:`];
  if (r?.not) parts.push('not');
  parts.push('from', r?.from ? `${r.from.address}/${r.from.prefix}` : 'all');
  if (r?.to) parts.push('to', `${r.to.address}/${r.to.prefix}`);
  if (r?.fwmark) {
    const mask = r.fwmark.mask === 0xffffffff ? '' : `/0x${r.fwmark.mask.toString(16)}`;
    parts.push('fwmark', `0x${r.fwmark.value.toString(16)}${mask}`);
  }
  if (r?.iif) parts.push('iif', r.iif);
  if (r?.oif) parts.push('oif', r.oif);
  parts.push('lookup', entry.tableName ?? String(entry.table));
  if (r?.suppressPrefixlength !== undefined)
    parts.push('suppress_prefixlength', String(r.suppressPrefixlength));
  return parts.join(' ');
}
