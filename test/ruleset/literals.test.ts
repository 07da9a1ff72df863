/**
 * `nfwalk check` refuses the addresses, ports, prefix lengths and numbers nft refuses, at the
 * value's position, and accepts the ones nft accepts; each case is also given to `nft -c -f` on
 * this machine (skipped without nft or root), so the two are seen to agree — on the position of
 * the error too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { integerFields } from '../../src/ruleset/literal-check.ts';
import { literalProblem, prefixProblem } from '../../src/ruleset/literals.ts';
import { capture } from '../support/io.ts';
import { nftCheck as nftCheckIn } from '../support/nft-check.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-literals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ruleset whose third line is `rule` (a nat chain: every case below is allowed there). */
function ruleset(rule: string): string {
  return [
    'table inet t {',
    '\tset s4 { type ipv4_addr; }',
    '\tchain c {\n\t\ttype nat hook prerouting priority dstnat; policy accept;',
    `\t\t${rule}`,
    '\t}',
    '}',
    '',
  ].join('\n');
}
const RULE_LINE = 5;

const REFUSED: { rule: string; bad: string; message: RegExp }[] = [
  { rule: 'ip daddr 172.20.0.400 accept', bad: '172.20.0.400', message: /400 is more than 255/ },
  { rule: 'ip daddr 1.2.3 accept', bad: '1.2.3', message: /not an IPv4 address/ },
  { rule: 'ip saddr 10.0.0.0/33 accept', bad: '10.0.0.0/33', message: /prefix length 33/ },
  { rule: 'ip6 daddr 2001:db8::/129 accept', bad: '2001:db8::/129', message: /at most 128/ },
  { rule: 'ip6 daddr 1:2:3:4:5:6:7 accept', bad: '1:2:3:4:5:6:7', message: /7 groups/ },
  { rule: 'ip6 daddr ::ffff:1.2.3.400 accept', bad: '::ffff:1.2.3.400', message: /IPv6/ },
  { rule: 'tcp dport 65536 accept', bad: '65536', message: /port 65536 is out of range/ },
  { rule: 'udp sport 1-0x10000 accept', bad: '0x10000', message: /out of range/ },
  { rule: 'ip daddr { 10.0.0.1, 10.0.0.256 } accept', bad: '10.0.0.256', message: /256/ },
  {
    rule: 'ip daddr . tcp dport { 10.0.0.1 . 70000 } accept',
    bad: '70000',
    message: /port 70000/,
  },
  { rule: 'ct original ip daddr 1.2.3.256 accept', bad: '1.2.3.256', message: /256/ },
  { rule: 'meta l4proto tcp dnat ip to 10.0.0.1:65536', bad: '65536', message: /port 65536/ },
  {
    rule: 'dnat ip to ip daddr map { 10.0.0.1 : 10.0.0.300 }',
    bad: '10.0.0.300',
    message: /300 is more than 255/,
  },
  { rule: 'ip6 daddr 2001:db8::1::2 accept', bad: '::2', message: /cannot start a match/ },
  // Numbers wider than their field (nft: "Value 300 exceeds valid range 0-255").
  { rule: 'ip ttl 300 accept', bad: '300', message: /value 300 exceeds valid range 0-255$/ },
  {
    rule: 'meta mark 0x1ffffffff accept',
    bad: '0x1ffffffff',
    message: /value 0x1ffffffff \(8589934591\) exceeds valid range 0-4294967295$/,
  },
  { rule: 'tcp dport 70000 accept', bad: '70000', message: /port 70000 is out of range/ },
  { rule: 'ip ttl 1-300 accept', bad: '300', message: /range 0-255/ },
  { rule: 'ip dscp { 1, 64 } accept', bad: '64', message: /value 64 exceeds valid range 0-63/ },
  { rule: 'ip ttl != 0x100 accept', bad: '0x100', message: /0x100 \(256\)/ },
  { rule: 'meta mark set 0x100000000', bad: '0x100000000', message: /range 0-4294967295/ },
  { rule: 'ct mark set 4294967296', bad: '4294967296', message: /range 0-4294967295/ },
  { rule: 'ct zone 65536 accept', bad: '65536', message: /range 0-65535/ },
  { rule: 'ip6 flowlabel 1048576 accept', bad: '1048576', message: /range 0-1048575/ },
  { rule: 'vlan id 4096 accept', bad: '4096', message: /range 0-4095/ },
  { rule: 'tcp flags 256 accept', bad: '256', message: /range 0-255/ },
  { rule: 'icmp type 256 accept', bad: '256', message: /range 0-255/ },
  {
    rule: 'ct bytes 18446744073709551616 accept',
    bad: '18446744073709551616',
    message: /range 0-18446744073709551615$/,
  },
  {
    rule: 'meta mark set ip saddr map { 10.0.0.1 : 0x1ffffffff }',
    bad: '0x1ffffffff',
    message: /range 0-4294967295/,
  },
  // Numbers as gmp reads them (base 0): a leading 0 is octal, so `08` is no number.
  {
    rule: 'ip ttl 0400 accept',
    bad: '0400',
    message: /value 0400 \(256\) exceeds valid range 0-255$/,
  },
  { rule: 'ip ttl 08 accept', bad: '08', message: /Could not parse integer$/ },
  { rule: 'ct zone 0999 accept', bad: '0999', message: /Could not parse integer$/ },
  // A word where nft's plain integer is (no names for values).
  { rule: 'ip ttl foo accept', bad: 'foo', message: /Could not parse integer$/ },
  { rule: 'ct packets { 1, many } accept', bad: 'many', message: /Could not parse integer$/ },
  { rule: 'meta length set 1 ip id set one', bad: 'one', message: /Could not parse integer$/ },
  // No negative numbers in a rule (nft's grammar has one only as a define's value).
  { rule: 'ip ttl -1 accept', bad: '-', message: /syntax error, unexpected '-'$/ },
  { rule: 'tcp dport { 22, -1 } accept', bad: '-', message: /syntax error, unexpected '-'$/ },
  // Digits alone that are no number, where a word would be a symbol.
  { rule: 'ip dscp 09 accept', bad: '09', message: /'09' is no number \(a leading 0 is octal\)$/ },
  { rule: 'ip ttl 1x accept', bad: '1x', message: /'1x' is no value: nft reads 1, then x$/ },
];

