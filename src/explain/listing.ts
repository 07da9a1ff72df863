/**
 * The extracted chains of one hook crossing, printed from the user's own ruleset with the seed
 * article's margin marks: `(n)` where a step was taken, `(n)->` on a jump/goto/return, `->(n)`
 * where evaluation arrives, `↓` beside rules passed over. A long run of rules the packet passed
 * over or never reached (a kube-proxy chain of 50,000 services) is cut to its first and last
 * few, with a comment line that says how many are left out.
 */
import type { Chain, Family, HookName, Rule, Ruleset, Table } from '../ruleset/model.ts';
import { type LineRanges, ruleLineRanges } from './listing-ranges.ts';
import {
  type ChainMarks,
  chainKey,
  type FamilyClass,
  type Replay,
  splitVerdict,
} from './stages.ts';

export interface BaseOnHook {
  table: Table;
  chain: Chain;
  key: string;
}

/** Families whose chains an L3 packet of `ipFamily` meets, or the bridge/netdev/arp family. */
export function familiesFor(fclass: FamilyClass, ipFamily: 4 | 6): Family[] {
  if (fclass === 'bridge') return ['bridge'];
  if (fclass === 'netdev') return ['netdev'];
  if (fclass === 'arp') return ['arp'];
  return ipFamily === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
}

/** Every base chain on this hook in these families, in the order the kernel runs them. */
export function baseChainsOnHook(
  ruleset: Ruleset,
  hook: HookName,
  families: Family[],
): BaseOnHook[] {
  const out: BaseOnHook[] = [];
  for (const table of ruleset.tables) {
    if (!families.includes(table.family)) continue;
    if (table.flags.includes('dormant')) continue;
    for (const chain of table.chains) {
      if (chain.base?.hook !== hook) continue;
      out.push({ table, chain, key: chainKey(table.family, table.name, chain.name) });
    }
  }
  // Stable sort: equal priorities keep ruleset order (the kernel's registration order).
  return out.sort((a, b) => a.chain.base!.priority.value - b.chain.base!.priority.value);
}

export function findChain(
  ruleset: Ruleset,
  family: Family,
  table: string,
  chain: string,
): { table: Table; chain: Chain } | undefined {
  const t = ruleset.tables.find((x) => x.family === family && x.name === table);
  const c = t?.chains.find((x) => x.name === chain);
  return t && c ? { table: t, chain: c } : undefined;
}

interface Line extends LineRanges {
  marks: string[];
  text: string;
  /** How many of the chain's rules the line stands for: 1, a cut's count, none (0) for the rest. */
  rules?: number;
}

/** A step taken at the rule itself (`(n)`, `(n)->`), not just passing it or arriving after it. */
const STEP_AT_RULE = /^\(\d+\)(->)?$/;

function joinMarks(marks: string[]): string {
  return marks.join('');
}

/** Says how many rules a cut leaves out (the catalogue's listingElided). */
export type Elide = (count: number, passedOver: boolean) => string;

/** Runs of more quiet rules than this are cut, keeping KEEP at each end. */
const ELIDE_RUN = 40;
const KEEP = 3;

/** 1: passed over (`↓` only), 2: not reached (no mark), 0: a rule the walk did something at. */
function quietness(marks: string[]): number {
  if (marks.length === 0) return 2;
  return marks.length === 1 && marks[0] === '↓' ? 1 : 0;
}

