import { natDelta } from '../facts.ts';
import { icmpCodeText, icmpTypeText } from '../icmp-names.ts';
import { flowOfEndpoints } from '../info.ts';
import { ref } from '../mdast.ts';
import type { EventHandler } from './types.ts';

/** A note: an assumption the simulator made, or a fact worth telling. */
export const note: EventHandler<'note'> = (e, { msg }, ps) => {
  const d = e.detail;
  switch (d.kind) {
    case 'redirect':
      return [msg.icmpRedirect(d.sent, d.rateLimited)];
    case 'numgen':
    case 'jhash':
    case 'symhash':
    case 'assumption':
      return [msg.noteAssumption(d.kind)];
    case 'limit':
    case 'quota':
      return [msg.noteRateAssumed(d.kind, d.over)];
    case 'nat-family':
      return [msg.noteNatFamily()];
    case 'sysctl-not-modelled':
      return [msg.noteSysctlIgnored(d.sysctl)];
    case 'nat-random':
      return [msg.noteRandomPort(d.flags)];
    case 'mangle': {
      const delta = natDelta(flowOfEndpoints(d.before), flowOfEndpoints(d.after));
      return [msg.noteMangle(d.mangle, delta.from, delta.to)];
    }
    case 'reject-answer':
      if (d.answer !== 'icmp') return [msg.rejectAnswer('rst', undefined)];
      return [
        msg.rejectAnswer('icmp', {
          type: icmpTypeText(ps.walk.ipFamily, d.icmpType),
          code: icmpCodeText(ps.walk.ipFamily, d.icmpType, d.code),
        }),
      ];
    case 'nat-without-conntrack':
      return [msg.natWithoutConntrack(d.statement)];
    case 'no-answer':
      return [msg.noAnswer(d.to, d.daddr)];
    case 'neighbour-failure':
      return [msg.neighbourFailure(d.nexthop, d.sender)];
    case 'source-fallback':
      return [msg.sourceFallback(d.daddr, d.saddr)];
    case 'kernel-unlisted-chain':
      return [msg.kernelUnlistedChain(ref(d.family, d.table, d.chain))];
  }
};
