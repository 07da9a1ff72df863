/**
 * The reader's own words for each statement of an iptables rule: the model's statements are
 * nft expressions (the simulator runs them as nf_tables does), but a page quoting a rule read
 * from iptables-save must quote it as written (`-m conntrack --ctstate RELATED,ESTABLISHED`,
 * not `ct state related,established`). Each statement keeps, as its `text`, the words of the
 * option it came from, cut out of the line, so the quote is always a piece of the listing.
 */
import type { Statement } from '../model.ts';
import type { ModuleUse, RuleContext } from './context.ts';

/** `-m NAME ` right before an option: only the two words and the spaces after them. */
const LOADS_MATCH = /^\S+\s+\S+\s+$/;

/**
 * Sets `text` on every statement that points into the line. An option that directly follows
 * the `-m NAME` loading its match is quoted with it (`-m tcp --dport 22`): the option alone
 * would not say which match it belongs to. Other options are quoted alone, as they stand.
 */
export function keepSourceText(
  statements: Statement[],
  ctx: RuleContext,
  use?: ModuleUse,
): Statement[] {
  const line = ctx.line;
  for (const s of statements) {
    if (!s.span || s.text !== undefined || s.span.line !== line.line) continue;
    let start = s.span.offset - line.offset;
    let end = s.span.end - line.offset;
    if (use && end === use.word.end) {
      // A target without options (`-j ACCEPT`): its span is the `-j`; the name goes with it.
      end += /^\s+\S+/.exec(line.text.slice(end))?.[0].length ?? 0;
    }
    if (use && (use.word.text === '-m' || use.word.text === '--match') && use.word.start < start) {
      if (LOADS_MATCH.test(line.text.slice(use.word.start, start))) start = use.word.start;
    }
    s.text = line.text.slice(start, end);
  }
  return statements;
}
