/**
 * Lines of a listing folded until the reader opens them: the regular chains a quiet base chain
 * (quiet-chains.ts) led the packet through. The explanation tells those steps as one item and
 * folds them one by one; the listing folds their lines the same way, so a hook whose base
 * chains only walk through a zone's chains (firewalld's `raw_PREROUTING`, `mangle_PREROUTING`)
 * shows each base chain's own lines (its entry, the jumps out of it, its policy) and one line
 * that stands for the chains behind them. No folded line did anything to the packet: every
 * step numbered in them is a step of the quiet chain.
 */
import type { ChainSpan, ListingRow } from './listing.ts';
import type { QuietChain } from './quiet-chains.ts';

export interface ListingFold {
  /** Rows [from, to) of the listing. */
  from: number;
  to: number;
  /** The quiet base chain, and the chains folded, in listing order. */
  base: string;
  chains: string[];
  /** The first and the last step numbered in the folded rows. */
  first: number;
  last: number;
}

/** Fewer rows than this stay in view: the fold's own line would save next to nothing. */
const MIN_FOLD_ROWS = 4;

function stepNumbers(rows: ListingRow[]): number[] {
  return rows.flatMap((r) => [...r.mark.matchAll(/\((\d+)\)/g)].map((m) => Number(m[1])));
}

/** The spans right after the quiet chain's own lines that hold chains it led to. */
function reachedSpans(chains: ChainSpan[], q: QuietChain): ChainSpan[] {
  const at = chains.findIndex(
    (c) => c.base && c.family === q.family && c.table === q.table && c.chain === q.chain,
  );
  if (at < 0) return [];
  const out: ChainSpan[] = [];
  for (let i = at + 1; i < chains.length; i++) {
    const c = chains[i]!;
    const next = c.from === chains[i - 1]!.to;
    if (c.base || !next || c.family !== q.family || c.table !== q.table) break;
    if (!q.reached.includes(c.chain)) break;
    out.push(c);
  }
  return out;
}

/** The folds of a listing laid out as `rows` and `chains`, one per quiet base chain at most. */
export function listingFolds(
  rows: ListingRow[],
  chains: ChainSpan[],
  quiet: QuietChain[],
): ListingFold[] {
  const out: ListingFold[] = [];
  for (const q of quiet) {
    const spans = reachedSpans(chains, q);
    if (spans.length === 0) continue;
    const from = spans[0]!.from;
    const to = spans.at(-1)!.to;
    const numbers = stepNumbers(rows.slice(from, to));
    // A line marked by a step of another chain (one reached again later) stays in view.
    const own = numbers.every((n) => n >= q.first && n <= q.last);
    if (to - from < MIN_FOLD_ROWS || numbers.length === 0 || !own) continue;
    out.push({
      from,
      to,
      base: q.chain,
      chains: spans.map((s) => s.chain),
      first: Math.min(...numbers),
      last: Math.max(...numbers),
    });
  }
  return out;
}
