/**
 * The checks the kernel makes when an nf_tables ruleset is committed, beyond syntax: jumps and
 * gotos from a base chain may not nest 16 chains deep (nft_chain_validate:
 * `if (ctx->level == NFT_JUMP_STACK_SIZE) return -EMLINK;`, the level rising by one for every
 * jump AND goto, through vmaps and named verdict maps too). A loop (a → b → a) reached from a
 * base chain is refused the same way, since it nests without end.
 *
 * Measured with nft 1.0.6 on 6.18: base → c0 → … → c14 loads; one chain more is refused with
 * `Error: Could not process rule: Too many links` at the base chain's `jump c0`; a loop a ↔ b
 * reached from a base chain (by jump or goto) likewise; the same loop with no base chain
 * reaching it loads.
 */
import { chainPosition } from './chains.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { Chain, Expr, Rule, Ruleset, SetElement, Statement, Table, Verdict } from './model.ts';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h. */
export const NFT_JUMP_STACK_SIZE = 16;

/**
 * Positioned errors for jumps the kernel would refuse; empty when the ruleset is fine.
 * `graphs`: the tables' jump graphs when a front end built them while checking its rules
 * (the nft front end does); any other table's graph is built here.
 */
export function validateJumps(
  ruleset: Ruleset,
  graphs?: ReadonlyMap<Table, JumpGraph>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const table of ruleset.tables) {
    const depth = graphs?.get(table) ?? new JumpGraph(table);
    // Indexed: a table may hold 50,000 chains, and this loop runs once (unoptimised at first,
    // where an iterator makes an object per step).
    for (let i = 0; i < table.chains.length; i++) {
      const chain = table.chains[i] as Chain;
      if (!chain.base) continue;
      for (const rule of chain.rules) {
        const found = depth.fromRule(rule);
        if (found === undefined) continue;
        const path = [chain.name, ...found.path];
        const loop = found.loop ? ' (a loop)' : '';
        const span = rule.span;
        out.push({
          file: span?.file ?? chain.span?.file ?? ruleset.files[0]?.path ?? 'ruleset',
          line: span?.line ?? chain.span?.line ?? 1,
          col: span?.col ?? chain.span?.col ?? 1,
          ...(span ? { endLine: span.endLine, endCol: span.endCol } : {}),
          message: `Could not process rule: Too many links: jumps from base chain ${chain.name} of table ${table.family} ${table.name} nest deeper than the kernel's ${NFT_JUMP_STACK_SIZE} chains${loop}: ${path.join(' → ')}`,
          severity: 'error',
          ruleId: 'nft_chain_validate',
        });
        break; // one error per base chain, as the kernel stops at the first
      }
    }
  }
  return out;
}

interface TooDeep {
  /** The chains entered, from the rule's first target on, up to where the limit is hit. */
  path: string[];
  loop: boolean;
}

const NO_EDGES: number[] = [];

/**
 * In the kernel only immediates (verdict statements), lookups in verdict maps (vmap) and
 * dynamic set updates carry verdicts; the other statements are not walked for targets (a
 * match's operands are half the nodes of a big ruleset).
 */
const CARRIES_VERDICTS: ReadonlySet<Statement['kind']> = new Set(['verdict', 'vmap', 'setop']);

/** Whether a statement can lead to another chain (the only ones the jump graph reads). */
export function carriesVerdicts(s: Statement): boolean {
  return CARRIES_VERDICTS.has(s.kind);
}

/**
 * The table's jump graph with chains as numbered nodes (anonymous `jump { … }` chains get
 * nodes of their own), and the longest jump path below each node, memoised: a DAG of 50,000
 * chains is walked once, with no lookups by name after the graph is built. A node met again
 * while still on the path is a loop.
 */
