/**
 * The value nft gives a number, read back from the kernel: each literal is loaded with `nft -f`
 * into a network namespace of its own and `nft list ruleset` shows what the kernel holds, which
 * must be the value nfwalk reads (src/ruleset/literals.ts integerValue and portValue, as the
 * simulator's datatypes use them). nft's scanner reads a leading 0 as octal (`010` is 8) and
 * leaves digits that are no octal number (`08`) to the datatype: a port reads them as decimal.
 * Skipped without root, ip or nft.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBigInt, integer, parseValue, TYPES } from '../../src/netfilter/expr/datatypes.ts';
import { resolvePriority } from '../../src/ruleset/priority.ts';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['ip', 'nft'].filter((c) => !has(c));
const root = process.getuid?.() === 0;
const skip = !root || missing.length > 0;
if (skip)
  console.warn(`number values: skipped: ${root ? `missing ${missing.join(', ')}` : 'not root'}`);

const ns = `nfwnum${process.pid}`;
const inNs = (cmd: string[], input?: string) =>
  execFileSync('ip', ['netns', 'exec', ns, ...cmd], { input, encoding: 'utf8' });

const PORTS = ['08', '010', '099', '0377', '000022', '0x0ffff', '65535'];
const TTLS = ['010', '0377', '0x0a', '7'];
const PRIORITIES = ['010', '-010', '0x10', 'filter + 010'];

/** The rules' last words before `accept`, in order, after loading `rules` into table ip t. */
function listed(rules: string[]): string[] {
  inNs(['nft', 'flush', 'ruleset']);
  const body = rules.map((r) => `\t\t${r} accept\n`).join('');
  inNs(['nft', '-f', '-'], `table ip t {\n\tchain c {\n${body}\t}\n}\n`);
  return inNs(['nft', 'list', 'ruleset'])
    .split('\n')
    .flatMap((l) => /^\t\t.* (\S+) accept$/.exec(l)?.slice(1) ?? []);
}

describe.skipIf(skip)('the values nft gives numbers, as the kernel holds them', () => {
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('ports: a leading 0 octal, digits that are no octal number decimal', () => {
    const kernel = listed(PORTS.map((p) => `tcp dport ${p}`)).map(Number);
    const ours = PORTS.map((p) => Number(bytesToBigInt(parseValue(TYPES.inet_service, p))));
    expect(ours).toEqual(kernel);
  });

  it('integers: a leading 0 octal, 0x hex', () => {
    const kernel = listed(TTLS.map((t) => `ip ttl ${t}`)).map(Number);
    const ours = TTLS.map((t) => Number(bytesToBigInt(parseValue(integer(8), t))));
    expect(ours).toEqual(kernel);
  });

  it('chain priorities', () => {
    inNs(['nft', 'flush', 'ruleset']);
    const chains = PRIORITIES.map(
      (p, i) => `\tchain c${i} {\n\t\ttype filter hook input priority ${p}; policy accept;\n\t}\n`,
    );
    inNs(['nft', '-f', '-'], `table ip t {\n${chains.join('')}}\n`);
    const kernel = inNs(['nft', 'list', 'ruleset'])
      .split('\n')
      .flatMap((l) => /priority ([^;]+);/.exec(l)?.slice(1) ?? [])
      .map((p) => resolvePriority(p, 'ip'));
    expect(PRIORITIES.map((p) => resolvePriority(p, 'ip'))).toEqual(kernel);
  });
});
