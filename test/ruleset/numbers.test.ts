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
const NAMES = ['ssh', 'http', 'nosuchservice', 'echo-request', 'nosuchtype', 'ssh-1'];
const NAME_FIELDS = ['tcp dport', 'icmp type'];

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
  /** The rule, in `table inet t { chain c { … } }`. */
  rule: string;
  /** The literal in it, where an error belongs. */
  literal: string;
}

/** `field literal accept`, and the same literal as a verdict map's key where it is one value. */
function cases(fields: readonly string[], literals: readonly string[]): Case[] {
  return fields.flatMap((field) =>
    literals.flatMap((literal) => {
      const plain = [{ rule: `${field} ${literal} accept`, literal }];
      if (literal.startsWith('{') || literal.includes(' ')) return plain;
      return [...plain, { rule: `${field} vmap { ${literal} : accept }`, literal }];
    }),
  );
}

const CASES: Case[] = [
  ...cases(NUMBER_FIELDS, NUMBERS),
  ...cases(NAME_FIELDS, NAMES),
  ...cases(['ip daddr'], IPV4),
  ...cases(['ip6 saddr'], IPV6),
];

const LINE = 3;
const text = (rule: string) => `table inet t {\n\tchain c {\n\t\t${rule}\n\t}\n}\n`;

async function nfwalkCheck(body: string, name: string): Promise<{ code: number; first: string }> {
  const file = join(dir, name);
  writeFileSync(file, body);
  const io = capture();
  const code = await run(['check', file], io);
  return { code, first: io.stderr.split('\n')[0] as string };
}

describe.skipIf(nftSkip !== undefined)(
  'number and value literals: nfwalk check agrees with nft -c',
  () => {
    it('has a table of cases from the lists', () => {
      expect(CASES.length).toBeGreaterThan(500);
    });

    CASES.forEach(({ rule, literal }, i) => {
      it(rule, async () => {
        const body = text(rule);
        const nft = nftCheck(dir, body, `${i}.nft`);
        const ours = await nfwalkCheck(body, `${i}.nft`);
        const said = `nft ${nft.status === 0 ? 'accepts' : `refuses (at ${nft.at})`}; nfwalk: ${ours.first || 'ok'}`;
        expect(ours.code === 0, said).toBe(nft.status === 0);
        if (nft.status === 0) return;
        // Refused by both: nfwalk's error is on the literal.
        const line = `\t\t${rule}`;
        const from = line.indexOf(literal) + 1;
        const to = from + literal.length - 1;
        const at = new RegExp(`:${LINE}:(\\d+): error: `).exec(ours.first);
        expect(at, said).not.toBeNull();
        const col = Number(at?.[1]);
        expect(col >= from && col <= to, `${said}; literal at ${from}-${to}`).toBe(true);
      });
    });
  },
);
