/**
 * Number and value literals, nfwalk check against `nft -c -f` on this machine: every literal of
 * a few lists (numbers, ranges, prefixes, sets, names, addresses) is written after every field
 * of its sort, and nfwalk check must accept exactly what nft accepts. Where both refuse, nfwalk's
 * first error must be on the literal (nft puts a syntax error on the token after it: `1e3` is
 * its scanner's 1 and then `e3`). Nothing is expected by hand: nft on this machine is the
 * expectation, so the whole table is skipped (with the reason) without nft or root.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { capture } from '../support/io.ts';
import { nftCheck } from '../support/nft-check.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-numbers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nftSkip = (() => {
  if (process.getuid?.() !== 0) return 'not root (nft -c needs CAP_NET_ADMIN)';
  const r = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'nft is not installed';
})();
if (nftSkip) console.warn(`numbers.test.ts: every case skipped: ${nftSkip}`);

/** The fields a number is written after: ports, plain integers and integers with names. */
const NUMBER_FIELDS = [
  'tcp dport',
  'udp sport',
  'meta mark',
  'ct mark',
  'ip ttl',
  'ip6 hoplimit',
  'ip length',
  'meta length',
  'ct zone',
  'ip dscp',
  'icmp type',
];

/**
 * Numbers as written: bases, leading zeros, empty hex, exponents, signs, words glued to digits,
 * widths' edges, ranges (equal, reversed, open, spaced), prefixes, sets.
 */
const NUMBERS = [
  '0',
  '22',
  '255',
  '256',
  '65535',
  '65536',
  '4294967295',
  '4294967296',
  '18446744073709551616',
  '0x',
  '0x0',
  '0xff',
  '0XFF',
  '0x100',
  '0x10000',
  '0x0000ffff',
  '0xg',
  '0x1g',
  '00',
  '08',
  '010',
  '0377',
  '0400',
  '099',
  '1e3',
  '1E3',
  '0b1',
  '1.5',
  '1.',
  '1x',
  '1_0',
  '1s',
  '+5',
  '-1',
  '22-',
  '-22',
  '1-2',
  '2-1',
  '5-5',
  '1 - 2',
  '1 -2',
  '0x1-0x2',
  '2-0x',
  '1-1e3',
  '22/8',
  '22/33',
  '{ 1, 2 }',
  '{ 1, 0x }',
  '{ 3-1 }',
  '{ 08, 010 }',
  '{ 1e3 }',
  '{ 22- }',
  '{ 65536 }',
];

/** Service and ICMP type names, each after both. */
const NAMES = [
  'ssh',
  'http',
  'nosuchservice',
  'echo-request',
  'nosuchtype',
  'ssh-1',
  'packet-too-big',
  'nd-neighbor-solicit',
];
const NAME_FIELDS = ['tcp dport', 'icmp type', 'icmpv6 type', 'meta mark', 'ct mark'];

const IPV4 = [
  '1.2.3.4',
  '172.20.0.400',
  '1.2.3',
  '1.2.3.4.5',
  '01.2.3.4',
  '08.1.1.1',
  '0x01020304',
  '1.2.3.4/32',
  '1.2.3.4/33',
  '10.0.0.0/8',
  '10.0.0.0/08',
  '1.2.3.4-1.2.3.4',
  '1.2.3.5-1.2.3.4',
  '{ 1.2.3.4, 1.2.3.256 }',
];

const IPV6 = [
  '::1',
  '::ffff:1.2.3.4',
  '::ffff:1.2.3.400',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7',
  '12345::1',
  '1::2::3',
  'fe80::1%eth0',
  '[::1]',
  '::/128',
  '::/129',
  '2001:db8::-2001:db8::1',
  '2001:db8::1-2001:db8::',
];

interface Case {
  /** What the case is: its test's title. */
  title: string;
  /** The ruleset. */
  text: string;
  /** The line of the literal (1-based). */
  line: number;
  /** The literal, where an error belongs. */
  literal: string;
}

/** `rule` in `table inet t { chain c { … } }`, on line 3. */
function inRule(rule: string, literal: string): Case {
  const text = `table inet t {\n\tchain c {\n\t\t${rule}\n\t}\n}\n`;
  return { title: rule, text, line: 3, literal };
}

