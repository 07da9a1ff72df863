/**
 * Builds the explanation page as an mdast tree: the summary, the setup, then each conversation
 * (`sections/`). All sentences come from the message catalogue; all facts from the trace and
 * the scenario.
 */
import type { PhrasingContent, Root, RootContent } from 'mdast';
import type { Trace } from '../netfilter/trace.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import type { ConversationSummary, DocContext, DocOptions } from './context.ts';
import { linkTo, resolveLinks } from './links.ts';
import { heading } from './mdast.ts';
import { toPhrasing } from './phrase.ts';
import { conversationSection, type EarlierConversation } from './sections/conversation.ts';
import { setupSection } from './sections/setup.ts';
import { summaryNodes } from './sections/summary.ts';
import { verdictOf } from './sections/verdict.ts';
import { type PacketWalk, walkPacket } from './walk.ts';

export type { ConversationSummary, DocOptions } from './context.ts';
export { jsxElement } from './mdx.ts';

/** At the top of the page: a link to each conversation's why-section. */
function whyLinks(ctx: DocContext, trace: Trace, allWalks: PacketWalk[][]): RootContent[] {
  const links: PhrasingContent[] = [];
  allWalks.forEach((walks, i) => {
    if (!ctx.anchors.has(walks)) return;
    const n = (trace.conversations[i]?.index ?? i) + 1;
    if (links.length > 0) links.push({ type: 'text', value: ', ' });
    links.push(linkTo(walks, [{ type: 'text', value: ctx.msg.conversationWord(n) }]));
  });
  if (links.length === 0) return [];
  return [
    {
      type: 'paragraph',
      children: [...toPhrasing(ctx.msg.whyLinks()), { type: 'text', value: ' ' }, ...links],
    },
  ];
}

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
    anchors: new Map(),
  };
  const children: RootContent[] = [];
  if (opts.format === 'md') children.push(heading(1, [scenario.title]));
  if (scenario.summary) children.push(...summaryNodes(scenario.summary));
  const top = children.length;
  children.push(...setupSection(ctx));
  const conversations: ConversationSummary[] = [];
  const allWalks: PacketWalk[][] = [];
  const earlier: EarlierConversation[] = [];
  for (const c of trace.conversations) {
    const walks: PacketWalk[] = c.packets.map((p, i) => walkPacket(ruleset, p, c.index, i));
    allWalks.push(walks);
    const verdict = verdictOf(walks);
    children.push(...conversationSection(ctx, c.index, walks, verdict, earlier));
    conversations.push({ index: c.index, verdict });
    earlier.push({ n: c.index + 1, walks, verdict });
  }
  children.splice(top, 0, ...whyLinks(ctx, trace, allWalks));
  const root: Root = { type: 'root', children };
  resolveLinks(root, ctx.anchors);
  return { root, conversations };
}
