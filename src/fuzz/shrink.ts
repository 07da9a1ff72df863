/**
 * Shrinking a failing case: remove one part at a time (a conversation, a table, a chain, a
 * rule, a set, an ip rule, a TCP segment) and keep the removal when the kernel and the simulator still differ in the
 * same way (differenceSignature). Greedy, one pass after another until nothing more goes,
 * and bounded by a number of kernel runs. Removals nft would refuse (a jump to a removed
 * chain) are dropped by the project's own front end before any kernel run.
 */
import type { FuzzCase } from './case.ts';

/** Every case one part smaller, the cheapest-to-run first (conversations, from the last). */
export function reductions(c: FuzzCase): FuzzCase[] {
  const out: FuzzCase[] = [];
  if (c.packets.length > 1) {
    for (let i = c.packets.length - 1; i >= 0; i--)
      out.push({ ...c, packets: c.packets.filter((_, j) => j !== i) });
  }
  for (let t = 0; t < c.tables.length; t++)
    out.push({ ...c, tables: c.tables.filter((_, j) => j !== t) });
  const withTable = (t: number, table: FuzzCase['tables'][number]) => ({
    ...c,
    tables: c.tables.map((x, j) => (j === t ? table : x)),
  });
  for (const [t, table] of c.tables.entries()) {
    for (let k = 0; k < table.chains.length; k++)
      out.push(withTable(t, { ...table, chains: table.chains.filter((_, j) => j !== k) }));
  }
  for (const [t, table] of c.tables.entries()) {
    for (const [k, chain] of table.chains.entries()) {
      for (let r = 0; r < chain.rules.length; r++) {
        const rules = chain.rules.filter((_, j) => j !== r);
        out.push(
          withTable(t, {
            ...table,
            chains: table.chains.map((x, j) => (j === k ? { ...chain, rules } : x)),
          }),
        );
      }
    }
  }
  for (const [t, table] of c.tables.entries()) {
    for (let s = 0; s < table.sets.length; s++)
      out.push(withTable(t, { ...table, sets: table.sets.filter((_, j) => j !== s) }));
  }
  out.push(...widenedReductions(c));
  return out;
}

/** The widened model's parts: an ip rule, a segment of a conversation that lists them. */
function widenedReductions(c: FuzzCase): FuzzCase[] {
  const out: FuzzCase[] = [];
  const rules = c.host.rules ?? [];
  for (let i = 0; i < rules.length; i++)
    out.push({ ...c, host: { ...c.host, rules: rules.filter((_, j) => j !== i) } });
  for (const [i, p] of c.packets.entries()) {
    const segs = p.segments ?? [];
    if (segs.length < 2) continue;
    for (let k = segs.length - 1; k >= 0; k--) {
      const packet = { ...p, segments: segs.filter((_, j) => j !== k) };
      out.push({ ...c, packets: c.packets.map((x, j) => (j === i ? packet : x)) });
    }
  }
  return out;
}

export interface ShrinkOptions {
  /** Whether the project's loaders take the case (no kernel run needed to know). */
  valid: (c: FuzzCase) => boolean;
  /** The difference's signature on the kernel, or undefined when they agree or it failed. */
  signature: (c: FuzzCase) => Promise<string | undefined>;
  /** Kernel runs at most. */
  budget: number;
}

export interface Shrunk {
  case: FuzzCase;
  runs: number;
  /** Whether it stopped for the budget rather than for having nothing left to remove. */
  exhausted: boolean;
}

export async function shrink(c: FuzzCase, target: string, opts: ShrinkOptions): Promise<Shrunk> {
  let current = c;
  let runs = 0;
  let progress = true;
  while (progress) {
    progress = false;
    let i = 0;
    for (;;) {
      const candidates = reductions(current);
      if (i >= candidates.length) break;
      const next = candidates[i]!;
      if (!opts.valid(next)) {
        i++;
        continue;
      }
      if (runs >= opts.budget) return { case: current, runs, exhausted: true };
      runs++;
      if ((await opts.signature(next)) === target) {
        // The same index now names the next part: keep going from there.
        current = next;
        progress = true;
      } else i++;
    }
  }
  return { case: current, runs, exhausted: false };
}
