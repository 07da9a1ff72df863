/**
 * nfwalk capture against the kernel: a scenario is built in network namespaces by the kernel
 * harness (as `nfwalk verify --keep` leaves it), capture reads the host's namespace, and the
 * captured scenario, given the original's conversations, must walk exactly like the original
 * (same compared events: every chain entered, rule matched and policy applied).
 *
 * What capture cannot see is added from the original, and only that: the sockets of the
 * machines around the host (they live in other namespaces) and which machine sends each
 * conversation (machines are named after their addresses; the same source address is used).
 * The harness's own trace tables are removed before capture: they are not part of the host.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.ts';
import { run as runCli } from '../../src/cli/main.ts';
import { compareTraces } from '../../src/kernel/compare.ts';
import { type Background, inNetns, run } from '../../src/kernel/exec.ts';
import { kernelTrace } from '../../src/kernel/harness.ts';
import { startServers } from '../../src/kernel/traffic.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { comparedEvents } from '../../src/netfilter/trace.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { parseAddress } from '../../src/scenario/addresses.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import type { Listen, Machine, PacketSpec, Scenario } from '../../src/scenario/model.ts';
import { kernelSkipReason } from '../kernel/kernel-env.ts';

const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'nfw-capture-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const familyOf = (a: string) => {
  const p = parseAddress(a);
  return 'error' in p ? undefined : p.family;
};

function removeNamespaces(namespaces: readonly string[]): void {
  for (const ns of [...namespaces].reverse())
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
}

function namespacesNow(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** The captured scenario with what capture cannot know taken from the original. */
function withOriginalTraffic(original: Scenario, captured: Scenario): Scenario {
  const listensOf = (m: Machine): Listen[] => {
    const out: Listen[] = [];
    for (const o of original.hosts)
      if (o.addresses.some((a) => m.addresses.includes(a)))
        for (const l of o.listens)
          if (!out.some((x) => x.protocol === l.protocol && x.port === l.port)) out.push(l);
    return out;
  };
  const packets = original.packets.map((p): PacketSpec => {
    if (p.from === 'host') return p;
    const sender = original.hosts.find((m) => m.name === p.from)!;
    const saddr = p.saddr ?? sender.addresses.find((a) => familyOf(a) === familyOf(p.to))!;
    const now = captured.hosts.find((m) => m.addresses.includes(saddr));
    if (!now) throw new Error(`no captured machine has ${saddr} (the sender of ${p.from})`);
    return { ...p, from: now.name, saddr };
  });
  return {
    ...captured,
    hosts: captured.hosts.map((m) => ({ ...m, listens: listensOf(m) })),
    packets,
  };
}

const cases = [
  'scenarios/seed-docker-firewalld-radius.yaml',
  'scenarios/gallery-dual-stack-router.yaml',
  'scenarios/gallery-openwrt-fw4.yaml',
  // Policy routing: ip rules (fwmark, not, suppress_prefixlength) and table 51820.
  'scenarios/gallery-wg-quick-router.yaml',
];

describe.skipIf(kernelSkipReason !== undefined)(
  'nfwalk capture on a scenario built in namespaces',
  () => {
    for (const file of cases) {
      it(`reproduces the walk of ${file}`, { timeout: 60_000 }, async () => {
        const original = loadScenario(join(repo, file));
        let kept: string[] = [];
        try {
          await kernelTrace(original, { keep: true, onKept: (ns) => (kept = ns) });
          const hostNs = kept[0]!;
          for (const line of (await run(inNetns(hostNs, ['nft', 'list', 'tables']))).split('\n')) {
            const m = /^table (\S+) nfwalk_trace$/.exec(line.trim());
            if (m) await run(inNetns(hostNs, ['nft', 'delete', 'table', m[1]!, 'nfwalk_trace']));
          }
          const addresses = original.host.interfaces.flatMap((i) =>
            i.addresses.map((c) => c.address),
          );
          const servers: Background[] = [];
          await startServers(
            hostNs,
            original.host.listens.flatMap((listen) =>
              addresses.map((address) => ({ listen, address })),
            ),
            (server) => servers.push(server),
          );
          const out = mkdtempSync(join(dir, 'c-'));
          let result: Awaited<ReturnType<typeof capture>>;
          try {
            result = await capture({ netns: hostNs, outDir: out, name: 'captured' });
          } finally {
            for (const server of servers) await server.stop();
          }
          expect(result.diagnostics).toEqual([]);
          const captured = loadScenario(result.scenarioPath);

          const key = (l: Listen) => `${l.protocol}/${l.port}`;
          expect(captured.host.listens.map(key).sort()).toEqual(
            original.host.listens.map(key).sort(),
          );
          const ifaces = (s: Scenario) =>
            s.host.interfaces
              .filter((i) => i.name !== 'lo')
              .map(
                (i) =>
                  `${i.name} ${i.kind} ${i.addresses.map((c) => `${c.address}/${c.prefix}`).join(',')}`,
              );
          expect(ifaces(captured)).toEqual(ifaces(original));
          expect(captured.host.sysctl).toEqual(original.host.sysctl);

          const replay = withOriginalTraffic(original, captured);
          const before = simulate(original, readRuleset(original));
          const after = simulate(replay, readRuleset(captured));
          const events = before.conversations.flatMap((c) =>
            c.packets.flatMap((p) => comparedEvents(p.events)),
          );
          expect(events.length).toBeGreaterThan(20);
          const cmp = compareTraces(before, after);
          expect(cmp.difference, JSON.stringify(cmp.difference, null, 1)).toBeUndefined();
        } finally {
          removeNamespaces(kept);
        }
        expect(namespacesNow().filter((ns) => kept.includes(ns))).toEqual([]);
      });
    }
  },
);

/** An Io that keeps what the command printed. */
function collect() {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

describe.skipIf(kernelSkipReason !== undefined)('nfwalk capture (command line)', () => {
  it('refuses a namespace that does not exist, writing nothing (exit 1)', async () => {
    const out = mkdtempSync(join(dir, 'cli-'));
    const io = collect();
    expect(await runCli(['capture', '--netns', 'nfwnosuchns', '-o', out, '--name', 'x'], io)).toBe(
      1,
    );
    expect(io.stderr).toContain('cannot enter the network namespace "nfwnosuchns"');
    expect(readdirSync(out)).toEqual([]);
  });

  it('captures a namespace and prints the two files it wrote (exit 0)', async () => {
    const ns = `nfwcap${process.pid}`;
    const out = mkdtempSync(join(dir, 'cli-'));
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      execFileSync('ip', [
        'netns',
        'exec',
        ns,
        'nft',
        'add table inet t; add chain inet t c { type filter hook input priority 0; policy drop; }',
      ]);
      const io = collect();
      expect(await runCli(['capture', '--netns', ns, '-o', out], io)).toBe(0);
      expect(io.stdout).toBe(`${join(out, `${ns}.yaml`)}\n${join(out, `${ns}.nft`)}\n`);
      expect(io.stderr).toContain('the neighbour table is empty');
      const sc = loadScenario(join(out, `${ns}.yaml`));
      expect(sc.host.interfaces.map((i) => i.name)).toEqual(['lo']);
      expect(sc.packets[0]).toMatchObject({ from: 'host', to: '127.0.0.1', protocol: 'icmp' });
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
