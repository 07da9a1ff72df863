/**
 * Every rule of every nft ruleset in the corpus, evaluated against a few packets: how many
 * rules each outcome had, why rules were unsupported, and which evaluations crashed (any
 * exception is a bug: evaluation must end in match, nomatch or unsupported).
 *
 * Run `node test/netfilter/expr/corpus-sweep.ts` to print the figures; the Vitest test uses it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import type { Family, Ruleset } from '../../../src/ruleset/model.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { type EnvOptions, icmpEcho, makeEnv } from './env-factory.ts';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const corpus = resolve(repoRoot, '..', 'shared', 'corpus');

/** The corpus folders of nft text rulesets (the fast-reject test reads them too). */
export const SOURCES = [
  'nftables',
  'nftables-shell-embedded',
  'moby',
  'firewalld-tests',
  'openwrt-firewall4',
  'foomuuri',
  'knftables-embedded',
  'cni-plugins-embedded',
  'kube-network-policies-embedded',
  'kube-proxy-nftables-embedded',
];

const PACKETS: Record<string, EnvOptions> = {
  'tcp4-syn': {},
  'tcp4-est': {
    packet: { tcp: { flags: ['ack'], seq: 5, ackSeq: 9, window: 500 } },
    ct: { state: 'established', status: ['seen-reply', 'assured', 'confirmed'] },
    meta: { oif: 'eth1', mark: 0x10 },
  },
  'udp4-docker': {
    packet: {
      saddr: '172.17.0.2',
      daddr: '192.0.2.10',
      l4proto: 'udp',
      protocolNumber: 17,
      tcp: undefined,
      sport: 40000,
      dport: 1812,
    },
    meta: { iif: 'docker0', oif: 'ens192' },
  },
  'icmp4-echo': {
    packet: icmpEcho(),
    ct: null,
  },
  'tcp6-syn': {
    packet: { family: 'ip6', saddr: 'fe80::1', daddr: '2001:db8::2' },
    meta: { nfproto: 'ip6' },
    fib: { type: 'unicast', oif: null },
  },
  'icmp6-ns': {
    packet: {
      family: 'ip6',
      saddr: 'fe80::1',
      daddr: 'ff02::1:ff00:2',
      l4proto: 'ipv6-icmp',
      protocolNumber: 58,
      tcp: undefined,
      sport: undefined,
      dport: undefined,
      icmp: { type: 135, code: 0 },
    },
    meta: { nfproto: 'ip6', pkttype: 'multicast' },
    fib: { type: 'multicast' },
  },
};

export interface SweepReport {
  files: number;
  parsed: number;
  rules: number;
  evaluations: number;
  outcomes: { match: number; nomatch: number; unsupported: number };
  /** Rules (not evaluations) with at least one unsupported outcome, by normalised reason. */
  reasons: Map<string, number>;
  /** One rule text per reason. */
  examples: Map<string, string>;
  crashes: { file: string; rule: string; error: string }[];
}

function familyPackets(family: Family): string[] {
  const names = Object.keys(PACKETS);
  if (family === 'ip') return names.filter((n) => !n.includes('6'));
  if (family === 'ip6') return names.filter((n) => n.includes('6'));
  return names;
}

function files(): string[] {
  const out: string[] = [];
  for (const s of SOURCES) {
    const dir = join(corpus, s);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (/\.(nft|golden)$/.test(f) || s === 'firewalld-tests' || s === 'nftables-shell-embedded')
        out.push(join(dir, f));
    }
  }
  return out;
}

export function sweep(): SweepReport {
  const r: SweepReport = {
    files: 0,
    parsed: 0,
    rules: 0,
    evaluations: 0,
    outcomes: { match: 0, nomatch: 0, unsupported: 0 },
    reasons: new Map(),
    examples: new Map(),
    crashes: [],
  };
  for (const file of files()) {
    r.files++;
    let rs: Ruleset;
    try {
      rs = parseNft(readFileSync(file, 'utf8'), file);
    } catch {
      continue;
    }
    r.parsed++;
    for (const table of rs.tables) {
      for (const chain of table.chains) {
        for (const rule of chain.rules) {
          r.rules++;
          const reasons = new Set<string>();
          for (const p of familyPackets(table.family)) {
            const o = PACKETS[p]!;
            const env = makeEnv({
              ...o,
              family: table.family,
              table: { ...table },
              sets: table.sets,
            });
            r.evaluations++;
            try {
              const out = evaluateRule(rule, env);
              r.outcomes[out.kind]++;
              if (out.kind === 'unsupported') {
                reasons.add(
                  out.reason
                    .replace(/"[^"]*"/g, '"…"')
                    .replace(/\b(0x)?[0-9a-f]*[0-9][0-9a-f]*\b/g, 'N'),
                );
              }
            } catch (e) {
              r.crashes.push({
                file,
                rule: rule.text,
                error: e instanceof Error ? (e.stack ?? e.message) : String(e),
              });
            }
          }
          for (const reason of reasons) {
            r.reasons.set(reason, (r.reasons.get(reason) ?? 0) + 1);
            if (!r.examples.has(reason)) r.examples.set(reason, rule.text);
          }
        }
      }
    }
  }
  return r;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const r = sweep();
  console.log(
    `files ${r.files}, parsed ${r.parsed}, rules ${r.rules}, evaluations ${r.evaluations}: ` +
      `match ${r.outcomes.match}, nomatch ${r.outcomes.nomatch}, unsupported ${r.outcomes.unsupported}, crashes ${r.crashes.length} ` +
      `(${Math.round(performance.now() - t0)} ms)`,
  );
  console.log('unsupported rules by reason:');
  for (const [reason, n] of [...r.reasons].sort((a, b) => b[1] - a[1]))
    console.log(
      `  ${n}\t${reason}${process.argv.includes('-v') ? `\n\t\t${r.examples.get(reason)}` : ''}`,
    );
  for (const c of r.crashes.slice(0, 15))
    console.log(`CRASH ${c.file}\n  ${c.rule}\n  ${c.error.split('\n').slice(0, 4).join('\n  ')}`);
}