/** `field literal accept`, and the same literal as a verdict map's key where it is one value. */
function cases(fields: readonly string[], literals: readonly string[]): Case[] {
  return fields.flatMap((field) =>
    literals.flatMap((literal) => {
      const plain = [inRule(`${field} ${literal} accept`, literal)];
      if (literal.startsWith('{') || literal.includes(' ')) return plain;
      return [...plain, inRule(`${field} vmap { ${literal} : accept }`, literal)];
    }),
  );
}

/**
 * A named set's element, with and without `flags interval` (nft wants it for a range or a
 * prefix), of the types of the fields above.
 */
const SET_TYPES = ['inet_service', 'mark', 'icmp_type', 'ipv4_addr'];
const SET_ELEMENTS = [
  '22',
  '65536',
  '4294967296',
  '0x',
  '1e3',
  '08',
  '010',
  '2-1',
  '1-2',
  '22-',
  '22/8',
  '22/33',
  'ssh',
  'nosuchservice',
  'echo-request',
  '10.0.0.0/8',
  '10.0.0.1-10.0.0.2',
  '1.2.3.400',
];

function setCase(type: string, literal: string, interval: boolean): Case {
  const flags = interval ? '\t\tflags interval\n' : '';
  return {
    title: `set of ${type}${interval ? ', flags interval' : ''}: elements = { ${literal} }`,
    text: `table inet t {\n\tset s {\n\t\ttype ${type}\n${flags}\t\telements = { ${literal} }\n\t}\n}\n`,
    line: interval ? 5 : 4,
    literal,
  };
}

/** Chain priorities: numbers, and offsets from a name. */
const PRIORITIES = [
  '010',
  '08',
  '0x10',
  '-010',
  '-08',
  '-0x10',
  '1e3',
  'filter + 010',
  'filter + 08',
  'filter + 0x10',
  'filter - 0x',
];

function priorityCase(priority: string): Case {
  const hook = `type filter hook input priority ${priority}; policy accept;`;
  return {
    title: `chain priority ${priority}`,
    text: `table inet t {\n\tchain c {\n\t\t${hook}\n\t}\n}\n`,
    line: 3,
    literal: priority,
  };
}

const CASES: Case[] = [
  ...PRIORITIES.map(priorityCase),
  ...cases(NUMBER_FIELDS, NUMBERS),
  ...cases(NAME_FIELDS, NAMES),
  ...cases(['ip daddr'], IPV4),
  ...cases(['ip6 saddr'], IPV6),
  ...SET_TYPES.flatMap((type) =>
    SET_ELEMENTS.filter((literal) => type !== 'ipv4_addr' || !/^[a-z]/.test(literal)).flatMap(
      // A word where an address is, nft resolves as a host name through DNS (nfwalk does not:
      // the simulator reports it as undecidable), so it is no case here.
      (literal) => [false, true].map((i) => setCase(type, literal, i)),
    ),
  ),
];

async function nfwalkCheck(body: string, name: string): Promise<{ code: number; first: string }> {
  const file = join(dir, name);
  writeFileSync(file, body);
  const io = capture();
  const code = await run(['check', file], io);
  return { code, first: io.stderr.split('\n')[0] as string };
}

describe.skipIf(nftSkip !== undefined)('literals: nfwalk check agrees with nft -c', () => {
  it('has a table of cases from the lists', () => {
    expect(CASES.length).toBeGreaterThan(1000);
  });

  CASES.forEach(({ title, text, line, literal }, i) => {
    it(title, async () => {
      const nft = nftCheck(dir, text, `${i}.nft`);
      const ours = await nfwalkCheck(text, `${i}.nft`);
      const nftSaid = nft.status === 0 ? 'accepts' : `refuses (at ${nft.at})`;
      const said = `nft ${nftSaid}; nfwalk: ${ours.first || 'ok'}`;
      expect(ours.code === 0, said).toBe(nft.status === 0);
      if (nft.status === 0) return;
      // Refused by both: nfwalk's error is on the literal.
      const row = text.split('\n')[line - 1] as string;
      const from = row.indexOf(literal) + 1;
      const to = from + literal.length - 1;
      const at = new RegExp(`:${line}:(\\d+): error: `).exec(ours.first);
      expect(at, said).not.toBeNull();
      const col = Number(at?.[1]);
      expect(col >= from && col <= to, `${said}; literal at ${line}:${from}-${to}`).toBe(true);
    });
  });
});
