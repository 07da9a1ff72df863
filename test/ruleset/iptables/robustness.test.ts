/**
 * Bad input never crashes: random edits of real rule lines either load or are refused with
 * positioned diagnostics (RulesetError), never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { parseIptablesSave } from '../../../src/ruleset/iptables/index.ts';

const LINES = [
  '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A FORWARD ! -i docker0 -o docker0 -p tcp -m multiport --dports 80,443:445 -j DOCKER',
  '-A INPUT -s 10.0.0.0/255.0.0.0 -p udp -m udp --sport 53 --dport 1024:65535 -j ACCEPT',
  '-A INPUT -p icmp -m icmp --icmp-type 3/4 -m limit --limit 3/min --limit-burst 7 -j LOG --log-prefix "x y"',
  '-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -m mark --mark 0x1/0xff -j REJECT --reject-with tcp-reset',
  '-A INPUT -m set --match-set blocked src,dst -m comment --comment "a b" -j DROP',
  '-A INPUT -p tcp --tcp-flags SYN,RST SYN -m tcp --dport ! 22 -m recent --name x --set -j CONNMARK --set-xmark 0x1/0x1',
  '-I INPUT 1 -m physdev --physdev-in eth0 -m iprange --src-range 1.1.1.1-1.1.1.9 -j MARK --or-mark 4',
  '-A INPUT -m statistic --mode random --probability 0.5 -m owner --uid-owner 0 -j NFLOG --nflog-group 2',
  '-A INPUT -p tcp -j TCPMSS --clamp-mss-to-pmtu',
];

const TOKENS = [
  '!',
  '-p',
  '-m',
  '-j',
  '-s',
  '-d',
  '-i',
  '-o',
  '--dport',
  '--ctstate',
  ':',
  '"',
  "'",
  '/',
  ',',
  '-',
  'ACCEPT',
  'DNAT',
  'tcp',
  'x',
  '0',
  '65536',
  '999.1.1.1',
  '::1',
  '\\',
  '--to-destination',
  '[::1]:80',
  '--mark',
  '0xffffffffff',
];

function file(line: string, table: string): string {
  return `*${table}\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:DOCKER - [0:0]\n${line}\nCOMMIT\n`;
}

describe('random edits of rule lines', () => {
  it('load or give positioned errors, nothing else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LINES),
        fc.array(
          fc.record({
            op: fc.constantFrom('delete', 'insert', 'replace', 'swap'),
            at: fc.nat(),
            token: fc.constantFrom(...TOKENS),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.constantFrom('filter', 'nat', 'mangle', 'raw'),
        fc.constantFrom<'ip' | 'ip6'>('ip', 'ip6'),
        (line, edits, table, family) => {
          const words = line.split(' ');
          for (const e of edits) {
            const i = e.at % (words.length + 1);
            if (e.op === 'delete') words.splice(i, 1);
            else if (e.op === 'insert') words.splice(i, 0, e.token);
            else if (e.op === 'replace') words[i] = e.token;
            else if (i + 1 < words.length) [words[i], words[i + 1]] = [words[i + 1]!, words[i]!];
          }
          try {
            parseIptablesSave(file(words.join(' '), table), 'fuzz.rules', {
              family,
              ipsets: { blocked: ['1.2.3.4,5.6.7.8'] },
            });
          } catch (e) {
            if (!(e instanceof RulesetError)) throw e;
            for (const d of e.diagnostics) {
              expect(d.line).toBeGreaterThan(0);
              expect(d.col).toBeGreaterThan(0);
              expect(d.message.length).toBeGreaterThan(0);
            }
          }
        },
      ),
      { numRuns: 3000, seed: 20261126 },
    );
  });
});
