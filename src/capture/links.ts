/**
 * The host's interfaces from `ip -d -j link`, `ip -j addr` and `bridge -j link`: which are
 * bridges, which are bridge ports (not interfaces of the scenario: the machines behind them
 * get them), and the addresses a scenario can use (link-local ones cannot be, so they are
 * left out).
 */
import { checkInterfaceName, parseCidr } from '../scenario/addresses.ts';

export interface CapturedInterface {
  name: string;
  kind: 'link' | 'bridge';
  /** CIDRs as `ip` prints them. */
  addresses: string[];
}

export interface LinkFacts {
  interfaces: CapturedInterface[];
  /** Bridge port name -> its bridge. */
  portOf: Map<string, string>;
  notes: string[];
}

type Json = Record<string, unknown>;
const records = (v: unknown): Json[] =>
  Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function readLinks(links: unknown, addrs: unknown, bridgePorts: unknown): LinkFacts {
  const notes: string[] = [];
  const portOf = new Map<string, string>();
  const kindOf = new Map<string, string | undefined>();
  const masterOf = new Map<string, string>();
  const up = new Set<string>();
  for (const l of records(links)) {
    const name = str(l.ifname);
    if (!name) continue;
    const info = (l.linkinfo ?? {}) as Json;
    kindOf.set(name, str(info.info_kind));
    const master = str(l.master);
    if (master) masterOf.set(name, master);
    if (Array.isArray(l.flags) && l.flags.includes('UP')) up.add(name);
  }
  for (const p of records(bridgePorts)) {
    const name = str(p.ifname);
    const master = str(p.master);
    if (name && master) portOf.set(name, master);
  }
  for (const [name, master] of masterOf) {
    if (kindOf.get(master) === 'bridge') portOf.set(name, master);
  }

  const addressesOf = new Map<string, string[]>();
  const order: string[] = [];
  for (const a of records(addrs)) {
    const name = str(a.ifname);
    if (!name) continue;
    order.push(name);
    const list: string[] = [];
    for (const info of records(a.addr_info)) {
      const local = str(info.local);
      const prefix = info.prefixlen;
      if (!local || typeof prefix !== 'number') continue;
      if (info.scope === 'link') continue;
      const cidr = `${local}/${prefix}`;
      if ('error' in parseCidr(cidr)) continue;
      list.push(cidr);
    }
    addressesOf.set(name, list);
  }
  for (const name of kindOf.keys()) if (!order.includes(name)) order.push(name);

  const interfaces: CapturedInterface[] = [];
  const skipped: string[] = [];
  for (const name of order) {
    if (portOf.has(name)) continue;
    const master = masterOf.get(name);
    if (master) {
      notes.push(
        `interface ${name} is enslaved to ${master} (${kindOf.get(master) ?? 'unknown kind'}), which a scenario cannot describe: left out`,
      );
      continue;
    }
    const addresses = addressesOf.get(name) ?? [];
    const kind = kindOf.get(name) === 'bridge' ? 'bridge' : 'link';
    if (name !== 'lo' && addresses.length === 0 && !up.has(name)) {
      skipped.push(name);
      continue;
    }
    const bad = checkInterfaceName(name);
    if (bad) {
      notes.push(`interface ${JSON.stringify(name)} left out: ${bad}`);
      continue;
    }
    interfaces.push({ name, kind, addresses });
  }
  if (skipped.length > 0)
    notes.push(`interfaces that are down and have no address left out: ${skipped.join(', ')}`);
  return { interfaces, portOf, notes };
}
