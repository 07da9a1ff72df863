/**
 * Builds the explanation page as an mdast tree: the summary, the setup, then each conversation
 * (`sections/`). All sentences come from the message catalogue; all facts from the trace and
 * the scenario.
 */
import type { Root, RootContent } from 'mdast';
import type { Trace } from '../netfilter/trace.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import type { ConversationSummary, DocContext, DocOptions } from './context.ts';
import { heading } from './mdast.ts';
import { conversationSection } from './sections/conversation.ts';
import { setupSection } from './sections/setup.ts';
import { summaryNodes } from './sections/summary.ts';
import { verdictOf } from './sections/verdict.ts';
import { type PacketWalk, walkPacket } from './walk.ts';

export type { ConversationSummary, DocOptions } from './context.ts';
export { jsxElement } from './mdx.ts';

export function buildDocument(
  scenario: Scenario,
  ruleset: Ruleset,
  trace: Trace,
  opts: DocOptions,
): { root: Root; conversations: ConversationSummary[] } {
  const ctx: DocContext = {
    scenario,
    ruleset,
    trace,
    msg: opts.msg,
    format: opts.format,
    hookMaps: new Map(),
  };
  const children: RootContent[] = [];
  if (opts.format === 'md') children.push(heading(1, [scenario.title]));
  if (scenario.summary) children.push(...summaryNodes(scenario.summary));
  children.push(...setupSection(ctx));
  const conversations: ConversationSummary[] = [];
  for (const c of trace.conversations) {
    const walks: PacketWalk[] = c.packets.map((p, i) => walkPacket(ruleset, p, c.index, i));
    const verdict = verdictOf(walks);
    conversations.push({ index: c.index, verdict });
    children.push(...conversationSection(ctx, c.index, walks, verdict));
  }
  return { root: { type: 'root', children }, conversations };
}
