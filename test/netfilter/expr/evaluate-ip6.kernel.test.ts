/**
 * The kernel as the oracle for IPv6: a UDP datagram over a veth pair with IPv6 on, through an
 * inet input chain whose first rule lets everything but UDP pass (neighbour discovery and MLD
 * must not reach the counted rules). Each counted rule's kernel counter is compared with
 * evaluateRule. Skips unless root with nft, ip and python3.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleOutcome } from '../../../src/netfilter/env.ts';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { makeEnv } from './env-factory.ts';

/** 1 when the rule's trailing `counter` was reached (what the kernel's counter shows), else 0. */
function counted(out: RuleOutcome): number {
  return out.kind === 'match' && out.effects.some((e) => e.kind === 'counter') ? 1 : 0;
}

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skipReason =
  process.getuid?.() !== 0
    ? 'not root'
    : !have('nft') || !have('ip') || !have('python3')
      ? 'nft, ip or python3 missing'
      : '';

const A = `nfw6${process.pid % 10000}a`;
const B = `nfw6${process.pid % 10000}b`;
const DEV_A = `${A}0`;
const DEV_B = `${B}0`;
const sh = (args: string[], input?: string) =>
  execFileSync(args[0]!, args.slice(1), {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
const inNs = (ns: string, ...a: string[]) => sh(['ip', 'netns', 'exec', ns, ...a]);

const MATCHES = [
  'ip6 saddr 2001:db8:77::1',
  'ip6 saddr 2001:db8:77::/64',
  'ip6 daddr != { 2001:db8::/32 }',
  'ip6 daddr { fe80::/10, 2001:db8:77::2 }',
  'ip6 nexthdr udp',
  'ip6 hoplimit 64',
  'ip6 length 9',
  'ip6 dscp cs0',
  'meta length 49',
  'meta nfproto ipv6',
  'meta l4proto udp',
  'meta protocol ip6',
  'ip saddr 10.0.0.1',
  'ip saddr != 10.0.0.1',
  'icmpv6 type echo-request',
  'udp dport 1812',
  'udp length 9',
  'ip6 saddr . udp dport { 2001:db8:77::/64 . 1800-1900 }',
  'fib daddr type local',
  'ct state new',
  'ct original ip6 saddr 2001:db8:77::1',
  'ct original ip saddr 10.77.0.1',
  'jhash ip6 saddr mod 2 seed 0x9 0',
  'jhash ip6 saddr mod 2 seed 0x9 1',
];

const RULESET = `table inet nfw6 {
  chain in {
    type filter hook input priority 0; policy accept;
    meta l4proto != udp accept
${MATCHES.map((m) => `    ${m} counter`).join('\n')}
  }
}
`;

const PY_UDP6 = `import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:77::1", 5353)); s.sendto(b"x", ("2001:db8:77::2", 1812))`;

describe.skipIf(skipReason !== '')(
  `IPv6 rule evaluation against the kernel${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    beforeAll(() => {
      for (const ns of [A, B]) {
        sh(['ip', 'netns', 'add', ns]);
        for (const k of ['accept_dad=0', 'router_solicitations=0', 'disable_ipv6=0']) {
          inNs(ns, 'sysctl', '-qw', `net.ipv6.conf.default.${k}`);
          inNs(ns, 'sysctl', '-qw', `net.ipv6.conf.all.${k}`);
        }
      }
      sh([
        'ip',
        'link',
        'add',
        DEV_A,
        'netns',
        A,
        'type',
        'veth',
        'peer',
        'name',
        DEV_B,
        'netns',
        B,
      ]);
      inNs(A, 'ip', 'addr', 'add', '2001:db8:77::1/64', 'dev', DEV_A, 'nodad');
      inNs(B, 'ip', 'addr', 'add', '2001:db8:77::2/64', 'dev', DEV_B, 'nodad');
      for (const [ns, dev] of [
        [A, DEV_A],
        [B, DEV_B],
      ] as const) {
        inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
        inNs(ns, 'ip', 'link', 'set', dev, 'up');
      }
      const mac = (ns: string, dev: string) =>
        inNs(ns, 'cat', `/sys/class/net/${dev}/address`).trim();
      inNs(
        A,
        'ip',
        'neigh',
        'replace',
        '2001:db8:77::2',
        'lladdr',
        mac(B, DEV_B),
        'dev',
        DEV_A,
        'nud',
        'permanent',
      );
      inNs(
        B,
        'ip',
        'neigh',
        'replace',
        '2001:db8:77::1',
        'lladdr',
        mac(A, DEV_A),
        'dev',
        DEV_B,
        'nud',
        'permanent',
      );
    });
    afterAll(() => {
      for (const ns of [A, B]) spawnSync('ip', ['netns', 'del', ns]);
    });

    it('a UDP datagram over IPv6: every rule matches exactly when the kernel counted it', () => {
      inNs(B, 'nft', '-f', '-', RULESET);
      inNs(A, 'python3', '-c', PY_UDP6);
      const listing = inNs(B, 'nft', 'list', 'table', 'inet', 'nfw6');
      const kernel = [...listing.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));

      const table = parseNft(RULESET, 'kernel-ip6.nft').tables[0]!;
      const env = makeEnv({
        family: 'inet',
        table,
        packet: {
          family: 'ip6',
          saddr: '2001:db8:77::1',
          daddr: '2001:db8:77::2',
          l4proto: 'udp',
          protocolNumber: 17,
          sport: 5353,
          dport: 1812,
          tcp: undefined,
          length: 49,
        },
        meta: { iif: DEV_B, nfproto: 'ip6' },
        fib: { type: 'local', oif: DEV_B },
      });
      const [guard, ...rules] = table.chains[0]!.rules;
      expect(evaluateRule(guard!, env)).toEqual({ kind: 'nomatch' });
      const sim = rules.map((r) => {
        const out = evaluateRule(r, env);
        return out.kind === 'unsupported' ? `unsupported: ${out.reason}` : counted(out);
      });
      expect(MATCHES.map((m, i) => `${m} => ${sim[i]}`)).toEqual(
        MATCHES.map((m, i) => `${m} => ${kernel[i]}`),
      );
    });
  },
);
