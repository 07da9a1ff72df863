/** The sentence that tells a routing decision between hooks. */
import type { RouteEvent } from '../netfilter/trace.ts';
import type { Family } from '../ruleset/model.ts';
import type { DocContext } from './context.ts';
import { connectedIface, localIface, subnetText } from './facts.ts';
import { type Phrase, sentences } from './phrase.ts';
import type { StageWalk } from './walk.ts';

/**
 * The sentence, with what policy routing adds to it: the output chain of type route that made
 * the kernel route again, and the ip rule and table the trace says decided.
 */
export function routeSentence(
  ctx: DocContext,
  daddr: string,
  next: StageWalk | undefined,
  info?: Omit<RouteEvent, 'message'>,
): Phrase | undefined {
  const base = decisionSentence(ctx, daddr, next, info);
  const r = info?.detail;
  if (!base || !r) return base;
  const by = r.rerouteBy;
  const withCause = by
    ? sentences(
        ctx.msg.rerouteByChain(
          { family: by.family as Family, table: by.table, chain: by.chain },
          by.changed,
        ),
        base,
      )
    : base;
  if (!r.rule) return withCause;
  const table = r.rule.tableName ?? String(r.rule.table);
  return sentences(withCause, ctx.msg.routeRule(r.rule.text, table, r.rule.suppressed));
}

function decisionSentence(
  ctx: DocContext,
  daddr: string,
  next: StageWalk | undefined,
  info?: Omit<RouteEvent, 'message'>,
): Phrase | undefined {
  const { scenario, msg } = ctx;
  const r = info?.detail;
  const decision =
    r?.decision ??
    (next?.stage.hook === 'input'
      ? 'local'
      : next?.stage.hook === 'forward'
        ? 'forward'
        : undefined);
  const dst = r?.daddr ?? daddr;
  if (decision === 'local') {
    return msg.routeLocal(dst, localIface(scenario, dst) ?? r?.dev ?? 'lo');
  }
  if (decision === 'forward' || decision === 'output') {
    const conn = connectedIface(scenario, dst);
    const oif = r?.dev ?? next?.oif ?? conn?.iface;
    // Under policy routing the route event names its gateway (or none): main's routes say nothing.
    const via =
      r?.via ??
      (conn || r?.rule
        ? undefined
        : scenario.host.routes.find((x) => x.dev === oif || !x.dev)?.via);
    return msg.routeForward(
      dst,
      oif ?? '?',
      decision === 'output',
      via,
      conn ? subnetText(conn.cidr) : undefined,
    );
  }
  return undefined;
}
