/**
 * The reader's own syntax: under an iptables-save listing the page quotes a rule's matches and
 * targets as iptables words (`-m conntrack --ctstate RELATED,ESTABLISHED`), cut out of the
 * rule's line, never the nft expressions the simulator runs (`ct state related,established`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { explainToText } from '../../src/explain/index.ts';
import { whyNot } from '../../src/explain/matches.ts';
import { plain } from '../../src/explain/phrase.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import type { PacketView } from '../../src/netfilter/trace.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { parseRuleset } from '../../src/ruleset/load.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { fixtureScenario, repoRoot } from './helpers.ts';

/** A code span that only nft syntax writes: a match or statement expression. */
const NFT_EXPRESSION =
  /^(ip6? (saddr|daddr|protocol|nexthdr|length|dscp)\b|(tcp|udp|sctp|th|udplite|dccp) (dport|sport|flags)\b|icmp(v6)? (type|code)\b|meta \w|ct (state|status|mark|direction|original|reply|zone|helper)\b|fib (saddr|daddr)\b|i(if|of)name\b|o(if|of)name\b|ether (saddr|daddr|type)\b|reject with\b|(dnat|snat) (ip6? )?to\b|(jump|goto) \S|limit rate\b|log prefix\b|@\w)/;

/** nft's keyword for a verdict, a policy or a statement, where iptables writes a target. */
const NFT_KEYWORD = /^(accept|drop|dnat|snat|masquerade|redirect|counter|log)$/;

/** An iptables quote: an option, maybe negated (`-p tcp`, `! -i docker0`, `-m tcp --dport 22`). */
const IPTABLES_WORDS = /^(! )?--?[a-zA-Z]/;

interface Fault {
  quote: string;
  why: string;
}

/**
 * Every code span of the prose (listings and diagrams left out): none may be nft expression
 * syntax, and each iptables quote must be a piece of the listing the section last showed (of
 * the ruleset's own text, `source`, above the first listing: the scenario's summary) — or a
 * whole rule of the ruleset, as a conversation repeating an earlier one's path quotes the rules
 * that matched differently, or a piece of a listing shown earlier on the page (such a
 * conversation points to the earlier one's listings).
 */
function syntaxFaults(page: string, source = ''): Fault[] {
  const faults: Fault[] = [];
  let listing = source;
  const rules = new Set(source.split('\n').map((l) => l.trim()));
  // A conversation repeating an earlier one's path points to that one's listings: its quotes
  // are in a listing shown earlier on the page.
  let shown = '';
  for (const part of page.split(/(```[a-z]*\n[\s\S]*?\n```)/)) {
    const block = /^```([a-z]*)\n([\s\S]*?)\n```$/.exec(part);
    if (block) {
      if (block[1] === 'iptables') {
        listing = block[2] ?? '';
        shown += `${listing}\n`;
      }
      continue;
    }
    for (const m of part.matchAll(/`([^`\n]+)`/g)) {
      const quote = m[1]!;
      if (NFT_EXPRESSION.test(quote) || NFT_KEYWORD.test(quote))
        faults.push({ quote, why: 'nft syntax' });
      else if (
        IPTABLES_WORDS.test(quote) &&
        !listing.includes(quote) &&
        !rules.has(quote) &&
        !shown.includes(quote)
      )
        faults.push({ quote, why: 'not in the listing above' });
    }
  }
  return faults;
}

const scenarioDir = join(repoRoot, 'scenarios');
const files = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

describe('quotes under an iptables listing', () => {
  it('finds nft syntax, and an iptables quote the listing does not hold', () => {
    const page = [
      '```iptables',
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '```',
      '',
      '- (2) `ct state related,established` fails; `-m conntrack --ctstate NEW` fails;',
      '  `-m conntrack --ctstate RELATED,ESTABLISHED` fails; `iifname "lo"` fails; `INPUT`.',
      '- (3) Its policy is `drop`; `DROP`; `dnat` rewrites; `DNAT` rewrites.',
    ].join('\n');
    expect(syntaxFaults(page)).toEqual([
      { quote: 'ct state related,established', why: 'nft syntax' },
      { quote: '-m conntrack --ctstate NEW', why: 'not in the listing above' },
      { quote: 'iifname "lo"', why: 'nft syntax' },
      { quote: 'drop', why: 'nft syntax' },
      { quote: 'dnat', why: 'nft syntax' },
    ]);
  });

  let checked = 0;
  for (const file of files) {
    const sc = loadScenario(join(scenarioDir, file));
    const rs = readRuleset(sc);
    if (rs.format !== 'iptables-save') continue;
    const trace = simulate(sc, rs);
    for (const lang of ['en', 'ja'] as const) {
      checked++;
      it(`${file} (${lang}): iptables words only, each from the listing`, () => {
        const page = explainToText(sc, rs, trace, { lang, format: 'md' }).markdown;
        expect(page).toContain('```iptables');
        expect(syntaxFaults(page, rs.files[0]!.text)).toEqual([]);
      });
    }
  }
  it('covers the iptables scenarios', () => {
    expect(checked).toBeGreaterThanOrEqual(2 * 6);
  });
});

describe('an iptables rule keeps its words', () => {
  const rs = parseRuleset(
    `*filter
:FORWARD DROP [0:0]
:DOCKER - [0:0]
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p tcp -m tcp -s 10.0.0.0/8 --dport 22 ! -i docker0 -j REJECT --reject-with tcp-reset
COMMIT
`,
    'iptables-save',
    'inline.rules',
  );
  const [ct, ssh] = rs.tables[0]!.chains.find((c) => c.name === 'FORWARD')!.rules;

  it('quotes each match as written, with the -m that loads it when it follows', () => {
    expect(ct!.statements.map((s) => s.text)).toEqual([
      '-o docker0',
      '-m conntrack --ctstate RELATED,ESTABLISHED',
      undefined, // the counter iptables-nft adds: not in the line
      '-j ACCEPT',
    ]);
    // Generic matches come first, in iptables-nft's order; --dport is apart from its -m tcp.
    expect(ssh!.statements.map((s) => s.text)).toEqual([
      '! -i docker0',
      '-p tcp',
      '-s 10.0.0.0/8',
      '--dport 22',
      undefined,
      '-j REJECT --reject-with tcp-reset',
    ]);
  });

  it('the explanation names the failing match in the rule’s words', () => {
    const packet: PacketView = {
      iif: 'eth0',
      oif: 'docker0',
      saddr: '192.0.2.7',
      daddr: '172.17.0.2',
      protocol: 'tcp',
      sport: 40000,
      dport: 80,
    };
    const ctx = { scenario: fixtureScenario(), packet, ct: { state: 'new', status: [] } };
    const why = whyNot(ct!, ctx, en)!;
    expect(why.stmt).toBe('-m conntrack --ctstate RELATED,ESTABLISHED');
    expect(plain(why.fact)).toBe('the conntrack state is new (the first packet of a connection)');
  });
});
