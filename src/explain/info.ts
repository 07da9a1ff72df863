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
  /** The lookup br_netfilter makes for a bridged packet (br_nf_pre_routing_finish). */
  inBrNetfilter?: boolean;
  /** The kernel function that made the lookup, when the simulator names it. */
  step?: string;
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
    ...(typeof d?.inBrNetfilter === 'boolean' ? { inBrNetfilter: d.inBrNetfilter } : {}),
    ...(str(d, 'step') ? { step: str(d, 'step') } : {}),
  };
}

export interface ConntrackInfo {
  state?: string;
  /** The entry was confirmed (inserted into the table) as this packet left. */
  confirmed?: boolean;
  /** The tuple replies are expected with. */
  replyTuple?: Endpoints;
  direction?: 'original' | 'reply';
  status: string[];
  /** Whether conntrack created the entry with this packet. */
  created?: boolean;
  /** The entry came with the packet (the host's own ICMP error or reset: nf_ct_attach). */
  attached?: boolean;
}

export function conntrackInfo(e: InfoEvent): ConntrackInfo {
  const d = e.detail;
  const dir = str(d, 'direction', 'dir');
  const created = d?.created ?? d?.new;
  return {
    confirmed: d?.confirmed === true,
    replyTuple: endpoints(d?.reply),
    state: str(d, 'state', 'ctstate'),
    direction: dir === 'original' || dir === 'reply' ? dir : undefined,
    status: strList(d, 'status'),
    created: typeof created === 'boolean' ? created : undefined,
    ...(d?.attached === true ? { attached: true } : {}),
  };
}

export interface NatInfo {
  /** A mapping set up (the binding), rather than a rewrite of this packet. */
  binding: boolean;
  /** Which end the translation rewrites: src or dst. */
  manip?: 'src' | 'dst';
  /** dnat, snat, masquerade, redirect; with `reverse` when conntrack undoes one on a reply. */
  kind?: string;
  reverse: boolean;
  /** On a reverse event: the statement that set up the binding being undone. */
  statement?: string;
  hook?: string;
  before?: Endpoints;
  after?: Endpoints;
}

export function natInfo(e: InfoEvent): NatInfo {
  const d = e.detail;
  const rev = d?.reverse ?? d?.undo ?? d?.conntrack;
  const manipRaw = str(d, 'manip');
  const manip = manipRaw === 'src' || manipRaw === 'dst' ? manipRaw : undefined;
  const kind =
    str(d, 'kind', 'statement', 'nat', 'type') ??
    (manip === 'dst' ? 'dnat' : manip === 'src' ? 'snat' : undefined);
  return {
    binding: d?.before === undefined && d?.tuple !== undefined,
    manip,
    kind,
    reverse:
      rev === true ||
      kind === 'unsnat' ||
      kind === 'undnat' ||
      kind?.startsWith('reverse') === true,
    ...(str(d, 'statement') ? { statement: str(d, 'statement') } : {}),
    hook: str(d, 'hook'),
    before: endpoints(d?.before ?? d?.from),
    after: endpoints(d?.after ?? d?.to),
  };
}

export interface BridgeInfo {
  bridge?: string;
  /**
   * local (frame to the bridge's own MAC, passed up), forward (to another port), out (the
   * host sends through the bridge), brnf (br_netfilter runs the ip prerouting hook), skip (ip
   * prerouting is not run twice), or what the simulator wrote.
   */
  decision?: string;
  inPort?: string;
  outPort?: string;
  dmac?: string;
}

export function bridgeInfo(e: InfoEvent): BridgeInfo {
  const d = e.detail;
  const step = str(d, 'step');
  const byStep: Record<string, string> = {
    br_pass_frame_up: 'local',
    br_dev_xmit: 'out',
    br_forward: 'forward',
    br_nf_pre_routing: 'brnf',
    br_nf_forward_ip: 'brnf-forward',
    br_nf_post_routing: 'brnf-postrouting',
    bridged_dnat: 'bridged-dnat',
    ip_sabotage_in: 'skip',
    br_flood: 'flood',
  };
  const decision = (step ? byStep[step] : undefined) ?? str(d, 'decision', 'action', 'kind');
  const port = str(d, 'port');
  return {
    bridge: str(d, 'bridge', 'br'),
    decision,
    inPort: str(d, 'iport', 'inPort', 'in', 'from') ?? (decision === 'out' ? undefined : port),
    outPort: str(d, 'oport', 'outPort', 'out', 'to') ?? (decision === 'out' ? port : undefined),
    dmac: str(d, 'dmac', 'daddr'),
  };
}

export interface DeliverInfo {
  /** A machine's name, or `host`. */
  to?: string;
  /** The interface it arrived on. */
  iface?: string;
  /** What the receiver answers with: reply, syn-ack, port-unreachable, rst… */
  answer?: string;
  address?: string;
  port?: number;
  protocol?: string;
  socket?: boolean;
}

export function deliverInfo(e: InfoEvent): DeliverInfo {
  const d = e.detail;
  const socket = d?.socket ?? d?.listening;
  return {
    answer: str(d, 'answer'),
    iface: str(d, 'dev'),
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
  /** The machine sending (inbound), or receiving (outbound). */
  machine?: string;
  iface?: string;
  /** The host sends the packet out (the detail carries the packet as it leaves). */
  outbound: boolean;
  packet?: Endpoints;
}

export function sendInfo(e: InfoEvent): SendInfo {
  const d = e.detail;
  const packet = endpoints(d?.packet);
  return {
    machine: str(d, 'machine', 'from'),
    iface: str(d, 'iface', 'interface', 'dev', 'port', 'oif'),
    outbound: packet !== undefined,
    ...(packet ? { packet } : {}),
  };
}
