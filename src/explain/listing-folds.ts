/**
 * Lines of a site listing folded until the reader opens them, every line that carries a step
 * of the walk but those a folded item of the explanation tells left in view:
 *
 * - the regular chains a quiet base chain (quiet-chains.ts) led the packet through: the
 *   explanation tells those steps as one item and folds them one by one, and the listing
 *   folds their lines the same way, so a hook whose base chains only walk through a zone's
 *   chains (firewalld's `raw_PREROUTING`, `mangle_PREROUTING`) shows each base chain's own
 *   lines (its entry, the jumps out of it, its policy) and one line for the chains behind;
 * - runs of rules the packet never reached (after a chain's verdict, in a base chain not
 *   entered), as the Markdown listing cuts a run of more than 40.
 */
import type { ChainSpan, ListingRow } from './listing.ts';
import type { QuietChain } from './quiet-chains.ts';

export type ListingFold = { from: number; to: number } & (
  | {
      kind: 'quiet';
      /** The quiet base chain, and the chains folded, in listing order. */
      base: string;
      chains: string[];
      /** The first and the last step numbered in the folded rows. */
      first: number;
      last: number;
    }
  | { kind: 'unreached'; rules: number }
);

export interface Layout {
  rows: ListingRow[];
  chains: ChainSpan[];
  /** How many rules each row stands for (listing.ts). */
  rules: number[];
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

function quietFolds(rows: ListingRow[], chains: ChainSpan[], quiet: QuietChain[]) {
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
    const chainNames = spans.map((s) => s.chain);
    out.push({ kind: 'quiet', from, to, base: q.chain, chains: chainNames, ...range(numbers) });
  }
  return out;
}

const range = (numbers: number[]) => ({ first: Math.min(...numbers), last: Math.max(...numbers) });

/** Runs of rows, inside one chain, of rules without a mark: never reached. */
function unreachedFolds(layout: Layout): ListingFold[] {
  const out: ListingFold[] = [];
  const { rows, rules } = layout;
  for (const span of layout.chains) {
    let i = span.from;
    while (i < span.to) {
      const unreached = (k: number) => rules[k]! > 0 && rows[k]!.mark === '';
      if (!unreached(i)) {
        i++;
        continue;
      }
      let j = i;
      while (j < span.to && unreached(j)) j++;
      const count = rules.slice(i, j).reduce((a, b) => a + b, 0);
      if (j - i >= MIN_FOLD_ROWS) out.push({ kind: 'unreached', from: i, to: j, rules: count });
      i = j;
    }
  }
  return out;
}

/** The folds of a listing, in order and apart. */
export function listingFolds(layout: Layout, quiet: QuietChain[]): ListingFold[] {
  const byQuiet = quietFolds(layout.rows, layout.chains, quiet);
  const inside = (f: ListingFold) => byQuiet.some((q) => f.from < q.to && q.from < f.to);
  const rest = unreachedFolds(layout).filter((f) => !inside(f));
  return [...byQuiet, ...rest].sort((a, b) => a.from - b.from);
}
