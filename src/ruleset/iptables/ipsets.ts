/**
 * ipsets: `-m set --match-set NAME src,dst` looks the packet up in a set the kernel's ipset
 * subsystem holds, which no iptables-save file contains. The scenario may list its members;
 * they become a named set of the table, which the rule refers to as `@NAME`.
 */
import ipaddr from 'ipaddr.js';
import type { Expr, NamedSet, SetElement } from '../model.ts';
import type { IpFamily } from './context.ts';

function addressElement(text: string, family: IpFamily): Expr | undefined {
  const [addr = '', len] = text.trim().split('/');
  const ok = family === 'ip' ? ipaddr.IPv4.isValidFourPartDecimal(addr) : ipaddr.IPv6.isValid(addr);
  if (!ok) return undefined;
  if (len === undefined) return { kind: 'value', text: addr };
  const n = Number(len);
  const bits = family === 'ip' ? 32 : 128;
  if (!/^\d+$/.test(len) || n > bits) return undefined;
  if (n === bits) return { kind: 'value', text: addr };
  return { kind: 'prefix', expr: { kind: 'value', text: addr }, length: n };
}

/**
 * The named set for ipset `name` with the scenario's `members` (each `addr[/len]`, or
 * `a,b` for a two-dimension lookup like `src,dst`), or why it cannot be modelled.
 */
export function makeIpset(
  name: string,
  members: string[] | undefined,
  dims: number,
  family: IpFamily,
): NamedSet | { error: string } {
  if (!members) return { error: `ipset ${name} has no members in the scenario` };
  const elements: SetElement[] = [];
  let interval = false;
  for (const m of members) {
    const parts = m.split(',');
    if (parts.length !== dims) {
      return {
        error: `ipset ${name}: member "${m}" has ${parts.length} parts, the rule looks up ${dims}`,
      };
    }
    const exprs: Expr[] = [];
    for (const p of parts) {
      const e = addressElement(p, family);
      if (!e) {
        return {
          error: `ipset ${name}: member "${m}" is not an ${family === 'ip' ? 'IPv4' : 'IPv6'} address or prefix (nfwalk models address sets only)`,
        };
      }
      if (e.kind === 'prefix') interval = true;
      exprs.push(e);
    }
    elements.push({ key: exprs.length === 1 ? exprs[0]! : { kind: 'concat', parts: exprs } });
  }
  const type = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  return {
    kind: 'set',
    name,
    key: { form: 'type', names: Array.from({ length: dims }, () => type) },
    flags: interval ? ['interval'] : [],
    elements,
  };
}
