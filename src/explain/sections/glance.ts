/**
 * The answer first: under a conversation's heading, a table per packet of the hooks it
 * crosses in order (family and hook, the base chains entered and how each ended, the packet as
 * those chains see it, what conntrack and NAT did there), each row linking to its hook's
 * section below.
 */
import type { PhrasingContent, RootContent, Table, TableRow } from 'mdast';
import type { InfoFact } from '../../netfilter/trace.ts';
import type { HookName } from '../../ruleset/model.ts';
import type { DocContext } from '../context.ts';
import { flowText, natDelta } from '../facts.ts';
import { natChange } from '../info.ts';
import { linkTo } from '../links.ts';
import { para } from '../mdast.ts';
import { type Phrase, plain, toPhrasing } from '../phrase.ts';
import { splitVerdict } from '../stages.ts';
import { flowOf, type PacketWalk, type StageWalk, sameFlow } from '../walk.ts';

interface Row {
  sw: StageWalk;
  notes: string[];
}

/** How each base chain entered on the hook ended: `chain → verdict`. */
function chainsCell(ctx: DocContext, sw: StageWalk): Phrase {
  const steps = sw.replay.steps;
  const enters = steps.filter((s) => s.event.type === 'enter');
  if (enters.length === 0) return ctx.msg.glanceNoChain();
  const out: Phrase = [];
  enters.forEach((enter, i) => {
    const next = enters[i + 1]?.n ?? Number.POSITIVE_INFINITY;
    const last = steps.filter((s) => s.n >= enter.n && s.n < next).at(-1)?.event;
    const verdict =
      last?.type === 'policy'
        ? `policy ${last.verdict}`
        : last?.type === 'rule'
          ? splitVerdict(last.verdict)[0]
          : '…';
    if (i > 0) out.push(', ');
    out.push({ code: enter.event.chain }, ` → ${verdict}`);
  });
  return out;
}

/** What conntrack and NAT did on the hook: the translation, the state conntrack found. */
function noteOf(ctx: DocContext, e: InfoFact) {
  if (e.type === 'conntrack')
    return plain(ctx.msg.glanceCt(e.detail.lookup === 'confirmed' ? 'confirmed' : e.detail.state));
  if (e.type !== 'nat') return undefined;
  const n = natChange(e.detail);
  if (!n) return undefined;
  const d = natDelta(n.before, n.after);
  const kind = n.reverse ? plain(ctx.msg.dgUndo(n.kind)) : n.kind;
  return `${kind}: ${plain(ctx.msg.dgField(d.field))} ${d.from} ⇒ ${d.to}`;
}

/** The rows in the trace's order, with conntrack and NAT told at the hook they happened at. */
function rowsOf(ctx: DocContext, w: PacketWalk): Row[] {
  const rows: Row[] = [];
  // What happens before the first hook's chains (conntrack's lookup) belongs to that hook.
  const pending: string[] = [];
  const rowAt = (hook?: HookName) =>
    (hook ? rows.findLast((r) => r.sw.stage.hook === hook) : undefined) ?? rows.at(-1);
  const add = (row: Row | undefined, note: string | undefined) => {
    if (!note) return;
    if (!row) pending.push(note);
    else if (!row.notes.includes(note)) row.notes.push(note);
  };
  for (const item of w.items) {
    if (item.kind === 'stage') {
      const row: Row = { sw: item, notes: rows.length === 0 ? [...new Set(pending)] : [] };
      rows.push(row);
      for (const e of item.stage.events)
        if (e.type !== 'enter' && e.type !== 'rule' && e.type !== 'policy')
          add(row, noteOf(ctx, e));
      continue;
    }
    const e = item.event;
    const hook =
      e.type === 'conntrack'
        ? e.detail.hook
        : e.type === 'nat' && e.detail.step === 'rewrite'
          ? e.detail.hook
          : undefined;
    add(rowAt(hook), noteOf(ctx, e));
  }
  return rows;
}

function tableOf(ctx: DocContext, w: PacketWalk): Table {
  const { msg } = ctx;
  const cell = (children: PhrasingContent[]) => ({ type: 'tableCell' as const, children });
  const row = (cells: PhrasingContent[][]): TableRow => ({
    type: 'tableRow',
    children: cells.map(cell),
  });
  const header = row(
    [msg.colHook(), msg.colChains(), msg.colSeen(), msg.colCtNat()].map(toPhrasing),
  );
  const body = rowsOf(ctx, w).map(({ sw, notes }) => {
    const family = sw.stage.fclass === 'l3' ? (w.ipFamily === 4 ? 'ip' : 'ip6') : sw.stage.fclass;
    const seen = sameFlow(sw.viewIn, sw.viewOut)
      ? flowText(sw.viewIn)
      : `${flowText(sw.viewIn)} ⇒ ${flowText(sw.viewOut)}`;
    return row([
      [linkTo(sw, [{ type: 'text', value: `${family} ${sw.stage.hook}` }])],
      toPhrasing(chainsCell(ctx, sw)),
      toPhrasing([seen]),
      toPhrasing([notes.length > 0 ? notes.join('; ') : '—']),
    ]);
  });
  return { type: 'table', align: [null, null, null, null], children: [header, ...body] };
}

/**
 * A table per packet, each after a line naming the packet as it was sent; a packet a
 * flowtable forwarded from the ingress hook crosses no hook with a chain: a line says so.
 */
export function glanceSection(ctx: DocContext, walks: PacketWalk[]): RootContent[] {
  return walks.flatMap((w) => {
    const intro = para(ctx.msg.glanceIntro(w.role, w.first ? flowText(flowOf(w.first)) : '?'));
    const fast = w.items.some((i) => i.kind === 'stage') ? undefined : fastPathOf(w);
    if (fast) return [intro, para(ctx.msg.glanceFlowtable(fast.flowtable, fast.dev))];
    return [intro, tableOf(ctx, w)];
  });
}

function fastPathOf(w: PacketWalk): { flowtable: string; dev: string } | undefined {
  for (const i of w.items) {
    if (i.kind !== 'info' || i.event.type !== 'flowtable') continue;
    const d = i.event.detail;
    if (d.step === 'fast-path') return { flowtable: d.flowtable, dev: d.dev };
  }
  return undefined;
}