export class JumpGraph {
  private readonly table: Table;
  /** Nodes: the table's chains by position (jumps find the first of a name, as the kernel's
   * lookup does), then anonymous chains as they are met. */
  private readonly names: string[];
  private readonly bindingSlot = new Map<Rule[], number>();
  /** The nodes each node's rules jump or go to, in rule order. */
  private readonly edges: number[][];
  /** Longest path below a node, capped at the limit; -1 until known. */
  private height: Int8Array;
  private onPath: Uint8Array;
  /** Targets of a named map's elements, found once per map (many rules may look it up). */
  private readonly setTargets = new Map<string, number[]>();

  /**
   * `walk`: read every chain's rules for their targets now; without it, the caller gives the
   * statements of each chain's rules in order through addStatement (a front end that walks
   * them anyway, so that a big ruleset is not walked twice).
   */
  constructor(table: Table, walk = true) {
    this.table = table;
    // Each made at its size at once (a table may hold 50,000 chains).
    this.names = table.chains.map((c) => c.name);
    this.edges = table.chains.map(() => NO_EDGES);
    if (walk)
      for (let i = 0; i < table.chains.length; i++)
        this.edges[i] = this.targetsOfRules((table.chains[i] as Chain).rules);
    this.height = new Int8Array(0);
    this.onPath = new Uint8Array(0);
  }

  /** One statement of a rule of the table's chain at `position`, in rule order. */
  addStatement(position: number, s: Statement): void {
    if (!CARRIES_VERDICTS.has(s.kind)) return;
    let out = this.edges[position] as number[];
    if (out === NO_EDGES) {
      out = [];
      this.edges[position] = out;
    }
    this.statement(s, out);
  }

  fromRule(rule: Rule): TooDeep | undefined {
    for (const target of this.targetsOfRules([rule])) {
      // The base chain is level 0; its target level 1.
      if (1 + this.heightOf(target) >= NFT_JUMP_STACK_SIZE) {
        return this.describe(target, 1);
      }
    }
    return undefined;
  }

  /** Levels below node `c` (0 for a chain that jumps nowhere); the limit when it loops. */
  private heightOf(c: number): number {
    this.fit();
    const known = this.height[c] as number;
    if (known >= 0) return known;
    if (this.onPath[c] === 1) return NFT_JUMP_STACK_SIZE;
    this.onPath[c] = 1;
    let h = 0;
    for (const t of this.edges[c] as number[]) {
      h = Math.max(h, 1 + this.heightOf(t));
      if (h >= NFT_JUMP_STACK_SIZE) break;
    }
    this.onPath[c] = 0;
    h = Math.min(h, NFT_JUMP_STACK_SIZE);
    this.height[c] = h;
    return h;
  }

  /** Grows the memo arrays after bindings met in base chains' rules added nodes. */
  private fit(): void {
    const n = this.names.length;
    if (this.height.length === n) return;
    const height = new Int8Array(n).fill(-1);
    height.set(this.height);
    const onPath = new Uint8Array(n);
    onPath.set(this.onPath);
    this.height = height;
    this.onPath = onPath;
  }

  /** The path from node `start` down to the level where the kernel stops, or round a loop. */
  private describe(start: number, level: number): TooDeep {
    const path: string[] = [];
    const seen = new Set<number>();
    let c: number | undefined = start;
    let lvl = level;
    while (c !== undefined) {
      path.push(this.names[c] as string);
      if (seen.has(c)) return { path, loop: true };
      seen.add(c);
      if (lvl >= NFT_JUMP_STACK_SIZE) return { path, loop: false };
      let next: number | undefined;
      for (const t of this.edges[c] as number[]) {
        if (lvl + 1 + this.heightOf(t) >= NFT_JUMP_STACK_SIZE) {
          next = t;
          break;
        }
      }
      c = next;
      lvl++;
    }
    return { path, loop: false };
  }

  /** The nodes some rules' jumps and gotos lead to: verdicts, vmaps, named verdict maps. */
  private targetsOfRules(rules: Rule[]): number[] {
    let out: number[] | undefined;
    for (const rule of rules) {
      for (const s of rule.statements) {
        if (!CARRIES_VERDICTS.has(s.kind)) continue;
        out ??= [];
        this.statement(s, out);
      }
    }
    return out === undefined || out.length === 0 ? NO_EDGES : out;
  }

