/**
 * What a page says about addresses, read back from its Markdown and compared with the trace:
 * every packet heading, every "the packet at this point" line, the sequence diagrams' arrows
 * and the flowcharts' first edges must show the packet as the trace has it at that point. The
 * page's sentences are found through the message catalogue (so both languages are read the
 * same way); the expected addresses come from the trace's events alone, not from the
 * explainer's walk.
 */
import { flowText } from '../../src/explain/facts.ts';
import type { Messages } from '../../src/explain/i18n/messages.ts';
import { mermaidText } from '../../src/explain/mermaid.ts';
import { plain } from '../../src/explain/phrase.ts';
import type {
  EnterEvent,
  HookEvent,
  PacketRole,
  PacketTrace,
  PacketView,
  Trace,
} from '../../src/netfilter/trace.ts';

const HOLE = '\u0001';
const ROLES: PacketRole[] = ['request', 'reply', 'icmp-error', 'reset', 'redirect'];

const flow = (p: PacketView) =>
  flowText({ saddr: p.saddr, daddr: p.daddr, sport: p.sport, dport: p.dport });

/** The text a message puts before its hole. */
function prefixOf(p: (hole: string) => unknown[]): string {
  return plain(p(HOLE) as never).split(HOLE)[0]!;
}

/** Markdown's escapes undone, for comparing the text a reader sees. */
const unescapeMd = (s: string) => s.replace(/\\(.)/g, '$1');

/** The first `A → B` in a text. */
function firstFlow(s: string): string | undefined {
  return /(\S+ → \S+)/.exec(unescapeMd(s))?.[1];
}

function sendIn(p: PacketTrace) {
  for (const e of p.events)
    if (e.type === 'send' && (e.detail.way === 'in' || e.detail.way === 'local')) return e.detail;
  return undefined;
}

function familyClass(f: string): string {
  return f === 'ip' || f === 'ip6' || f === 'inet' ? 'l3' : f;
}

/**
 * The packet a hook's chains receive, as the trace says: the first chain entered on that
 * crossing, or (no chain entered) the packet the hook event carries.
 */
function expectedAtHook(
  events: PacketTrace['events'],
  from: number,
  hook: string,
  fclass: string,
): { flow: string; next: number } | undefined {
  for (let i = from; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === 'enter' && e.hook === hook && familyClass(e.family) === fclass)
      return { flow: flow(e.packet), next: i + 1 };
    if (e.type !== 'hook') continue;
    const d = (e as HookEvent).detail;
    if (d.hook !== hook || familyClass(d.family) !== fclass || d.chains === 0) continue;
    // This crossing: its first chain, before the next crossing of the same hook.
    for (let j = i + 1; j < events.length; j++) {
      const x = events[j]!;
      if (x.type === 'hook' && x.detail.hook === hook && familyClass(x.detail.family) === fclass)
        break;
      if (x.type === 'enter' && x.hook === hook && familyClass(x.family) === fclass)
        return { flow: flow((x as EnterEvent).packet), next: j + 1 };
    }
    return { flow: flow(d.packet), next: i + 1 };
  }
  return undefined;
}

/** The page's packet sections: heading flow, and each hook section's "packet at this point". */
function packetSections(page: string, msg: Messages) {
  const headingPrefixes = ROLES.map((r) => `### ${prefixOf((h) => msg.packetHeading(r, h))}`);
  const atStart = prefixOf((h) => msg.packetAtStart(h, null, null));
  const sections: { heading: string; stages: { hook: string; fclass: string; at?: string }[] }[] =
    [];
  for (const line of page.split('\n')) {
    const head = headingPrefixes.find((p) => line.startsWith(p));
    if (head) {
      sections.push({ heading: line.slice(head.length), stages: [] });
      continue;
    }
    const cur = sections.at(-1);
    if (!cur) continue;
    if (line.startsWith('## ')) sections.push({ heading: '', stages: [] });
    const stage = /^#### .*\((?:(bridge|netdev|arp) )?([a-z]+)\)$/.exec(line);
    if (stage) cur.stages.push({ hook: stage[2]!, fclass: stage[1] ?? 'l3' });
    const last = cur.stages.at(-1);
    if (last && last.at === undefined && unescapeMd(line).startsWith(atStart))
      last.at = firstFlow(unescapeMd(line).slice(atStart.length)) ?? '?';
  }
  return sections.filter((s) => s.heading !== '' || s.stages.length > 0);
}

