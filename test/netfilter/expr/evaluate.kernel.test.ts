/**
 * The kernel as the oracle: the same rules are loaded into an input chain of a network
 * namespace, one real packet is sent through it, and each rule's kernel counter (1 or 0) is
 * compared with what evaluateRule says for the same packet. Skips unless root with nft and ip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CtView } from '../../../src/conntrack/table.ts';
import type { RuleOutcome } from '../../../src/netfilter/env.ts';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import type { Packet } from '../../../src/packet/packet.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { makeEnv } from './env-factory.ts';

/** 1 when the rule's trailing `counter` was reached (what the kernel's counter shows), else 0. */
function counted(out: RuleOutcome): number {
  return out.kind === 'match' && out.effects.some((e) => e.kind === 'counter') ? 1 : 0;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
const isRoot = process.getuid?.() === 0;
const skipReason = !isRoot
  ? 'not root'
  : !have('nft') || !have('ip') || !have('python3')
    ? 'nft, ip or python3 missing'
    : '';

const A = `nfwe${process.pid % 10000}a`;
const B = `nfwe${process.pid % 10000}b`;
const DEV_A = `${A}0`;
const DEV_B = `${B}0`;

function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
const inA = (...a: string[]) => sh(['ip', 'netns', 'exec', A, ...a]);
const inB = (...a: string[]) => sh(['ip', 'netns', 'exec', B, ...a]);

/** The ICMP echo request the test sends: type 8, code 0, id 0x1234, sequence 1, payload "nfwalk". */
function icmpEcho(): Uint8Array {
  const b = new Uint8Array([8, 0, 0, 0, 0x12, 0x34, 0, 1, ...new TextEncoder().encode('nfwalk')]);
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  b[2] = c >> 8;
  b[3] = c & 0xff;
  return b;
}
const ICMP = icmpEcho();
const ICMP_CSUM = (ICMP[2]! << 8) | ICMP[3]!;

/** One rule per line; every rule ends in `counter` so the kernel tells whether it matched. */
const MATCHES = [
  'ct state new',
  'ct state established,related',
  'ct state != established,related',
  'ct state == new',
  'ct state { new, untracked }',
  'ct direction original',
  'ct status confirmed',
  'ct original ip saddr 10.77.0.1',
  'tcp flags syn',
  'tcp flags == syn',
  'tcp flags syn / fin,syn,rst,ack',
  'tcp flags & (syn | ack) == syn | ack',
  'tcp flags { syn, ack }',
  'tcp dport 2222',
  'tcp dport { 22, 2222 }',
  'tcp sport 1024-65535',
  'tcp sport > 40000',
  'tcp sport >= 40000',
  'tcp option maxseg size 1460',
  'udp dport 1812',
  'th dport 1812',
  'th dport 2222',
  'meta l4proto { tcp, udp }',
  'meta l4proto udp',
  'meta nfproto ipv4',
  'meta nfproto ipv6',
  `iifname "nfwe*"`,
  `iifname "${DEV_B}"`,
  `iifname != "nfwe*"`,
  `iifname { "lo", "nfwe*" }`,
  'meta pkttype host',
  'meta iiftype ether',
  'ip saddr 10.77.0.0/24',
  'ip saddr 10.77.0.1-10.77.0.5',
  'ip daddr != { 10.0.0.0/8 }',
  'ip daddr != { 192.168.0.0/16 }',
  'ip saddr . tcp dport { 10.77.0.1 . 2222 }',
  'ip saddr . th dport { 10.77.0.0/24 . 1800-1900 }',
  'ip ttl 64',
  'ip dscp cs0',
  'ip protocol tcp',
  'ip frag-off & 0x1fff != 0',
  'ip frag-off & 0x3fff == 0',
  'ip6 saddr ::1',
  'meta mark 0',
  'meta mark set 0x5',
  'meta mark 5',
  'meta mark & 0x4 == 0x4',
  'meta mark set meta mark | 0x10',
  'meta mark 0x15',
  'ct mark set meta mark',
  'ct mark 0x15',
  'fib daddr type local',
  'fib daddr type != local',
  'fib saddr . iif oif missing',
  'fib saddr . iif oif exists',
  'jhash ip saddr mod 4 seed 0x5 0',
  'jhash ip saddr mod 4 seed 0x5 1',
  'jhash ip saddr mod 4 seed 0x5 2',
  'jhash ip saddr mod 4 seed 0x5 3',
  'icmp type echo-request',
  'icmp type { echo-reply, destination-unreachable }',
  'icmp code 0',
  'icmp id 0x1234',
  'icmp sequence 1',
  'icmpv6 type echo-request',
  'th sport 2048',
  `th dport ${ICMP_CSUM}`,
  'tcp dport vmap { 2222 : continue }',
  'meta l4proto vmap { 99 : accept }',
  'tcp dport vmap { 1 : accept, * : continue }',
  'ip saddr . th dport @allowed',
  'ip saddr . th dport != @allowed',
  'iifname @ifs',
  'ip saddr @seen',
  'add @seen { ip saddr }',
  'ip saddr @seen',
  'meta mark set ip saddr map @marks',
  'meta mark 0x7',
  'meta mark set ip daddr map { 10.77.0.9 : 0x9 }',
  'meta mark 0x7',
];

/**
 * Rules in raw prerouting (priority -300): before conntrack has seen the packet. The kernel
 * still answers `ct state` (invalid: no entry yet) and breaks on every other ct key; `ct mark
 * set` without an entry does nothing; the output device is absent.
 */
const PRE_MATCHES = [
  'ct state invalid',
  'ct state new',
  'ct mark 0',
  'ct mark != 0',
  'ct mark set 0x1',
  'ct direction original',
  'oifname != "lo"',
  'meta skuid 0',
  `iif "${DEV_B}"`,
];

const ALL = [...PRE_MATCHES.map((m) => `(raw prerouting) ${m}`), ...MATCHES];

function ruleset(): string {
  return `table inet nfwt {
  set allowed {
    type ipv4_addr . inet_service
    flags interval
    elements = { 10.77.0.0/24 . 1800-3000 }
  }
  set ifs {
    type ifname
    flags interval
    elements = { "nfwe*" }
  }
  set seen {
    type ipv4_addr
    flags dynamic
  }
  map marks {
    type ipv4_addr : mark
    elements = { 10.77.0.1 : 0x7 }
  }
  chain pre {
    type filter hook prerouting priority -300; policy accept;
${PRE_MATCHES.map((m) => `    ${m} counter`).join('\n')}
  }
  chain in {
    type filter hook input priority 0; policy accept;
${MATCHES.map((m) => `    ${m} counter`).join('\n')}
  }
}
`;
}

function counters(): number[] {
  const text = inB('nft', 'list', 'table', 'inet', 'nfwt');
  return [...text.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
}

const PY_TCP = `import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 40000)); s.settimeout(1)
try: s.connect(("10.77.0.2", 2222))
except Exception: pass`;
const PY_UDP = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.1", 5353)); s.sendto(b"x", ("10.77.0.2", 1812))`;

const PY_ICMP = `import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(bytes([${[...ICMP].join(', ')}]), ("10.77.0.2", 0))`;

function simulate(packet: Partial<Packet>, ct: Partial<CtView>) {
  const rs = parseNft(ruleset(), 'kernel-test.nft');
  const table = rs.tables[0]!;
  const [pre, input] = table.chains;
  const base = { family: 'inet' as const, table, packet, fib: { type: 'local', oif: DEV_B } };
  const preEnv = makeEnv({
    ...base,
    ct: null,
    meta: { iif: DEV_B, iiftype: 'ether', pkttype: 'host' },
  });
  preEnv.hook = 'prerouting';
  const inEnv = makeEnv({ ...base, ct, meta: { iif: DEV_B, iiftype: 'ether', pkttype: 'host' } });
  const results: (number | string)[] = [];
  for (const [chain, env] of [
    [pre!, preEnv],
    [input!, inEnv],
  ] as const) {
    for (const r of chain.rules) {
      const out = evaluateRule(r, env);
      results.push(out.kind === 'unsupported' ? `unsupported: ${out.reason}` : counted(out));
    }
  }
  return results;
}

describe.skipIf(skipReason !== '')(
  `rule evaluation against the kernel${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    beforeAll(() => {
      for (const ns of [A, B]) sh(['ip', 'netns', 'add', ns]);
      for (const ns of [A, B]) {
        sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
        sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
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
      inA('ip', 'addr', 'add', '10.77.0.1/24', 'dev', DEV_A);
      inB('ip', 'addr', 'add', '10.77.0.2/24', 'dev', DEV_B);
      for (const [f, d] of [
        [inA, DEV_A],
        [inB, DEV_B],
      ] as const) {
        f('ip', 'link', 'set', 'lo', 'up');
        f('ip', 'link', 'set', d, 'up');
      }
      const macB = inB('cat', `/sys/class/net/${DEV_B}/address`).trim();
      const macA = inA('cat', `/sys/class/net/${DEV_A}/address`).trim();
      inA('ip', 'neigh', 'replace', '10.77.0.2', 'lladdr', macB, 'dev', DEV_A, 'nud', 'permanent');
      inB('ip', 'neigh', 'replace', '10.77.0.1', 'lladdr', macA, 'dev', DEV_B, 'nud', 'permanent');
    });
    afterAll(() => {
      for (const ns of [A, B]) spawnSync('ip', ['netns', 'del', ns]);
    });

    function run(py: string): number[] {
      spawnSync('ip', ['netns', 'exec', B, 'nft', 'delete', 'table', 'inet', 'nfwt']);
      inB('nft', '-f', '-', ruleset());
      inA('python3', '-c', py);
      return counters();
    }

    it('a TCP SYN to a closed port: every rule matches exactly when the kernel counted it', () => {
      const kernel = run(PY_TCP);
      const sim = simulate(
        {
          saddr: '10.77.0.1',
          daddr: '10.77.0.2',
          sport: 40000,
          dport: 2222,
          length: 60,
          tcp: {
            flags: ['syn'],
            seq: 0,
            ackSeq: 0,
            window: 64240,
            options: { maxseg: { size: 1460 } },
          },
        },
        { state: 'new', status: [] },
      );
      expect(ALL.map((m, i) => `${m} => ${sim[i]}`)).toEqual(
        ALL.map((m, i) => `${m} => ${kernel[i]}`),
      );
    });

    it('an ICMP echo request (th reads the ICMP type/code and checksum): same matches as the kernel', () => {
      const kernel = run(PY_ICMP);
      const ip = [
        0x45,
        0,
        0,
        20 + ICMP.length,
        0,
        0,
        0x40,
        0,
        64,
        1,
        0,
        0,
        10,
        77,
        0,
        1,
        10,
        77,
        0,
        2,
      ];
      const sim = simulate(
        {
          saddr: '10.77.0.1',
          daddr: '10.77.0.2',
          l4proto: 'icmp',
          protocolNumber: 1,
          sport: undefined,
          dport: undefined,
          tcp: undefined,
          icmp: { type: 8, code: 0, id: 0x1234, sequence: 1 },
          length: 20 + ICMP.length,
          bytes: new Uint8Array([...ip, ...ICMP]),
        },
        {
          state: 'new',
          status: [],
          original: { saddr: '10.77.0.1', daddr: '10.77.0.2', l4proto: 'icmp', icmpId: 0x1234 },
        },
      );
      expect(ALL.map((m, i) => `${m} => ${sim[i]}`)).toEqual(
        ALL.map((m, i) => `${m} => ${kernel[i]}`),
      );
    });

    it('a UDP datagram: every rule matches exactly when the kernel counted it', () => {
      const kernel = run(PY_UDP);
      const sim = simulate(
        {
          saddr: '10.77.0.1',
          daddr: '10.77.0.2',
          l4proto: 'udp',
          protocolNumber: 17,
          sport: 5353,
          dport: 1812,
          tcp: undefined,
          length: 29,
        },
        { state: 'new', status: [] },
      );
      expect(ALL.map((m, i) => `${m} => ${sim[i]}`)).toEqual(
        ALL.map((m, i) => `${m} => ${kernel[i]}`),
      );
    });
  },
);
