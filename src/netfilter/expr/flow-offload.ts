/**
 * `flow add @ft` (nft_flow_offload.c, nft_flow_offload_eval): whether this packet puts its
 * connection into the flowtable. The statement needs a conntrack entry whose original
 * direction is UDP, or TCP in state ESTABLISHED with neither FIN nor RST on this segment
 * (nf_conntrack_tcp_established); no helper, no sequence adjustment or NAT clash; confirmed
 * (so never the connection's first packet: it is confirmed only as it leaves postrouting);
 * and not offloaded already (test_and_set_bit(IPS_OFFLOAD_BIT)). Otherwise the rule ends
 * there (`regs->verdict.code = NFT_BREAK`): the statements after it do not run. When it
 * offloads, the walk records the flowtable entry (both directions' routes, nft_flow_route)
 * and the rule goes on.
 */
import type { OtherStmt } from '../../ruleset/model.ts';
import type { FlowOffloadRefusal } from '../env.ts';
import { BREAK, type Break, type EvalContext } from './context.ts';
import { NotDecidable } from './datatypes.ts';

/** The flowtable a `flow add @ft` / `flow offload @ft` statement names. */
export function flowtableName(stmt: OtherStmt): string {
  const last = stmt.args[stmt.args.length - 1] ?? '';
  return last.replace(/^@/, '').replace(/^"(.*)"$/, '$1');
}

export function evalFlowOffload(stmt: OtherStmt, ctx: EvalContext): 'continue' | Break {
  const name = flowtableName(stmt);
  const ft = ctx.env.table.flowtables.find((f) => f.name === name);
  // nft_flow_offload_init: nft_flowtable_lookup fails, the kernel refuses the rule.
  if (!ft)
    throw new NotDecidable(
      `flow add @${name}: no flowtable ${name} in table ${ctx.env.table.name}`,
    );
  if (ctx.env.family !== 'ip' && ctx.env.family !== 'ip6' && ctx.env.family !== 'inet') {
    // nft_flow_offload_validate: -EOPNOTSUPP outside ip, ip6 and inet tables.
    throw new NotDecidable(
      `flow add @${name}: the kernel accepts it only in ip, ip6 and inet tables`,
    );
  }
  if (ft.flags?.includes('offload')) {
    // NF_FLOWTABLE_HW_OFFLOAD: the driver may forward the flow in hardware, unseen by the host.
    throw new NotDecidable(
      `flow add @${name}: flowtable ${name} has flags offload (hardware offload), which nfwalk does not model`,
    );
  }
  if (ctx.env.hook !== 'forward') {
    // nft_flow_offload_validate: the statement is only allowed in chains on the forward hook.
    throw new NotDecidable(`flow add @${name}: the kernel accepts it only in a forward chain`);
  }
  const refusal = refusalOf(ctx);
  ctx.effects.push({
    kind: 'flow-offload',
    flowtable: name,
    devices: [...ft.devices],
    ...(refusal ? { refused: refusal } : {}),
  });
  return refusal ? BREAK : 'continue';
}

function refusalOf(ctx: EvalContext): FlowOffloadRefusal | undefined {
  const ct = ctx.env.ct;
  if (!ct || ct.state === 'invalid' || ct.state === 'untracked' || !ct.original)
    return 'no-conntrack';
  const proto = ct.original.l4proto;
  if (proto === 'tcp') {
    const flags = ctx.env.packet.tcp?.flags ?? [];
    if (flags.includes('fin') || flags.includes('rst')) return 'tcp-fin-rst';
    if (ct.tcp !== 'ESTABLISHED') return 'tcp-not-established';
  } else if (proto !== 'udp') return 'protocol';
  if (ct.helper) return 'helper';
  if (!ct.status.includes('confirmed')) return 'not-confirmed';
  if (ct.status.includes('offload')) return 'already-offloaded';
  return undefined;
}