const ACCEPTED = [
  'ip daddr 10.0.0.0/8 accept',
  'ip daddr 01.2.3.4 accept',
  'ip daddr 10.0.0.1-10.0.0.9 accept',
  'ip6 daddr ::ffff:192.0.2.1 accept',
  'ip6 daddr 1:2:3:4:5:6:7:8 accept',
  'ip6 daddr fe80::/64 accept',
  'tcp dport { 0, 65535, ssh } accept',
  'ip daddr . tcp dport { 10.0.0.1 . 8080 } accept',
  'meta l4proto tcp dnat ip to 10.0.0.1:8080',
  // The largest numbers that fit, and symbols where numbers are checked.
  'ip ttl 255 meta mark 0xffffffff ct zone 65535 accept',
  'ip6 flowlabel 1048575 ip6 hoplimit 255 accept',
  'vlan id 4095 accept',
  'ip dscp 63 ip id 65535 accept',
  'ct bytes 18446744073709551615 accept',
  'ip dscp cs1 tcp flags syn ip protocol tcp accept',
  'meta mark set 0xffffffff',
  // Octal, as nft reads it: 0377 is 255; a port of digits that are no octal number is decimal.
  'ip ttl 0377 ip id 0 accept',
  'tcp dport { 010, 08, 0177777 } accept',
];

async function check(text: string, name: string): Promise<{ code: number; stderr: string }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const io = capture();
  const code = await run(['check', file], io);
  return { code, stderr: io.stderr };
}

const nftSkip = (() => {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'nft is not installed';
})();
if (nftSkip) console.warn(`nft -c comparisons skipped: ${nftSkip}`);

function nftAccepts(text: string, name: string): boolean {
  return nftCheck(text, name).status === 0;
}

/** `nft -c -f` on the text, in this test's folder. */
function nftCheck(text: string, name: string): { status: number | null; at?: string } {
  return nftCheckIn(dir, text, name);
}

describe('values nft refuses', () => {
  REFUSED.forEach(({ rule, bad, message }, i) => {
    const text = ruleset(rule);
    it(`refuses ${rule}`, async () => {
      const { code, stderr } = await check(text, `bad${i}.nft`);
      expect(code).toBe(1);
      const line = text.split('\n')[RULE_LINE - 1] as string;
      const col = line.lastIndexOf(bad) + 1;
      const first = stderr.split('\n')[0] as string;
      expect(first).toMatch(new RegExp(`:${RULE_LINE}:${col}: error: `));
      expect(first).toMatch(message);
    });
    it.skipIf(nftSkip !== undefined)(`nft -c refuses it too, there: ${rule}`, () => {
      const line = text.split('\n')[RULE_LINE - 1] as string;
      const nft = nftCheck(text, `bad${i}.nft`);
      expect(nft.status).not.toBe(0);
      // A number nft places where nfwalk does, on the value; a text it reads as a host name
      // (`1.2.3`) it reports where resolving it failed.
      if (/^(0x)?[0-9a-f]+$/i.test(bad))
        expect(nft.at).toBe(`${RULE_LINE}:${line.lastIndexOf(bad) + 1}`);
    });
  });
});

