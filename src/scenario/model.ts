/**
 * A loaded scenario (docs/spec/scenario-format.md): the host whose netfilter is simulated, the
 * machines around it, and the conversations. Every part keeps the position of its YAML node, so
 * later errors ("no such interface") can name the file, line and key.
 */
import type { Span } from '../ruleset/model.ts';

export type Lang = 'en' | 'ja';
export type IpFamily = 4 | 6;

export interface Cidr {
  /** The address as written, normalised (IPv6 in its shortest form). */
  address: string;
  prefix: number;
  family: IpFamily;
}

export interface Listen {
  protocol: 'tcp' | 'udp';
  port: number;
}

export interface HostInterface {
  name: string;
  kind: 'link' | 'bridge';
  addresses: Cidr[];
  span?: Span;
}

export interface Route {
  /** `default` becomes 0.0.0.0/0 or ::/0 by the family of `via`. */
  to: Cidr;
  via?: string;
  dev?: string;
  span?: Span;
}

// ---- Policy routing (issue 17): ip rules and route tables beyond main -----------------------

/** `fwmark VALUE[/MASK]` of an ip rule (the mask defaults to 0xffffffff). */
export interface FwMark {
  value: number;
  mask: number;
}

/**
 * An `ip rule` the scenario adds to the kernel's defaults (0 local, 32766 main, 32767 default
 * for IPv4; 0 local, 32766 main for IPv6). `table` is a number (local 255, main 254, default
 * 253); `tableName` the name the scenario used for it, if any.
 */
export interface PolicyRule {
  family: IpFamily;
  priority: number;
  not: boolean;
  from?: Cidr;
  to?: Cidr;
  fwmark?: FwMark;
  iif?: string;
  oif?: string;
  table: number;
  tableName?: string;
  /** `suppress_prefixlength N`: a result with a prefix of N bits or fewer is not taken. */
  suppressPrefixlength?: number;
  span?: Span;
}

/** A routing table other than local and main, with its routes (no connected routes). */
export interface RouteTableSpec {
  id: number;
  name?: string;
  routes: Route[];
  span?: Span;
}

// ---- end policy routing -------------------------------------------------------------------

export interface Machine {
  name: string;
  /** The host interface it sits behind. */
  interface: string;
  /** Behind a bridge: the name of the bridge port the host gets for it. */
  port?: string;
  mac?: string;
  gateway?: string;
  addresses: string[];
  listens: Listen[];
  span?: Span;
}

export type PacketProtocol = 'udp' | 'tcp' | 'icmp' | 'icmpv6';

/**
 * One TCP segment of a conversation that lists them (extension of v1: `segments`). Sequence
 * and acknowledgement numbers follow from the segments before it; `seq` and `ack` are added.
 */
export interface SegmentSpec {
  dir: 'request' | 'reply';
  flags: string[];
  payload: number;
  seq: number;
  ack: number;
  span?: Span;
}

export interface PacketSpec {
  /** A machine's name, or `host`. */
  from: string;
  to: string;
  protocol: PacketProtocol;
  sport?: number;
  dport?: number;
  saddr?: string;
  /** Extension: a tcp conversation's segments, in order, sent as written. */
  segments?: SegmentSpec[];
  span?: Span;
}

export interface RulesetRef {
  format: 'nft' | 'nft-json' | 'iptables-save';
  /** As written in the scenario (relative to it). */
  path: string;
  /** Resolved absolute path, checked to stay inside the scenario's folder. */
  resolved: string;
  span?: Span;
}

/** A title and summary in one language. */
export interface ScenarioText {
  title: string;
  summary?: string;
}

export interface Scenario {
  /** The scenario file as given (relative paths stay relative, for messages and trace JSON). */
  file: string;
  title: string;
  summary?: string;
  lang: Lang;
  /**
   * Optional (a compatible extension of v1): title and summary in languages other than `lang`,
   * for that language's page (src/scenario/text.ts picks them). Never has an entry for `lang`.
   */
  translations?: Partial<Record<Lang, ScenarioText>>;
  ruleset: RulesetRef;
  host: {
    name: string;
    interfaces: HostInterface[];
    routes: Route[];
    /** Policy routing (optional, a compatible extension of v1): rules beyond the defaults. */
    rules?: PolicyRule[];
    /** Policy routing: tables other than local and main that rules name. */
    tables?: RouteTableSpec[];
    /** Every sysctl the simulator reads, defaults filled in. */
    sysctl: Record<string, number>;
    listens: Listen[];
  };
  hosts: Machine[];
  packets: PacketSpec[];
}
