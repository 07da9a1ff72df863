/**
 * Matches nft compiles into a rule without printing them back. `nft list ruleset` shows
 * `reject with tcp reset`, but nft's evaluator (evaluate.c, stmt_reject_gen_dependency) put a
 * `meta l4proto tcp` in front of the whole rule when nothing before the reject named the
 * transport protocol; likewise `reject with icmp type …` / `reject with icmpv6 type …` in an
 * inet, bridge or netdev table get the network protocol (`meta nfproto ipv4`, `ether type ip`…)
 * when nothing before them named it. The dependency goes to the rule's start ("otherwise we'd
 * log things that won't be rejected"), so a packet it does not fit ends the rule before any of
 * its statements runs: no counter, no mark set, and no drop.
 *
 * The other dependencies nft adds (a payload's `meta l4proto tcp` before `tcp dport`, `meta
 * nfproto ipv4` before `ip saddr` in inet) sit right before their load and are modelled by
 * the payload evaluation (payload.ts: a header not present breaks the rule). `th` has none.
 */
import type { Expr, Rule, Statement } from '../../ruleset/model.ts';
import { TRANSPORT_PROTOCOLS } from '../../ruleset/transport.ts';
import type { EvalEnv } from '../env.ts';

/**
 * Expressions that give nft's evaluator a transport protocol context: the transport headers,
 * and `th`, the raw transport header, as this module has always counted it.
 */
function namesTransport(protocol: string): boolean {
  return protocol === 'th' || TRANSPORT_PROTOCOLS.has(protocol);
}

function names(e: Expr, layer: 'network' | 'transport'): boolean {
  if (e.kind === 'payload') {
    if (layer === 'transport') return namesTransport(e.protocol);
    return e.protocol === 'ip' || e.protocol === 'ip6' || namesTransport(e.protocol);
  }
  if (e.kind === 'meta') {
    if (layer === 'transport') return e.key === 'l4proto';
    return e.key === 'nfproto' || e.key === 'protocol' || e.key === 'l4proto';
  }
  return false;
}

/** Whether a statement before the reject gave nft the layer's protocol context. */
function hasContext(before: readonly Statement[], layer: 'network' | 'transport'): boolean {
  return before.some((s) => s.kind === 'match' && names(s.left, layer));
}

/**
 * True when a dependency nft put in front of the rule does not fit the packet: the rule
 * does not match, and none of its statements runs.
 */
export function hiddenDependencyFails(rule: Rule, env: EvalEnv): boolean {
  const at = rule.statements.findIndex((s) => s.kind === 'reject');
  if (at < 0) return false;
  const stmt = rule.statements[at]!;
  if (stmt.kind !== 'reject' || !stmt.with) return false;
  const before = rule.statements.slice(0, at);
  const p = env.packet;
  if (stmt.with.type === 'tcp reset')
    return !hasContext(before, 'transport') && p.protocolNumber !== 6;
  if (stmt.with.type === 'icmpx') return false;
  if (env.family === 'ip' || env.family === 'ip6') return false;
  const want = stmt.with.type === 'icmp' ? 'ip' : 'ip6';
  return !hasContext(before, 'network') && p.family !== want;
}