/** The mermaid blocks of a kind, in page order. */
function mermaidBlocks(page: string, kind: string): string[] {
  return [...page.matchAll(/```mermaid\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((b) => b.startsWith(kind));
}

/** Where the page's addresses disagree with the trace; empty when they all agree. */
export function addressDisagreements(page: string, trace: Trace, msg: Messages): string[] {
  const out: string[] = [];
  const packets = trace.conversations.flatMap((c) =>
    c.packets.map((p, i) => ({ conv: c.index, i, p })),
  );
  const sections = packetSections(page, msg);
  if (sections.length !== packets.length)
    out.push(`${sections.length} packet sections on the page, ${packets.length} in the trace`);
  const flowcharts = mermaidBlocks(page, 'flowchart');
  packets.forEach(({ conv, i, p }, k) => {
    const where = `conversation ${conv + 1} packet ${i + 1} (${p.role})`;
    const sent = sendIn(p)?.packet;
    const s = sections[k];
    if (!sent || !s) return;
    if (unescapeMd(s.heading) !== flow(sent))
      out.push(`${where}: heading says ${s.heading}, on the wire it is ${flow(sent)}`);
    // The flowchart's first edge (from the sender) carries the packet as sent.
    const chart = flowcharts.find((b) => b.includes(`c${conv}p${i}src -->|`));
    // (A rewrite before the first chain follows the packet on the same label, after ` · `.)
    const edge = chart && /src -->\|"([^"]*)"\|/.exec(chart)?.[1]?.split(' · ')[0];
    if (edge !== undefined && edge !== mermaidText(`${sent.protocol} ${flow(sent)}`))
      out.push(`${where}: flowchart's first edge says ${edge}, on the wire ${flow(sent)}`);
    let from = 0;
    for (const st of s.stages) {
      const want = expectedAtHook(p.events, from, st.hook, st.fclass);
      if (!want) {
        out.push(`${where}: the page has ${st.fclass} ${st.hook}, the trace no such crossing`);
        continue;
      }
      from = want.next;
      if (st.at !== undefined && st.at !== want.flow)
        out.push(`${where} at ${st.fclass} ${st.hook}: page says ${st.at}, trace ${want.flow}`);
    }
  });
  // The sequence diagrams: each packet's arrow in is the packet as sent, its arrow out the
  // packet as the host sent it on (the trace's `send` out).
  const diagrams = mermaidBlocks(page, 'sequenceDiagram');
  trace.conversations.forEach((c, ci) => {
    const arrows = (diagrams[ci] ?? '')
      .split('\n')
      .map((l) => /^\s+P\d+-?->>P\d+: (.*)$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);
    const want: string[] = [];
    for (const p of c.packets) {
      const sent = sendIn(p);
      if (sent?.way === 'in')
        want.push(mermaidText(`${sent.packet.protocol} ${flow(sent.packet)}`));
      const outs = p.events.filter((e) => e.type === 'send' && e.detail.way === 'out');
      const last = outs.at(-1);
      if (last?.type === 'send') want.push(mermaidText(flow(last.detail.packet)));
    }
    const got = arrows;
    if (got.join('\n') !== want.join('\n'))
      out.push(
        `conversation ${c.index + 1}: sequence diagram arrows\n  ${got.join('\n  ')}\nbut the trace\n  ${want.join('\n  ')}`,
      );
  });
  return out;
}

/**
 * Sentences a packet's section must not say: the same routing decision twice, or a routing
 * decision right after the bridge forwarded the frame at layer 2 (before the next hook).
 */
export function routingContradictions(page: string, msg: Messages): string[] {
  const out: string[] = [];
  const routePrefix = plain(msg.routeLocal(HOLE, 'x')).split(HOLE)[0]!;
  // What the sentence says between the bridge's name and the port's (in either language).
  const bridged = plain(msg.bridgeForward(HOLE, '\u0002', '\u0003'))
    .split(HOLE)[1]!
    .split('\u0002')[0]!;
  const headingPrefixes = ROLES.map((r) => `### ${prefixOf((h) => msg.packetHeading(r, h))}`);
  let told = new Set<string>();
  let afterBridge = false;
  let section = '';
  for (const line of page.split('\n')) {
    if (headingPrefixes.some((p) => line.startsWith(p)) || line.startsWith('## ')) {
      told = new Set();
      section = line;
    }
    if (line.startsWith('#### ')) afterBridge = false;
    if (line.includes(bridged)) afterBridge = true;
    if (!line.startsWith(routePrefix)) continue;
    if (told.has(line)) out.push(`${section}: told twice: ${line}`);
    if (afterBridge) out.push(`${section}: routed after the bridge forwarded it: ${line}`);
    told.add(line);
  }
  return out;
}
