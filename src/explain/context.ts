/**
 * What the page's builders share: the document's inputs (one object per page) and the state of
 * the packet being told (one object made per packet, so nothing carries over to the next).
 */
import type { Trace } from '../netfilter/trace.ts';
import type { Ruleset } from '../ruleset/model.ts';
import type { Scenario } from '../scenario/model.ts';
import type { Messages } from './i18n/messages.ts';
import type { Anchors } from './links.ts';
import type { Phrase } from './phrase.ts';
import type { PacketWalk } from './walk.ts';

export interface DocOptions {
  format: 'md' | 'mdx';
  msg: Messages;
}

export interface ConversationSummary {
  index: number;
  verdict: string;
}

/** The page's inputs and what it has drawn so far. */
export interface DocContext {
  readonly scenario: Scenario;
  readonly ruleset: Ruleset;
  readonly trace: Trace;
  readonly msg: Messages;
  readonly format: 'md' | 'mdx';
  /** The hook maps already drawn, with the conversation (1-based) that drew each. */
  readonly hookMaps: Map<string, number>;
  /** The headings links point to: each stage walk's, each conversation's why-section. */
  readonly anchors: Anchors;
}

/** A translation the conversation's first packet set up (to name what a reply undoes). */
export interface RequestNat {
  kind: string;
  field: 'source' | 'destination' | 'both';
}

/** The packet being told, and what has been told of it. */
export interface PacketState {
  readonly walk: PacketWalk;
  /** The translations the conversation's request set up. */
  readonly requestNat: readonly RequestNat[];
  /** What a jump, goto, NAT statement, policy… means: told once per packet. */
  readonly told: Set<string>;
  /**
   * In a conversation that repeats an earlier one's path: the earlier one's number (1-based).
   * The packet's listings and flowchart are that conversation's, so they are pointed to, not
   * drawn again; every step is still told.
   */
  readonly repeatOf?: number;
  /** The last routing decision told, to tell a repeated one only once. */
  lastRoute?: string;
  /** The bridge the packet is on. */
  lastBridge?: string;
}

export function packetState(
  walk: PacketWalk,
  requestNat: readonly RequestNat[],
  repeatOf?: number,
): PacketState {
  return { walk, requestNat, told: new Set(), ...(repeatOf === undefined ? {} : { repeatOf }) };
}

/** `p` the first time `key` is told for this packet, nothing after. */
export function tellOnce(ps: PacketState, key: string, p: Phrase): Phrase[] {
  if (ps.told.has(key)) return [];
  ps.told.add(key);
  return [p];
}
