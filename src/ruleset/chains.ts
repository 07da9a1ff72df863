/**
 * A table's chains by name, shared by the front ends, their checks and the simulator: the
 * first chain of a name wins, as a scan from the start would find it. Kept while the chain list
 * is the same array; a chain pushed since the last look is added, any other change (a chain
 * deleted, the list replaced) rebuilds it. Declaring the 50,000th chain of a kube-proxy-sized
 * table, or jumping to it, must not scan the 49,999 before it.
 */
import type { Chain, Table } from './model.ts';

interface ChainIndex {
  list: Chain[];
  size: number;
  /** A name's first position in the list. */
  byName: Map<string, number>;
}

const indexes = new WeakMap<Table, ChainIndex>();
/**
 * The table looked at last and its index: a check asks about one table 100,000 times in a row,
 * and a WeakMap look-up each time costs more than the look-up of the name. (Keeps that one
 * table alive until another is looked at.)
 */
let lastTable: Table | undefined;
let lastIndex: ChainIndex | undefined;

function indexOf(table: Table): ChainIndex {
  let ix = table === lastTable ? lastIndex : indexes.get(table);
  if (ix && ix.list === table.chains && ix.size === table.chains.length) return remember(table, ix);
  if (ix && ix.list === table.chains && ix.size + 1 === table.chains.length) {
    const added = table.chains[ix.size] as Chain;
    if (!ix.byName.has(added.name)) ix.byName.set(added.name, ix.size);
    ix.size++;
    return remember(table, ix);
  }
  const byName = new Map<string, number>();
  table.chains.forEach((c, i) => {
    if (!byName.has(c.name)) byName.set(c.name, i);
  });
  ix = { list: table.chains, size: table.chains.length, byName };
  indexes.set(table, ix);
  return remember(table, ix);
}

function remember(table: Table, ix: ChainIndex): ChainIndex {
  lastTable = table;
  lastIndex = ix;
  return ix;
}

/** The chain of this name in the table (the first, if the list has several). */
export function chainNamed(table: Table, name: string): Chain | undefined {
  const i = indexOf(table).byName.get(name);
  return i === undefined ? undefined : table.chains[i];
}

/** The position in `table.chains` of the chain of this name (the first), or -1. */
export function chainPosition(table: Table, name: string): number {
  return indexOf(table).byName.get(name) ?? -1;
}

/** Whether the table has a chain of this name. */
export function hasChain(table: Table, name: string): boolean {
  return indexOf(table).byName.has(name);
}

/**
 * Appends a chain and indexes it at once (right after a lookup of its name missed, the index
 * is still in the cache; indexing it at the next lookup would miss again).
 */
export function addChain(table: Table, chain: Chain): void {
  const ix = indexOf(table);
  table.chains.push(chain);
  if (!ix.byName.has(chain.name)) ix.byName.set(chain.name, ix.size);
  ix.size++;
}