  private verdict(v: Verdict, out: number[]): void {
    if (v.kind !== 'jump' && v.kind !== 'goto') return;
    if (v.binding) {
      // An anonymous chain written in place: a node of its own, one level, then its rules.
      let slot = this.bindingSlot.get(v.binding);
      if (slot === undefined) {
        slot = this.names.length;
        this.bindingSlot.set(v.binding, slot);
        this.names.push(`${v.kind} { … }`);
        this.edges[slot] = NO_EDGES;
        this.edges[slot] = this.targetsOfRules(v.binding);
      }
      out.push(slot);
      return;
    }
    if (v.target !== undefined) {
      const t = chainPosition(this.table, v.target);
      if (t >= 0) out.push(t);
    }
  }

  /** Every statement kind, so that a new one must say whether it can hold a verdict. */
  private statement(s: Statement, out: number[]): void {
    switch (s.kind) {
      case 'verdict':
        this.verdict(s.verdict, out);
        return;
      case 'vmap':
        this.expr(s.key, out);
        this.expr(s.map, out);
        return;
      case 'match':
        this.expr(s.left, out);
        this.expr(s.right, out);
        if (s.mask) this.expr(s.mask, out);
        return;
      case 'nat':
        if (s.addr) this.expr(s.addr, out);
        if (s.port) this.expr(s.port, out);
        return;
      case 'mangle':
        this.expr(s.target, out);
        this.expr(s.value, out);
        return;
      case 'setop':
        this.expr(s.key, out);
        if (s.data) this.expr(s.data, out);
        for (const t of s.statements) this.statement(t, out);
        return;
      case 'counter':
      case 'reject':
      case 'log':
      case 'notrack':
      case 'other':
      case 'unsupported':
        return;
      default:
        unreachable(s);
    }
  }

  /** Every expression kind: only sets and maps can carry verdicts, at any depth. */
  private expr(e: Expr, out: number[]): void {
    switch (e.kind) {
      case 'verdict':
        this.verdict(e.verdict, out);
        return;
      case 'setref': {
        let targets = this.setTargets.get(e.name);
        if (!targets) {
          targets = [];
          this.setTargets.set(e.name, targets);
          const set = this.table.sets.find((s) => s.name === e.name);
          if (set) for (const el of set.elements) this.element(el, targets);
        }
        for (const t of targets) out.push(t);
        return;
      }
      case 'set':
        for (const el of e.elements) this.element(el, out);
        return;
      case 'map':
        this.expr(e.key, out);
        this.expr(e.map, out);
        return;
      case 'prefix':
        this.expr(e.expr, out);
        return;
      case 'range':
        this.expr(e.low, out);
        this.expr(e.high, out);
        return;
      case 'list':
        for (const x of e.items) this.expr(x, out);
        return;
      case 'concat':
        for (const x of e.parts) this.expr(x, out);
        return;
      case 'binop':
        this.expr(e.left, out);
        this.expr(e.right, out);
        return;
      case 'hash':
        if (e.expr) this.expr(e.expr, out);
        return;
      case 'payload':
      case 'raw':
      case 'meta':
      case 'ct':
      case 'fib':
      case 'rt':
      case 'socket':
      case 'osf':
      case 'ipsec':
      case 'tunnel':
      case 'xfrm':
      case 'numgen':
      case 'value':
      case 'variable':
      case 'symbol':
        return;
      default:
        unreachable(e);
    }
  }

  private element(el: SetElement, out: number[]): void {
    this.expr(el.key, out);
    if (el.value) this.expr(el.value, out);
    if (el.statements) for (const s of el.statements) this.statement(s, out);
  }
}

function unreachable(x: never): never {
  throw new Error(`unknown model node ${JSON.stringify((x as { kind?: unknown }).kind)}`);
}
