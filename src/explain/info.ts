/**
 * Reads the simulator's explanatory events (`route`, `conntrack`, `nat`, `bridge`, `deliver`,
 * `drop`, `send`, `unsupported`, `note`). Their `detail` is structured but not part of the
 * compared trace format, so every field is read defensively: what is missing is left out of
 * the page rather than guessed.
 */
import type { InfoEvent } from '../netfilter/trace.ts';

function str(d: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = d?.[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function num(d: Record<string, unknown> | undefined, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = d?.[k];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

function strList(d: Record<string, unknown> | undefined, key: string): string[] {
  const v = d?.[key];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string') return v.split(',').map((x) => x.trim());
  return [];
}

export interface Endpoints {
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
}

function endpoints(v: unknown): Endpoints | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.saddr !== 'string' || typeof o.daddr !== 'string') return undefined;
  return {
    saddr: o.saddr,
    daddr: o.daddr,
    sport: typeof o.sport === 'number' ? o.sport : null,
    dport: typeof o.dport === 'number' ? o.dport : null,
  };
}

export interface RouteInfo {
  /** local (to the host), forward, output (locally sent), none (no route). */
  decision?: 'local' | 'forward' | 'output' | 'none';
  daddr?: string;
  oif?: string;
  via?: string;
}

export function routeInfo(e: InfoEvent): RouteInfo {
  const d = e.detail;
  const raw = str(d, 'decision', 'result', 'kind', 'type');
  const decision =
    raw === 'local' || raw === 'input'
      ? 'local'
      : raw === 'forward'
        ? 'forward'
        : raw === 'output'
          ? 'output'
          : raw === 'none' || raw === 'unreachable' || raw === 'noroute'
            ? 'none'
            : undefined;
  return {
    decision,
    daddr: str(d, 'daddr', 'destination'),
    oif: str(d, 'oif', 'dev', 'device'),
    via: str(d, 'via', 'gateway', 'nexthop'),
  };
}

export interface ConntrackInfo {
  state?: string;
  direction?: 'original' | 'reply';
  status: string[];
  /** Whether conntrack created the entry with this packet. */
  created?: boolean;
}

export function conntrackInfo(e: InfoEvent): ConntrackInfo {
  const d = e.detail;
  const dir = str(d, 'direction', 'dir');
  const created = d?.created ?? d?.new;
  return {
    state: str(d, 'state', 'ctstate'),
    direction: dir === 'original' || dir === 'reply' ? dir : undefined,
    status: strList(d, 'status'),
    created: typeof created === 'boolean' ? created : undefined,
  };
}

export interface NatInfo {
  /** dnat, snat, masquerade, redirect; with `reverse` when conntrack undoes one on a reply. */
  kind?: string;
  reverse: boolean;
  hook?: string;
  before?: Endpoints;
  after?: Endpoints;
}

export function natInfo(e: InfoEvent): NatInfo {
  const d = e.detail;
  const rev = d?.reverse ?? d?.undo ?? d?.conntrack;
  const kind = str(d, 'kind', 'nat', 'type');
  return {
    kind,
    reverse:
      rev === true ||
      kind === 'unsnat' ||
      kind === 'undnat' ||
      kind?.startsWith('reverse') === true,
    hook: str(d, 'hook'),
    before: endpoints(d?.before ?? d?.from),
    after: endpoints(d?.after ?? d?.to),
  };
}

export interface BridgeInfo {
  bridge?: string;
  /** local (frame to the bridge's own MAC, passed up), forward (to another port), flood, out. */
  decision?: string;
  inPort?: string;
  outPort?: string;
  dmac?: string;
}

export function bridgeInfo(e: InfoEvent): BridgeInfo {
  const d = e.detail;
  return {
    bridge: str(d, 'bridge', 'br'),
    decision: str(d, 'decision', 'action', 'kind'),
    inPort: str(d, 'iport', 'inPort', 'in', 'port'),
    outPort: str(d, 'oport', 'outPort', 'out'),
    dmac: str(d, 'dmac', 'daddr'),
  };
}

export interface DeliverInfo {
  to?: string;
  address?: string;
  port?: number;
  protocol?: string;
  socket?: boolean;
}

export function deliverInfo(e: InfoEvent): DeliverInfo {
  const d = e.detail;
  const socket = d?.socket ?? d?.listening;
  return {
    to: str(d, 'to', 'machine', 'host'),
    address: str(d, 'address', 'daddr'),
    port: num(d, 'port', 'dport'),
    protocol: str(d, 'protocol'),
    socket: typeof socket === 'boolean' ? socket : undefined,
  };
}

export interface DropInfo {
  reason?: string;
  family?: string;
  table?: string;
  chain?: string;
}

export function dropInfo(e: InfoEvent): DropInfo {
  const d = e.detail;
  return {
    reason: str(d, 'reason', 'why'),
    family: str(d, 'family'),
    table: str(d, 'table'),
    chain: str(d, 'chain'),
  };
}

export interface UnsupportedInfo {
  what?: string;
  family?: string;
  table?: string;
  chain?: string;
  index?: number;
  text?: string;
  file?: string;
  line?: number;
}

export function unsupportedInfo(e: InfoEvent): UnsupportedInfo {
  const d = e.detail;
  return {
    what: str(d, 'reason', 'what', 'statement'),
    family: str(d, 'family'),
    table: str(d, 'table'),
    chain: str(d, 'chain'),
    index: num(d, 'index', 'rule'),
    text: str(d, 'text'),
    file: str(d, 'file'),
    line: num(d, 'line'),
  };
}

export interface SendInfo {
  from?: string;
  iface?: string;
}

export function sendInfo(e: InfoEvent): SendInfo {
  const d = e.detail;
  return { from: str(d, 'from', 'machine'), iface: str(d, 'iface', 'interface', 'dev', 'oif') };
}
