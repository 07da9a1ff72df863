/**
 * Reading `nft -a monitor trace` text (nft 1.0.6 has no JSON trace output). Each line is one
 * trace message of the kernel:
 *
 *   trace id de915a1b ip nat PREROUTING packet: iif "ens192" ether saddr … ip saddr … udp dport 1812 …
 *   trace id de915a1b ip nat PREROUTING rule fib daddr type local … jump DOCKER # handle 6 (verdict jump DOCKER)
 *   trace id de915a1b ip nat POSTROUTING policy accept
 *
 * The kernel dumps the packet once per base chain run, with that chain's first message, so a
 * `packet:` line marks the packet entering a base chain.
 */
import type { Family } from '../ruleset/model.ts';
import { TCP_FLAGS } from '../ruleset/tcp-flags.ts';
import { parseRawHeaders } from './raw-headers.ts';

/** The headers a `packet:` line shows, as far as nfwalk compares or matches them. */
export interface TraceHeaders {
  iif: string | null;
  oif: string | null;
  /** `ip` or `ip6`; null for frames without an IP header (ARP…). */
  l3: 'ip' | 'ip6' | null;
  saddr: string | null;
  daddr: string | null;
  /** tcp, udp, icmp, icmpv6, sctp… (`ipv6-icmp` is reported as icmpv6). */
  protocol: string | null;
  sport: number | null;
  dport: number | null;
  /** IPv4 identification (constant along a packet's path, NAT or not). */
  ipId: number | null;
  /** `ip length` / `ip6 length`. */
  length: number | null;
  /** `tcp flags` as printed (`syn`, `syn | ack`, `0x12`…), normalised to a list of names. */
  tcpFlags: string[] | null;
  /** `icmp type` / `icmpv6 type` name. */
  icmpType: string | null;
}

interface LineBase {
  /** Where the line starts in the text parsed (parseMonitorTrace sets it). */
  offset?: number;
  id: string;
  family: Family;
  table: string;
  chain: string;
}

export type MonitorLine =
  | (LineBase & { kind: 'packet'; headers: TraceHeaders })
  | (LineBase & { kind: 'rule'; handle: number | null; text: string; verdict: string })
  | (LineBase & { kind: 'policy'; verdict: string })
  /** `verdict …` messages (a return to the caller, where a kernel reports one). */
  | (LineBase & { kind: 'verdict'; verdict: string });

const FAMILIES: readonly string[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];
const HEAD = /^trace id ([0-9a-f]+) (\S+) (\S+) (\S+) (packet: |rule |policy |verdict )(.*)$/;

/** Parses the whole output; lines that are not trace messages are skipped. */
export function parseMonitorTrace(text: string): MonitorLine[] {
  const out: MonitorLine[] = [];
  let offset = 0;
  for (const raw of text.split('\n')) {
    const line = parseMonitorLine(raw.trimEnd());
    if (line) out.push({ ...line, offset });
    offset += raw.length + 1;
  }
  return out;
}

export function parseMonitorLine(line: string): MonitorLine | undefined {
  const m = HEAD.exec(line);
  if (!m) return undefined;
  const [, id, family, table, chain, kind, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!FAMILIES.includes(family)) return undefined;
  const base: LineBase = { id, family: family as Family, table, chain };
  switch (kind) {
    case 'packet: ':
      return { ...base, kind: 'packet', headers: parseHeaders(rest) };
    case 'rule ': {
      const v = rest.lastIndexOf(' (verdict ');
      const body = v >= 0 ? rest.slice(0, v) : rest;
      const verdict =
        v >= 0 ? rest.slice(v + ' (verdict '.length, rest.indexOf(')', v)) : 'continue';
      const h = /^(.*?)\s*# handle (\d+)$/.exec(body);
      return {
        ...base,
        kind: 'rule',
        handle: h ? Number(h[2]) : null,
        text: (h ? h[1]! : body).trim(),
        verdict: verdict.trim(),
      };
    }
    case 'policy ':
      return { ...base, kind: 'policy', verdict: rest.trim().split(/\s+/)[0] ?? '' };
    default:
      return { ...base, kind: 'verdict', verdict: rest.trim().split(/\s+/).slice(0, 2).join(' ') };
  }
}

function match(text: string, re: RegExp): string | null {
  const m = re.exec(text);
  return m ? (m[1] ?? null) : null;
}

function num(text: string, re: RegExp): number | null {
  const s = match(text, re);
  return s === null ? null : Number(s);
}

export function parseHeaders(text: string): TraceHeaders {
  const ip6 = /(?:^| )ip6 saddr /.test(text);
  const ip = /(?:^| )ip saddr /.test(text);
  if (!ip && !ip6) {
    // netdev egress (and other hooks without protocol context) print raw `@nh`/`@th` bytes.
    const raw = parseRawHeaders(text);
    if (raw) {
      return {
        iif: match(text, /(?:^| )iif "([^"]*)"/),
        oif: match(text, /(?:^| )oif "([^"]*)"/),
        ...raw,
      };
    }
  }
  const l3 = ip ? 'ip' : ip6 ? 'ip6' : null;
  const l4 = match(text, /(?:^| )(tcp|udp|udplite|sctp|dccp) (?:sport|dport) /);
  let protocol: string | null = l4;
  let icmpType: string | null = null;
  const icmp = /(?:^| )(icmp|icmpv6) type (\S+)/.exec(text);
  if (!protocol && icmp) {
    protocol = icmp[1]!;
    icmpType = icmp[2]!;
  }
  if (!protocol) {
    const p = match(text, /(?:^| )(?:ip protocol|ip6 nexthdr|meta l4proto) (\S+)/);
    protocol = p === 'ipv6-icmp' ? 'icmpv6' : p;
  }
  const flagsText = match(
    text,
    /(?:^| )tcp flags (?:== )?((?:[a-z]+|0x[0-9a-f]+)(?: ?[|,] ?[a-z]+)*)/,
  );
  return {
    iif: match(text, /(?:^| )iif "([^"]*)"/),
    oif: match(text, /(?:^| )oif "([^"]*)"/),
    l3,
    saddr: match(text, /(?:^| )ip6? saddr (\S+)/),
    daddr: match(text, /(?:^| )ip6? daddr (\S+)/),
    protocol,
    sport: l4 ? num(text, new RegExp(`(?:^| )${l4} sport (\\d+)`)) : null,
    dport: l4 ? num(text, new RegExp(`(?:^| )${l4} dport (\\d+)`)) : null,
    ipId: num(text, /(?:^| )ip id (\d+)/),
    length: num(text, /(?:^| )ip6? length (\d+)/),
    tcpFlags: flagsText === null ? null : tcpFlagNames(flagsText),
    icmpType,
  };
}

function tcpFlagNames(text: string): string[] {
  if (text.startsWith('0x')) {
    const bits = Number.parseInt(text, 16);
    return TCP_FLAGS.filter(([, b]) => bits & b).map(([n]) => n);
  }
  return text.split(/\s*[|,]\s*/).filter((s) => s !== '');
}
