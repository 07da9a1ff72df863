/**
 * Named chain priorities, resolved per family and hook as nft does (src/rule.c, std_prios and
 * bridge_std_prios): `filter + 10` in an ip table is 10, `dstnat` in a bridge table is -300.
 */
import { integerValue } from './literals.ts';
import type { Family, HookName } from './model.ts';

const STANDARD: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

const BRIDGE: Record<string, number> = {
  dstnat: -300,
  filter: -200,
  out: 100,
  srcnat: 300,
};

/** The number a named priority stands for, or undefined when the name is unknown there. */
export function namedPriority(name: string, family: Family): number | undefined {
  const table = family === 'bridge' ? BRIDGE : STANDARD;
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * Whether nft accepts the named priority on this family and hook. nft restricts some names
 * (dstnat only on prerouting/output, srcnat on input/postrouting, `out` on bridge output,
 * only `filter` in netdev and arp); nft 1.0.6 also refuses `dstnat` on output, newer
 * versions accept it — nfwalk accepts it.
 */
export function priorityAllowed(name: string, family: Family, hook: HookName | undefined): boolean {
  if (namedPriority(name, family) === undefined) return false;
  if (hook === undefined) return true;
  if (family === 'bridge') {
    if (name === 'dstnat') return hook === 'prerouting';
    if (name === 'srcnat') return hook === 'postrouting';
    if (name === 'out') return hook === 'output';
    return true;
  }
  if (family === 'netdev' || family === 'arp') return name === 'filter';
  if (name === 'dstnat') return hook === 'prerouting' || hook === 'output';
  if (name === 'srcnat') return hook === 'input' || hook === 'postrouting';
  return true;
}

/**
 * Parses `filter`, `filter + 10`, `srcnat - 5`, `-100` into the number; each number as nft's
 * scanner reads it (integerValue: `010` is 8, `0x10` 16, `08` no number).
 */
export function resolvePriority(text: string, family: Family): number | undefined {
  const m = /^\s*(?:(-?)(\d\w*)|([a-z]+)\s*(?:([+-])\s*(\d\w*))?)\s*$/.exec(text);
  if (!m) return undefined;
  if (m[2] !== undefined) {
    const v = integerValue(m[2]);
    return v === undefined ? undefined : m[1] ? -Number(v) : Number(v);
  }
  const base = namedPriority(m[3] ?? '', family);
  if (base === undefined) return undefined;
  if (m[4] === undefined) return base;
  const off = integerValue(m[5] ?? '');
  if (off === undefined) return undefined;
  return m[4] === '+' ? base + Number(off) : base - Number(off);
}
