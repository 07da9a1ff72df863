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
import type { Diagnostic } from './diagnostics.ts';
import type { Chain, Rule, Ruleset, Table } from './model.ts';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h. */
export const NFT_JUMP_STACK_SIZE = 16;

/** Positioned errors for jumps the kernel would refuse; empty when the ruleset is fine. */
export function validateJumps(ruleset: Ruleset): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const table of ruleset.tables) {
    const depth = new DepthFinder(table);
    for (const chain of table.chains) {
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

/**
 * Longest jump path below each chain, memoised (a DAG of 50,000 chains is walked once); a
 * chain met again while still on the path is a loop.
 */
class DepthFinder {
  private readonly chains = new Map<string, Chain>();
  /** Longest chain path below a chain, capped at the limit. */
  private readonly height = new Map<Chain, number>();
  private readonly onPath = new Set<Chain>();
  private readonly table: Table;
  constructor(table: Table) {
    this.table = table;
    for (const c of table.chains) if (!this.chains.has(c.name)) this.chains.set(c.name, c);
  }

  fromRule(rule: Rule): TooDeep | undefined {
    for (const target of this.targetsOf(rule)) {
      // The base chain is level 0; its target level 1.
      if (1 + this.heightOf(target) >= NFT_JUMP_STACK_SIZE) {
        return this.describe(target, 1);
      }
    }
    return undefined;
  }

  /** Levels below `c` (0 for a chain that jumps nowhere); the limit when it loops. */
  private heightOf(c: Chain): number {
    const known = this.height.get(c);
    if (known !== undefined) return known;
    if (this.onPath.has(c)) return NFT_JUMP_STACK_SIZE;
    this.onPath.add(c);
    let h = 0;
    for (const rule of c.rules) {
      for (const t of this.targetsOf(rule)) {
        h = Math.max(h, 1 + this.heightOf(t));
        if (h >= NFT_JUMP_STACK_SIZE) break;
      }
      if (h >= NFT_JUMP_STACK_SIZE) break;
    }
    this.onPath.delete(c);
    h = Math.min(h, NFT_JUMP_STACK_SIZE);
    this.height.set(c, h);
    return h;
  }

  /** The path from `c` down to the level where the kernel stops, or round a loop. */
  private describe(start: Chain, level: number): TooDeep {
    const path: string[] = [];
    const seen = new Set<Chain>();
    let c: Chain | undefined = start;
    let lvl = level;
    while (c) {
      path.push(c.name);
      if (seen.has(c)) return { path, loop: true };
      seen.add(c);
      if (lvl >= NFT_JUMP_STACK_SIZE) return { path, loop: false };
      let next: Chain | undefined;
      for (const rule of c.rules) {
        for (const t of this.targetsOf(rule)) {
          if (lvl + 1 + this.heightOf(t) >= NFT_JUMP_STACK_SIZE) {
            next = t;
            break;
          }
        }
        if (next) break;
      }
      c = next;
      lvl++;
    }
    return { path, loop: false };
  }

  /** The chains a rule's jumps and gotos lead to: verdicts, vmaps, named verdict maps. */
  private targetsOf(rule: Rule): Chain[] {
    const out: Chain[] = [];
    this.collect(rule.statements, out);
    return out;
  }

  /** Targets of a named map's elements, found once per map (many rules may look it up). */
  private readonly setTargets = new Map<string, Chain[]>();

  /** Walks a (tree-shaped) part of the model for verdicts; the model has no cycles. */
  private collect(x: unknown, out: Chain[]): void {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const v of x) this.collect(v, out);
      return;
    }
    const o = x as Record<string, unknown>;
    if (o.kind === 'jump' || o.kind === 'goto') {
      if (typeof o.target === 'string') {
        const t = this.chains.get(o.target);
        if (t) out.push(t);
      }
      if (Array.isArray(o.binding)) {
        // An anonymous chain written in place: one level, then its own rules.
        out.push({ name: `${o.kind} { … }`, rules: o.binding as Rule[] });
        return;
      }
    }
    if (o.kind === 'setref' && typeof o.name === 'string') {
      let targets = this.setTargets.get(o.name);
      if (!targets) {
        targets = [];
        this.setTargets.set(o.name, targets);
        const set = this.table.sets.find((s) => s.name === o.name);
        if (set) for (const e of set.elements) this.collect(e.value, targets);
      }
      out.push(...targets);
    }
    for (const k in o) {
      const v = o[k];
      if (v !== null && typeof v === 'object' && k !== 'span' && k !== 'binding')
        this.collect(v, out);
    }
  }
}
