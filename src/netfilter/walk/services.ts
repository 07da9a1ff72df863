/**
 * What the kernel's own hooks (conntrack-hooks.ts, bridge-path.ts) use of the host walk: the
 * trace, the sysctls, running a hook or a base chain, and the steps of the path a bridged
 * packet rejoins. HostWalk implements it; the hooks see only this, so neither imports the other.
 */
import type { Bridges } from '../../bridge/bridge.ts';
import type { ConntrackTable } from '../../conntrack/table.ts';
import type { RouteResult, RoutingTable } from '../../routing/table.ts';
import type { HookName } from '../../ruleset/model.ts';
import type { Machine } from '../../scenario/model.ts';
import type { ChainHook, HookFamily, HookTable } from '../hooks.ts';
import type { DetailOf, InfoType } from '../trace.ts';
import type { HookState } from './env.ts';
import type { Skb } from './skb.ts';

export type Verdict = 'accept' | 'drop' | 'stolen' | 'unsupported';

/** Where a packet's walk ended. */
export type Arrival =
  | { kind: 'machine'; machine: Machine; skb: Skb; dev: string }
  | { kind: 'host'; skb: Skb; dev: string }
  | { kind: 'ended' }
  | { kind: 'unsupported' };

export interface WalkServices {
  /** The host's tables the hooks consult. */
  readonly d: {
    readonly hooks: HookTable;
    readonly routing: RoutingTable;
    readonly bridges: Bridges;
    readonly conntrack: ConntrackTable;
  };
  /** Records a trace event of the packet being walked. */
  info<T extends InfoType>(type: T, message: string, detail: DetailOf<T>): void;
  sysctl(name: string): number;
  /** nf_hook_slow: all of a hook's entries. */
  runHook(skb: Skb, family: HookFamily, hook: HookName, state: HookState): Verdict;
  /** One base chain, as the NAT hook runs the nat chains. */
  baseChain(skb: Skb, op: ChainHook, state: HookState): Verdict;
  /** The netdev ingress hook of `dev`. */
  ingress(skb: Skb, dev: string): Verdict;
  /** ip_rcv: up the stack from `dev` (the bridge device, for a frame to the bridge itself). */
  ipRcv(skb: Skb, dev: string): Arrival;
  routeInput(skb: Skb, dev: string): RouteResult;
  /** The machine behind `dev` that has `address`. */
  neighbour(dev: string, address: string): Machine | undefined;
  /** The packet leaves through `dev` and reaches `to`. */
  arrive(skb: Skb, dev: string, to: Machine): Arrival;
  /** The walk ends here (dropped, or stopped at something unsupported). */
  end(v?: Verdict): Arrival;
}
