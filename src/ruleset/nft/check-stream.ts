/**
 * `nfwalk check` without the model: each rule is checked as soon as the parser has read it (in
 * its chain's block, or by `add rule`), then dropped, keeping of it only its place in the chain
 * and the statements that lead to other chains (for the kernel's jump-depth check), and its
 * findings in their place. Checked when its block closed instead, a 50,000-rule chain lived
 * long enough to be copied into the old generation and cost as much as the model. What the rules
 * name that the script has not declared yet (a chain, set or object further down) is looked up
 * again at the end, so every finding, its position and its order are those of checking the
 * whole model (parseNftText). A script that reads rules back (`delete rule`, `insert`,
 * `replace`, a position) stops the stream: the caller parses the full model instead.
 */
import type { Diagnostic } from '../diagnostics.ts';
import { checkLiteralsStreamed, LiteralChecker } from '../literal-check.ts';
import type { Chain, Rule, Ruleset, Statement, Table } from '../model.ts';
import { carriesVerdicts, validateJumps } from '../validate.ts';
import type { RuleSink } from './cursor.ts';
import { type Finding, Validator } from './validate.ts';

/** Thrown when the script reads rules back: only the full model can follow it. */
export class ReadsRulesBack extends Error {
  constructor() {
    super('the script reads rules back');
  }
}

export class RuleStream implements RuleSink {
  private readonly validator = new Validator();
  private readonly literals = new LiteralChecker();
  /** Each chain's findings of the validator's checks, in rule order. */
  private readonly findings = new Map<Chain, Finding[]>();
  /** Each chain's findings of the literal check, in rule order. */
  private readonly literalFindings = new Map<Chain, Diagnostic[]>();

  /** Findings of the rule being checked, moved to their chain's when there are any. */
  private found: Finding[] = [];
  private literalFound: Diagnostic[] = [];
  /** The array `added` passes one rule in (the checks only read it). */
  private readonly one: Rule[] = [NOWHERE];

  added(table: Table, chain: Chain, from: number): void {
    const rules = chain.rules;
    if (from >= rules.length) return;
    // One rule (nearly always): passed in an array kept for it, not a new one per rule.
    const one = from === rules.length - 1;
    if (one) this.one[0] = rules[from] as Rule;
    const fresh = one ? this.one : rules.slice(from);
    this.validator.checkStreamed(table, chain, fresh, this.found);
    if (this.found.length > 0) this.found = moveTo(this.findings, chain, this.found);
    this.literals.rulesOf(table.family, fresh, this.literalFound);
    if (this.literalFound.length > 0)
      this.literalFound = moveTo(this.literalFindings, chain, this.literalFound);
    this.one[0] = NOWHERE;
    // A base chain's rules are kept whole: the jump-depth check starts from them, and they are
    // few. Any other chain keeps a rule's place, to be counted, and what leads on from it.
    if (chain.base) return;
    for (let i = from; i < rules.length; i++) rules[i] = leadsOn(rules[i] as Rule);
  }

  flushed(chain: Chain): void {
    this.findings.delete(chain);
    this.literalFindings.delete(chain);
  }

  readsBack(): never {
    throw new ReadsRulesBack();
  }

  /**
   * Every finding, as parseNftText's checks would make them on the whole model. Throws
   * ReadsRulesBack when a chain whose rules were dropped became a base chain afterwards.
   */
  finish(rs: Ruleset): Diagnostic[] {
    for (const t of rs.tables) {
      // Indexed, as validateJumps walks the chains.
      for (let i = 0; i < t.chains.length; i++) {
        const c = t.chains[i] as Chain;
        if (c.base && c.rules.some((r) => r.text === LEAD)) this.readsBack();
      }
    }
    this.validator.run(rs, this.findings);
    const found = [...this.validator.diags, ...checkLiteralsStreamed(rs, this.literalFindings)];
    return found.length > 0 ? found : validateJumps(rs);
  }
}

/** Appends `found` to the chain's findings in `into`; the (empty) array to fill next. */
function moveTo<T>(into: Map<Chain, T[]>, chain: Chain, found: T[]): T[] {
  const before = into.get(chain);
  if (!before) {
    into.set(chain, found);
    return [];
  }
  for (const f of found) before.push(f);
  found.length = 0;
  return found;
}

/** What a dropped rule's text is, to tell it from a rule. */
const LEAD = '(dropped)';
/** A dropped rule that leads nowhere (one for all). */
const NOWHERE: Rule = { index: 0, statements: [], text: LEAD };

/** What the jump graph needs of a rule: its statements that lead to other chains. */
function leadsOn(r: Rule): Rule {
  let n = 0;
  for (const s of r.statements) if (carriesVerdicts(s)) n++;
  if (n === 0) return NOWHERE;
  // An array of exactly their number (most rules that lead on hold one): `filter` would leave
  // room for 16, and a 50,000-service listing keeps 50,000 of these until the end.
  const kept: Statement[] = new Array(n);
  let k = 0;
  for (const s of r.statements) if (carriesVerdicts(s)) kept[k++] = s;
  return { index: 0, statements: kept, text: LEAD };
}
