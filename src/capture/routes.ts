/**
 * Routes from `ip -j route` / `ip -6 -j route` (main table) as scenario routes. Connected
 * routes are implicit in a scenario; what a scenario cannot express (blackholes, multipath,
 * link-local gateways) is left out with a note.
 */
import { inSubnet, parseAddress, parseCidr } from '../scenario/addresses.ts';
import type { CapturedInterface } from './links.ts';

export interface CapturedRoute {
  to: string;
  via?: string;
  dev?: string;
}

type Json = Record<string, unknown>;
const records = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function readRoutes(
  entries: unknown,
  family: 4 | 6,
  interfaces: readonly CapturedInterface[],
  notes: string[],
  opts: { inTable?: number } = {},
): CapturedRoute[] {
  const out: CapturedRoute[] = [];
  const networks = interfaces.flatMap((i) =>
    i.addresses.flatMap((a) => {
      const c = parseCidr(a);
      return 'error' in c ? [] : [{ iface: i.name, cidr: c }];
    }),
  );
  let haveDefault = false;
  for (const r of records(entries)) {
    const dst = str(r.dst);
    if (!dst) continue;
    const type = str(r.type);
    const gateway = str(r.gateway);
    const dev = str(r.dev);
    const shown = `${dst}${gateway ? ` via ${gateway}` : ''}${dev ? ` dev ${dev}` : ''}`;
    if (type && type !== 'unicast') {
      notes.push(`route ${type} ${shown} left out: a scenario has only unicast routes`);
      continue;
    }
    if (Array.isArray(r.nexthops)) {
      notes.push(`multipath route ${dst} left out: a scenario route has one next hop`);
      continue;
    }
    if (family === 6 && (dst.startsWith('fe80:') || dst.startsWith('ff00:'))) continue;
    if (!gateway && r.protocol === 'kernel' && opts.inTable === undefined) continue; // connected: implicit
    let to = dst;
    if (dst !== 'default') {
      const c = parseCidr(dst.includes('/') ? dst : `${dst}/${family === 4 ? 32 : 128}`);
      if ('error' in c) {
        notes.push(`route ${shown} left out: ${c.error}`);
        continue;
      }
      to = `${c.address}/${c.prefix}`;
    }
    if (dev && !interfaces.some((i) => i.name === dev)) {
      notes.push(`route ${shown} left out: ${dev} is not an interface of the scenario`);
      continue;
    }
    if (gateway) {
      const g = parseAddress(gateway);
      if ('error' in g || !networks.some((n) => inSubnet(gateway, n.cidr))) {
        notes.push(
          `route ${shown} left out: the gateway is on no network of the host's addresses (a link-local gateway cannot be written in a scenario)`,
        );
        continue;
      }
    } else if (!dev) continue;
    if (to === 'default') {
      if (haveDefault) {
        notes.push(`second IPv${family} default route ${shown} left out (the first one is kept)`);
        continue;
      }
      // A policy table's default route through a device (wg-quick's `default dev wg0`) is
      // written as the all-addresses prefix, which needs no gateway.
      if (!gateway && opts.inTable !== undefined) to = family === 4 ? '0.0.0.0/0' : '::/0';
      else if (!gateway) {
        notes.push(`default route ${shown} without a gateway left out: a scenario needs "via"`);
        continue;
      }
      haveDefault = true;
    }
    out.push({ to, ...(gateway ? { via: gateway } : {}), ...(dev ? { dev } : {}) });
  }
  return out;
}