/** One line per rule, long quiet runs cut (when `elide` is given). */
function ruleLines(
  rules: Rule[],
  m: ChainMarks | undefined,
  text: (r: Rule) => { text: string; prefix: number },
  comment: string,
  elide: Elide | undefined,
): Line[] {
  const lines: Line[] = [];
  const marksOf = (r: Rule) => m?.rules.get(r.index) ?? [];
  let i = 0;
  while (i < rules.length) {
    const q = quietness(marksOf(rules[i] as Rule));
    let j = i + 1;
    if (q !== 0) while (j < rules.length && quietness(marksOf(rules[j] as Rule)) === q) j++;
    const cut = elide !== undefined && q !== 0 && j - i > ELIDE_RUN;
    for (let k = i; k < j; k++) {
      if (cut && k === i + KEEP) {
        const left = j - i - 2 * KEEP;
        lines.push({
          marks: q === 1 ? ['↓'] : [],
          text: `${comment}# ${elide(left, q === 1)}`,
          rules: left,
        });
        k = j - KEEP - 1;
        continue;
      }
      const r = rules[k] as Rule;
      const marks = marksOf(r);
      const t = text(r);
      const ranges = ruleLineRanges(
        r,
        t.prefix,
        marks.some((x) => STEP_AT_RULE.test(x)),
      );
      lines.push({ marks, text: t.text, ...ranges, rules: 1 });
    }
    i = j;
  }
  return lines;
}

function chainLinesNft(
  chain: Chain,
  m: ChainMarks | undefined,
  indent: string,
  elide: Elide | undefined,
): Line[] {
  // A regular chain without rules on one line (firewalld's empty zone chains): what arrives at
  // it and what returns from it are marked on that line.
  if (!chain.base && chain.rules.length === 0)
    return [
      {
        marks: [...(m?.header ?? []), ...(m?.close ?? [])],
        text: `${indent}chain ${chain.name} { }`,
      },
    ];
  const lines: Line[] = [];
  lines.push({ marks: m?.header ?? [], text: `${indent}chain ${chain.name} {` });
  if (chain.base) {
    const b = chain.base;
    const dev =
      b.devices.length === 0
        ? ''
        : b.devicesSet || b.devices.length > 1
          ? ` devices = { ${b.devices.join(', ')} }`
          : ` device "${b.devices[0]}"`;
    lines.push({
      marks: m?.typeLine ?? [],
      text: `${indent}  type ${b.type} hook ${b.hook}${dev} priority ${b.priority.text}; policy ${chain.policy ?? 'accept'};`,
    });
  }
  const ruleText = (r: Rule) => ({ text: `${indent}  ${r.text}`, prefix: indent.length + 2 });
  lines.push(...ruleLines(chain.rules, m, ruleText, `${indent}  `, elide));
  lines.push({ marks: m?.close ?? [], text: `${indent}}` });
  return lines;
}

function chainLinesIptables(
  chain: Chain,
  m: ChainMarks | undefined,
  elide: Elide | undefined,
): Line[] {
  const lines: Line[] = [];
  const policy = chain.base ? (chain.policy ?? 'accept').toUpperCase() : '-';
  // iptables-save has no closing line: the policy's step is marked on the `:CHAIN POLICY` line.
  lines.push({
    marks: [...(m?.header ?? []), ...(m?.typeLine ?? []), ...(m?.close ?? [])],
    text: `:${chain.name} ${policy}`,
  });
  lines.push(
    ...ruleLines(
      chain.rules,
      m,
      (r) =>
        r.iptables
          ? { text: r.iptables.line, prefix: 0 }
          : { text: `-A ${chain.name} ${r.text}`, prefix: `-A ${chain.name} `.length },
      '',
      elide,
    ),
  );
  return lines;
}

export interface ListingTable {
  table: Table;
  chains: Chain[];
}

/**
 * The tables and chains shown for one stage: every base chain on the hook (entered or not) and
 * every regular chain the packet reached, tables in the order their first base chain runs; in
 * a table, each base chain is followed by the regular chains reached from it, first reach first.
 */
