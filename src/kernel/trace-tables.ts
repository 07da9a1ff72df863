/**
 * The tables the harness adds to the host namespace so the kernel traces every packet: one per
 * family, each with base chains at the lowest priority there is (so they run before anything of
 * the scenario's ruleset) that only set `meta nftrace`. Their own events are left out of the
 * compared trace (assemble.ts, TRACE_TABLE).
 */
import { TRACE_TABLE } from './assemble.ts';
import { SEGMENT_DSCP, SEGMENT_TTL } from './segments.ts';

const FIRST = -2147483648;
const LAST = 2147483647;

function chain(name: string, hook: string, device?: string, priority = FIRST, first = ''): string {
  const dev = device === undefined ? '' : ` device "${device.replace(/["\\]/g, '')}"`;
  return [
    `\tchain ${name} {`,
    `\t\ttype filter hook ${hook}${dev} priority ${priority}; policy accept;`,
    ...(first ? [`\t\t${first}`] : []),
    '\t\tmeta nftrace set 1',
    '\t}',
  ].join('\n');
}

/**
 * What the host's own TCP stack writes in answer to a listed segment (the RST for a segment
 * redirected to a port nobody holds, carrying the segment's DSCP) is dropped before it is
 * traced: no socket answers listed segments (segments.ts). The segments themselves leave the
 * raw socket with SEGMENT_TTL.
 */
const stackAnswer = (family: string) =>
  family === 'ip'
    ? `meta l4proto tcp ip dscp ${SEGMENT_DSCP} ip ttl != ${SEGMENT_TTL} drop`
    : `meta l4proto tcp ip6 dscp ${SEGMENT_DSCP} ip6 hoplimit != ${SEGMENT_TTL} drop`;

export function traceTables(devices: readonly string[]): string {
  const tables: string[] = [];
  for (const family of ['ip', 'ip6', 'bridge']) {
    // The last postrouting chain shows the packet as it leaves, after every NAT, and the last
    // input chain a packet delivered to the host after its prerouting NAT: an answer is
    // recognised by those addresses even when no chain of the ruleset saw them (fuzz seed
    // 316: a SYN redirected to a closed port, the host's RST for it dropped in output).
    const chains = [
      chain('pre', 'prerouting'),
      chain('in', 'input', undefined, LAST),
      chain('out', 'output', undefined, FIRST, family === 'bridge' ? '' : stackAnswer(family)),
      chain('post', 'postrouting', undefined, LAST),
    ];
    tables.push(`table ${family} ${TRACE_TABLE} {\n${chains.join('\n')}\n}`);
  }
  const ingress = devices.map((d, i) => chain(`in${i}`, 'ingress', d));
  if (ingress.length > 0) tables.push(`table netdev ${TRACE_TABLE} {\n${ingress.join('\n')}\n}`);
  return `${tables.join('\n')}\n`;
}
