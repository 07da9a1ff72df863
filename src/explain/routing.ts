/** The sentence that tells a routing decision between hooks. */
import type { RouteEvent } from '../netfilter/trace.ts';
import type { DocContext } from './context.ts';
import { connectedIface, localIface, subnetText } from './facts.ts';
import type { Phrase } from './phrase.ts';
import type { StageWalk } from './walk.ts';

export function routeSentence(
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
    const via =
      r?.via ?? (conn ? undefined : scenario.host.routes.find((x) => x.dev === oif || !x.dev)?.via);
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