export function listingTables(bases: BaseOnHook[], replay: Replay | undefined): ListingTable[] {
  // Regular chains in the order the walk first reached them (jump/goto targets, in step order).
  const order: string[] = [];
  for (const st of replay?.steps ?? []) {
    const e = st.event;
    if (e.type !== 'rule') continue;
    const [v, target] = splitVerdict(e.verdict);
    if (v === 'jump' || v === 'goto') order.push(chainKey(e.family, e.table, target));
  }
  const tables: ListingTable[] = [];
  for (const b of bases) {
    let entry = tables.find((t) => t.table === b.table);
    if (!entry) {
      entry = { table: b.table, chains: [] };
      tables.push(entry);
    }
    entry.chains.push(b.chain);
    // The regular chains reached from this base chain, first reach first.
    const fromThis = new Set<string>();
    for (const st of replay?.steps ?? []) {
      const e = st.event;
      if (e.type !== 'rule') continue;
      if (
        st.base.family !== b.table.family ||
        st.base.table !== b.table.name ||
        st.base.chain !== b.chain.name
      )
        continue;
      const [v, target] = splitVerdict(e.verdict);
      if (v === 'jump' || v === 'goto') fromThis.add(chainKey(e.family, e.table, target));
    }
    for (const key of order) {
      if (!fromThis.has(key)) continue;
      const c = b.table.chains.find((x) => chainKey(b.table.family, b.table.name, x.name) === key);
      if (c && !c.base && !entry.chains.includes(c)) entry.chains.push(c);
    }
  }
  return tables;
}

export type ListingRow = { mark: string; text: string } & LineRanges;

/** Where a chain's lines are in the listing: rows [from, to). */
export interface ChainSpan {
  family: Family;
  table: string;
  chain: string;
  base: boolean;
  from: number;
  to: number;
}

/**
 * The listing row by row (the margin mark and the ruleset line; long quiet runs cut when
 * `elide` is given), which rows each chain's lines are, and how many rules each row stands for.
 */
export function listingLayout(
  ruleset: Ruleset,
  tables: ListingTable[],
  replay?: Replay,
  elide?: Elide,
): { rows: ListingRow[]; chains: ChainSpan[]; rules: number[] } {
  const lines: Line[] = [];
  const chains: ChainSpan[] = [];
  const iptables = ruleset.format === 'iptables-save';
  for (const { table, chains: shown } of tables) {
    const marksOf = (c: Chain) => replay?.marks.get(chainKey(table.family, table.name, c.name));
    lines.push({
      marks: [],
      text: iptables ? `*${table.name}` : `table ${table.family} ${table.name} {`,
    });
    for (const c of shown) {
      const from = lines.length;
      lines.push(
        ...(iptables
          ? chainLinesIptables(c, marksOf(c), elide)
          : chainLinesNft(c, marksOf(c), '  ', elide)),
      );
      const at = { family: table.family, table: table.name, chain: c.name, base: !!c.base };
      chains.push({ ...at, from, to: lines.length });
    }
    lines.push({ marks: [], text: iptables ? 'COMMIT' : '}' });
  }
  const rows = lines.map((l) => ({
    mark: joinMarks(l.marks),
    text: l.text,
    ...(l.hit ? { hit: l.hit } : {}),
    ...(l.dim ? { dim: l.dim } : {}),
  }));
  // How many of the ruleset's rules each row stands for (0: a table, chain or policy line).
  return { rows, chains, rules: lines.map((l) => l.rules ?? 0) };
}

/** The listing row by row: the margin mark and the ruleset line (long quiet runs cut when
 * `elide` is given). */
export function listingRows(
  ruleset: Ruleset,
  tables: ListingTable[],
  replay?: Replay,
  elide?: Elide,
): ListingRow[] {
  return listingLayout(ruleset, tables, replay, elide).rows;
}

/** The listing as plain text (the code block's value): marks in a left margin. */
export function listingText(
  ruleset: Ruleset,
  tables: ListingTable[],
  replay?: Replay,
  elide?: Elide,
): string {
  const rows = listingRows(ruleset, tables, replay, elide);
  const width = Math.max(0, ...rows.map((r) => [...r.mark].length));
  return rows
    .map((r) => `${r.mark}${' '.repeat(width - [...r.mark].length)}  ${r.text}`.trimEnd())
    .join('\n');
}
