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
  /**
   * The name asked about last and its position (-1: none): each name is asked about twice in
   * a row, declared (looked up, then added) or jumped to (checked, then put in the jump
   * graph), and a look-up in a map of 50,000 names misses the processor's caches.
   */
  lastName: string | undefined;
  lastPosition: number;
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
    append(ix, table.chains[ix.size] as Chain);
    return remember(table, ix);
  }
  const byName = new Map<string, number>();
  table.chains.forEach((c, i) => {
    if (!byName.has(c.name)) byName.set(c.name, i);
  });
  ix = {
    list: table.chains,
    size: table.chains.length,
    byName,
    lastName: undefined,
    lastPosition: -1,
  };
  indexes.set(table, ix);
  return remember(table, ix);
}

function remember(table: Table, ix: ChainIndex): ChainIndex {
  lastTable = table;
  lastIndex = ix;
  return ix;
}

/** The position of the first chain of this name in the index, or -1. */
function positionIn(ix: ChainIndex, name: string): number {
  if (name === ix.lastName) return ix.lastPosition;
  const i = ix.byName.get(name) ?? -1;
  ix.lastName = name;
  ix.lastPosition = i;
  return i;
}

/** Indexes a chain just appended to the list. */
function append(ix: ChainIndex, chain: Chain): void {
  if (positionIn(ix, chain.name) < 0) {
    ix.byName.set(chain.name, ix.size);
    ix.lastPosition = ix.size;
  }
  ix.size++;
}

/** The chain of this name in the table (the first, if the list has several). */
export function chainNamed(table: Table, name: string): Chain | undefined {
  const i = positionIn(indexOf(table), name);
  return i < 0 ? undefined : table.chains[i];
}

/** The position in `table.chains` of the chain of this name (the first), or -1. */
export function chainPosition(table: Table, name: string): number {
  return positionIn(indexOf(table), name);
}

/** Whether the table has a chain of this name. */
export function hasChain(table: Table, name: string): boolean {
  return positionIn(indexOf(table), name) >= 0;
}

/**
 * Appends a chain and indexes it at once (right after a lookup of its name missed, the index
 * is still in the cache; indexing it at the next lookup would miss again).
 */
export function addChain(table: Table, chain: Chain): void {
  const ix = indexOf(table);
  table.chains.push(chain);
  append(ix, chain);
}
