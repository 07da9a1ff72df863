/**
 * A table's chains by name, shared by the front ends, their checks and the simulator: the
 * first chain of a name wins, as a scan from the start would find it. Kept while the chain list
 * is the same array; a chain pushed since the last look is added, any other change (a chain
 * deleted, the list replaced) rebuilds it. Declaring the 50,000th chain of a kube-proxy-sized
 * table, or jumping to it, must not scan the 49,999 before it.
 */
import type { Chain, Table } from './model.ts';

/**
 * Positions by name in an open-addressing table of typed arrays: a name's hash and its first
 * position in the list. A look-up that misses (every chain a listing declares is looked up
 * first) probes only these arrays, never a name; a Map of 50,000 names compared the strings
 * of its bucket's entries, each a miss in the processor's caches.
 */
interface ChainIndex {
  list: Chain[];
  size: number;
  /** Each slot's name hash (meaningful where `slots` is not 0). */
  hashes: Int32Array;
  /** Each slot's position + 1; 0: empty. */
  slots: Int32Array;
  /** Names indexed (distinct), to grow the table before it fills. */
  names: number;
  /**
   * The name asked about last and its position (-1: none): each name is asked about twice in
   * a row, declared (looked up, then added) or jumped to (checked, then put in the jump
   * graph).
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

function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h;
}

function emptyIndex(list: Chain[], capacity: number): ChainIndex {
  let cap = 64;
  while (cap < capacity * 2) cap *= 2;
  return {
    list,
    size: 0,
    hashes: new Int32Array(cap),
    slots: new Int32Array(cap),
    names: 0,
    lastName: undefined,
    lastPosition: -1,
  };
}

function indexOf(table: Table): ChainIndex {
  let ix = table === lastTable ? lastIndex : indexes.get(table);
  if (ix && ix.list === table.chains && ix.size === table.chains.length) return remember(table, ix);
  if (ix && ix.list === table.chains && ix.size + 1 === table.chains.length) {
    append(ix, table.chains[ix.size] as Chain);
    return remember(table, ix);
  }
  ix = emptyIndex(table.chains, table.chains.length);
  for (const c of table.chains) append(ix, c);
  indexes.set(table, ix);
  return remember(table, ix);
}

function remember(table: Table, ix: ChainIndex): ChainIndex {
  lastTable = table;
  lastIndex = ix;
  return ix;
}

/** The slot of `name` (whose hash is `h`): where it is, or the empty slot where it would go. */
function slotOf(ix: ChainIndex, name: string, h: number): number {
  const mask = ix.slots.length - 1;
  for (let s = h & mask; ; s = (s + 1) & mask) {
    const p = ix.slots[s] as number;
    if (p === 0) return s;
    if (ix.hashes[s] === h && (ix.list[p - 1] as Chain).name === name) return s;
  }
}

/** The position of the first chain of this name in the index, or -1. */
function positionIn(ix: ChainIndex, name: string): number {
  if (name === ix.lastName) return ix.lastPosition;
  const i = (ix.slots[slotOf(ix, name, hashName(name))] as number) - 1;
  ix.lastName = name;
  ix.lastPosition = i;
  return i;
}

/** Indexes a chain just appended to the list. */
function append(ix: ChainIndex, chain: Chain): void {
  const name = chain.name;
  if (name === ix.lastName && ix.lastPosition >= 0) {
    ix.size++;
    return;
  }
  if ((ix.names + 1) * 2 > ix.slots.length) grow(ix);
  const h = hashName(name);
  const s = slotOf(ix, name, h);
  if (ix.slots[s] === 0) {
    ix.slots[s] = ix.size + 1;
    ix.hashes[s] = h;
    ix.names++;
    ix.lastName = name;
    ix.lastPosition = ix.size;
  }
  ix.size++;
}

/** Twice the slots, every name placed again. */
function grow(ix: ChainIndex): void {
  const { hashes, slots } = ix;
  ix.hashes = new Int32Array(slots.length * 2);
  ix.slots = new Int32Array(slots.length * 2);
  const mask = ix.slots.length - 1;
  for (let k = 0; k < slots.length; k++) {
    const p = slots[k] as number;
    if (p === 0) continue;
    const h = hashes[k] as number;
    let s = h & mask;
    while (ix.slots[s] !== 0) s = (s + 1) & mask;
    ix.slots[s] = p;
    ix.hashes[s] = h;
  }
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