describe('values nft accepts', () => {
  ACCEPTED.forEach((rule, i) => {
    const text = ruleset(rule);
    it(`accepts ${rule}`, async () => {
      const { code, stderr } = await check(text, `good${i}.nft`);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
    it.skipIf(nftSkip !== undefined)(`nft -c accepts it too: ${rule}`, () => {
      expect(nftAccepts(text, `good${i}.nft`)).toBe(true);
    });
  });
});

describe("a word where a number is: nft's plain integer refuses it, a type with names reads a symbol", () => {
  /** The family whose tables can hold the field. */
  const familyOf = (name: string) =>
    /^(ether|vlan) /.test(name) ? 'bridge' : name.startsWith('arp ') ? 'arp' : 'inet';
  const text = (name: string) =>
    `table ${familyOf(name)} t {\n\tchain c {\n\t\t${name} foo\n\t}\n}\n`;
  const fields = integerFields();

  it('knows both kinds among the fields it checks', () => {
    expect(fields.filter((f) => f.plain).length).toBeGreaterThan(30);
    expect(fields.filter((f) => !f.plain).length).toBeGreaterThan(25);
  });

  it.each(fields)('$name foo (plain integer: $plain)', async ({ name, plain }) => {
    const { code, stderr } = await check(text(name), `word-${name.replace(' ', '-')}.nft`);
    if (plain) {
      expect(code).toBe(1);
      expect(stderr.split('\n')[0]).toMatch(/:3:\d+: error: Could not parse integer$/);
    } else {
      expect(stderr).toBe('');
      expect(code).toBe(0);
    }
  });

  it.skipIf(nftSkip !== undefined)('nft -c says "Could not parse integer" exactly there', () => {
    const file = join(dir, 'nft-word.nft');
    const wrong = fields.filter(({ name, plain }) => {
      writeFileSync(file, text(name));
      const r = spawnSync('nft', ['-c', '-f', file], { encoding: 'utf8' });
      // A symbolic type names itself ("Could not parse ICMP type", "User does not exist").
      return r.status === 0 || /Error: Could not parse integer$/m.test(r.stderr) !== plain;
    });
    expect(wrong).toEqual([]);
  });
});

describe('named sets and nft -j JSON', () => {
  it('refuses a set element that is no address of the set type', async () => {
    const text =
      'table ip t {\n\tset s { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.999 } }\n}\n';
    const { code, stderr } = await check(text, 'set.nft');
    expect(code).toBe(1);
    const col = (text.split('\n')[1] as string).indexOf('10.0.0.999') + 1;
    expect(stderr).toContain(`:2:${col}: error: '10.0.0.999' is not an IPv4 address`);
  });

  it('refuses the same values in JSON, at their place in the JSON text', async () => {
    const match = (right: unknown) => ({
      match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right },
    });
    const json = JSON.stringify({
      nftables: [
        { table: { family: 'inet', name: 't' } },
        { chain: { family: 'inet', table: 't', name: 'c' } },
        { rule: { family: 'inet', table: 't', chain: 'c', expr: [match(70000)] } },
      ],
    });
    const { code, stderr } = await check(json, 'bad.json');
    expect(code).toBe(1);
    expect(stderr).toContain(`:1:${json.indexOf('70000') + 1}: error: port 70000 is out of range`);
  });
});

describe('the literal rules', () => {
  it('reads every dotted quad of 0-255 as an address, and none with a part above', () => {
    for (const part of [0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255]) {
      expect(literalProblem('ipv4_addr', `${part}.${255 - part}.0.${part}`)).toBeUndefined();
    }
    for (const part of [256, 300, 999, 1000]) {
      expect(literalProblem('ipv4_addr', `10.${part}.0.1`)).toMatch(`${part} is more than 255`);
    }
  });

  it('leaves host and service names to nft (it resolves them; nfwalk does not)', () => {
    expect(literalProblem('ipv4_addr', 'localhost')).toBeUndefined();
    expect(literalProblem('ipv6_addr', 'ip6-localhost')).toBeUndefined();
    expect(literalProblem('inet_service', 'https')).toBeUndefined();
  });

  it('allows prefixes up to the address width', () => {
    expect(prefixProblem('ipv4_addr', 32)).toBeUndefined();
    expect(prefixProblem('ipv4_addr', 33)).toMatch(/at most 32/);
    expect(prefixProblem('ipv6_addr', 128)).toBeUndefined();
    expect(prefixProblem('ipv6_addr', 129)).toMatch(/at most 128/);
  });
});
