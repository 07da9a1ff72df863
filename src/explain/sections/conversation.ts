/**
 * One conversation: its heading and what happened, the sequence diagram, the hook map, every
 * packet (each told with a state of its own), and why the reply went the way it did.
 */
import type { BlockContent, RootContent } from 'mdast';
import { type DocContext, packetState, type RequestNat } from '../context.ts';
import { flowText, natDelta } from '../facts.ts';
import { folded } from '../fold.ts';
import { codeBlock, heading, para } from '../mdast.ts';
import { hookMap, sequenceDiagram } from '../mermaid.ts';
import { repeatedPath } from '../same-path.ts';
import { flowOf, type PacketWalk } from '../walk.ts';
import { glanceSection } from './glance.ts';
import { packetSection } from './packet.ts';
import { repeatNodes } from './repeat.ts';
import { natStepsOf, whySection } from './why.ts';

/** The hook map, or a pointer to the conversation that drew the same one. */
function hookMapNodes(ctx: DocContext, conv: number, walks: PacketWalk[]): RootContent[] {
  const { msg } = ctx;
  const map = hookMap(ctx.scenario, walks, msg);
  const sameAs = ctx.hookMaps.get(map);
  if (sameAs !== undefined) return [para(msg.hookMapSame(sameAs))];
  ctx.hookMaps.set(map, conv + 1);
  // Folded: a map of every hook, as tall as a screen; the sequence diagram and the tables say
  // which hooks this conversation crosses.
  return folded(ctx.format, msg.hookMapSummary(), [
    para(msg.hookMapIntro()),
    codeBlock('mermaid', map),
  ]);
}

/** An earlier conversation of the page: its number (1-based), walks and verdict. */
export interface EarlierConversation {
  n: number;
  walks: PacketWalk[];
  verdict: string;
}

/** The sequence diagram, the hook map, every packet hook by hook, and the why-section. */
function walkNodes(
  ctx: DocContext,
  conv: number,
  walks: PacketWalk[],
  repeatOf?: number,
): RootContent[] {
  const { msg, scenario } = ctx;
  const req = walks[0];
  const requestNat: RequestNat[] = req
    ? natStepsOf(req).map((n) => ({ kind: n.kind, field: natDelta(n.before, n.after).field }))
    : [];
  const out: RootContent[] = [];
  out.push(para(msg.sequenceIntro()));
  out.push(codeBlock('mermaid', sequenceDiagram(scenario, walks, msg, requestNat)));
  out.push(...hookMapNodes(ctx, conv, walks));
  for (const w of walks)
    out.push(...packetSection(ctx, packetState(w, requestNat, repeatOf), conv));
  out.push(...whySection(ctx, walks));
  return out;
}

/**
 * A conversation: heading, what happened, the at-a-glance tables, then the whole walk. When it
 * takes the same path as an earlier conversation, it says so and what differs, and its walk is
 * folded (still all on the page, open on request).
 */
export function conversationSection(
  ctx: DocContext,
  conv: number,
  walks: PacketWalk[],
  verdict: string,
  earlier: EarlierConversation[] = [],
): RootContent[] {
  const { msg, scenario } = ctx;
  const spec = scenario.packets[conv];
  const req = walks[0];
  const flow = req?.first ? flowText(flowOf(req.first)) : '?';
  const out: RootContent[] = [];
  out.push(
    heading(
      2,
      msg.conversationHeading(conv + 1, spec?.protocol ?? req?.first?.protocol ?? '?', flow),
    ),
  );
  const segments = walks.filter((w) => w.first?.tcp !== undefined);
  out.push(
    para(
      spec?.segments && segments.length > 0
        ? // Extension (segments): which of the listed segments the host stopped.
          msg.segmentsIntro(
            spec.from,
            spec.to,
            segments.length,
            segments.flatMap((w, i) =>
              w.ending === 'dropped' || w.ending === 'rejected'
                ? [{ n: i + 1, flags: w.first?.tcp?.flags ?? [] }]
                : [],
            ),
          )
        : msg.conversationIntro(
            spec?.from ?? '?',
            spec?.to ?? '?',
            walks.map((w) => w.role),
            verdict,
          ),
    ),
  );
  const diff = repeatedPath(
    walks,
    earlier.map((e) => e.walks),
  );
  const then = diff ? earlier[diff.earlier] : undefined;
  if (!diff || !then) return [...out, ...glanceSection(ctx, walks), ...walkNodes(ctx, conv, walks)];
  const walk = walkNodes(ctx, conv, walks, then.n);
  // The same path: what differs is open; the tables (the earlier ones' rows with other
  // addresses) and the whole walk are folded.
  out.push(...repeatNodes(ctx, diff, then.n, { now: verdict, was: then.verdict }));
  const rest = [...glanceSection(ctx, walks), ...walk] as BlockContent[];
  out.push(...folded(ctx.format, msg.fullWalkSummary(conv + 1), rest));
  return out;
}
