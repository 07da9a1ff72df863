/**
 * The parser reads `<protocol> <field> <word>` straight from the tokens (parsePlainMatch,
 * src/ruleset/nft/statements.ts) instead of through the expression parser. It must make the
 * very same model: the same nodes (classes included), spans and texts, and the same errors.
 * Every ruleset we have is parsed both ways here and compared whole: the corpus (skipped, saying
 * why, without it), the inputs nft rejects, the repo's rulesets, and lines written to sit at the
 * edge of the shape (an operator, a mask, a range, a list or a glued sign after the word).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kubeProxyRuleset } from '../../../bench/kube-proxy-gen.ts';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { corpusGroups } from '../../../src/ruleset/nft/conformance.ts';
import { ExpressionParser } from '../../../src/ruleset/nft/expressions.ts';
import { type ParseNftOptions, parseNft } from '../../../src/ruleset/nft/index.ts';
import { usePlainMatches } from '../../../src/ruleset/nft/statements.ts';
import {
  besideFile,
  bogonFiles,
  CORPUS,
  differencesOver,
  HAVE_CORPUS,
  NO_CORPUS_REASON,
  repoRulesets,
} from './corpus.ts';

/**
 * The model as data: every object's class, its own fields, and its span and text (accessors of
 * the parser's node classes, which JSON would leave out).
 */
function plain(v: unknown, seen = new Set<unknown>()): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => plain(x, seen));
  if (v instanceof Map) return [...v].map(([k, x]) => [k, plain(x, seen)]);
  if (seen.has(v)) return '(seen)';
  seen.add(v);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = { class: o.constructor?.name };
  for (const k of Object.keys(o)) out[k] = plain(o[k], seen);
  for (const k of ['span', 'text']) if (k in o && !(k in out)) out[k] = plain(o[k], seen);
  seen.delete(v);
  return out;
}

function parsed(text: string, file: string, opts: ParseNftOptions, fast: boolean): string {
  usePlainMatches(fast);
  try {
    return JSON.stringify(plain(parseNft(text, file, opts)));
  } catch (e) {
    if (!(e instanceof RulesetError)) throw e;
    return JSON.stringify(e.diagnostics);
  } finally {
    usePlainMatches(true);
  }
}

/** The first difference between both ways, or undefined. */
function differs(text: string, file: string, opts: ParseNftOptions = {}): string | undefined {
  const a = parsed(text, file, opts, false);
  const b = parsed(text, file, opts, true);
  if (a === b) return undefined;
  let i = 0;
  while (a[i] === b[i]) i++;
  return `${file}: general ${a.slice(i - 80, i + 80)}\n  plain ${b.slice(i - 80, i + 80)}`;
}

afterEach(() => usePlainMatches(true));

/** The general path's methods, protected in TypeScript, to count their calls. */
const parserMethods = ExpressionParser.prototype as unknown as Record<
  'parseConcat' | 'parseRhs',
  (...args: unknown[]) => unknown
>;

if (!HAVE_CORPUS) console.warn(`skipping the corpus in plain-match.test.ts: ${NO_CORPUS_REASON}`);

describe.skipIf(!HAVE_CORPUS)('plain matches read straight from the tokens: the corpus', () => {
  const groups = HAVE_CORPUS ? corpusGroups(CORPUS) : [];
  for (const g of groups) {
    it(`${g.name}: the same model or errors for every file`, () => {
      expect(differencesOver(g.files, differs, () => g.opts ?? {})).toEqual([]);
      expect(g.files.length).toBeGreaterThan(0);
    });
  }

  it('the inputs nft rejects: the same errors', () => {
    const files = bogonFiles();
    expect(differencesOver(files, differs, besideFile, 'latin1')).toEqual([]);
  });
});

describe('plain matches read straight from the tokens', () => {
  it("the repo's rulesets and a kube-proxy-sized listing: the same model", () => {
    const files = repoRulesets();
    expect(files.length).toBeGreaterThan(20);
    expect(differencesOver(files, differs, besideFile)).toEqual([]);
    expect(differs(kubeProxyRuleset(200), 'kp.nft')).toBeUndefined();
  });

  // Each line: a plain match, or one that only looks like one up to its third word.
  const EDGES = [
    'ip daddr 10.0.0.1 accept',
    'ip daddr 10.0.0.1',
    'ip daddr 10.0.0.1; accept',
    'ip protocol tcp counter',
    'ip protocol tcp tcp dport 22 accept',
    'ip daddr 10.0.0.1/24 accept',
    'ip daddr 10.0.0.1 / 24 accept',
    'ip daddr 10.0.0.1-10.0.0.5 accept',
    'ip daddr 10.0.0.1 - 10.0.0.5 accept',
    'tcp dport 22,80 accept',
    'tcp dport 22 , 80 accept',
    'ip saddr . tcp dport 10.0.0.1 . 22 accept',
    'ip daddr 10.0.0.1 . 22 accept',
    'ip dscp and 1 accept',
    'ip dscp 1 and 1 accept',
    'ip dscp 1 or 2 accept',
    'ip dscp xor 2 accept',
    'ip ttl lt 5 accept',
    'ip ttl eq 5 accept',
    'ip ttl set 5',
    'ip ttl map { 1 : 2 }',
    'ip ttl vmap { 1 : accept }',
    'ip ttl exists accept',
    'ip ttl != 5 accept',
    'ip ttl 5 != 5',
    'ether saddr 00:11:22:33:44:55 accept',
    'ip6 daddr ::1 accept',
    'ip6 daddr ::1 ip6 saddr fe80::1 drop',
    'meta mark 1 accept',
    'ct state established accept',
    'th dport 22 accept',
    'arp saddr ip 10.0.0.1 accept',
    'vxlan ip saddr 10.0.0.1 accept',
    'tcp option maxseg size 1400 accept',
    'ip daddr "10.0.0.1" accept',
    'ip daddr 10.0.0.1 "x"',
    'ip daddr 10.0.0.1 comment "x"',
    'ip daddr accept',
    'ip daddr 10.0.0.1 } accept',
    'ip daddr 10.0.0.1 # handle 5',
    'tcp flags syn / syn,ack accept',
    'ip nope 10.0.0.1 accept',
    'ip daddr $x accept',
    'ip daddr @s accept',
    'ip daddr { 10.0.0.1 } accept',
    'icmp type echo-request accept',
    'frag frag-off 1 accept',
    'ip daddr 1:2 accept',
    'ip daddr 1 :2 accept',
    'dnat to 10.0.0.2:8080',
    'dnat to 10.0.0.2',
    'snat to 10.0.0.2:1024; accept',
    'dnat to 10.0.0.2:8080 }',
    'dnat to 10.0.0.2 :8080',
    'dnat to 10.0.0.2: 8080',
    'dnat to 10.0.0.2:8080-8090',
    'dnat to 10.0.0.2-10.0.0.5:8080',
    'dnat to 10.0.0.2:8080 random',
    'dnat to 10.0.0.2:8080 persistent,random',
    'dnat to 10.0.0.2 accept',
    'dnat to 10.0.0.2:http',
    'dnat to 10.0.0.2:8080:1',
    'dnat to 10.0.0.2/24',
    'dnat to 1:2',
    'dnat 10.0.0.2:8080',
    'dnat ip to 10.0.0.2:8080',
    'dnat to fd00::2',
    'dnat to [fd00::2]:8080',
    'dnat to ip saddr map { 10.0.0.1 : 10.0.0.2 }',
    'dnat to 10.0.0.2 . 8080',
    'snat to 10.0.0.2 # handle 7',
    'masquerade to :1024',
    'redirect to 8080',
    'counter packets 0 bytes 0',
    'counter packets 12 bytes 3400 accept',
    'counter packets 0x10 bytes 0 accept',
    'counter packets 1 bytes',
    'counter packets bytes 0',
    'counter packets 1 bytes x',
    'counter packets "1" bytes 2',
    'counter bytes 0 packets 0',
    'counter packets 1',
    'counter name "c"',
    'counter',
    'jump c2',
    'goto c2',
    'jump nochain',
    'jump "c2"',
    'jump $x',
    'jump { accept }',
    'jump accept',
    'jump chain',
    'jump',
    'jump c2 accept',
  ];
  for (const line of EDGES) {
    it(`the same model or errors: ${line}`, () => {
      const text = `define x = 10.0.0.1\ntable inet t {\n set s { type ipv4_addr; }\n chain c {\n  ${line}\n }\n chain c2 {\n }\n}\n`;
      expect(differs(text, 'edge.nft')).toBeUndefined();
    });
  }

  it('is taken for plain matches and only for them (it is not simply never taken)', () => {
    // Counted by the general path's entry, parseConcat: called once for each match it reads.
    const general = vi.spyOn(parserMethods, 'parseConcat');
    const text = `table ip t {\n chain c {\n  ip daddr 10.0.0.1 tcp dport 22 meta mark 1 accept\n }\n}\n`;
    try {
      usePlainMatches(false);
      parseNft(text, 'x.nft');
      const off = general.mock.calls.length;
      general.mockClear();
      usePlainMatches(true);
      parseNft(text, 'x.nft');
      // `meta mark 1` is no header field: the general path reads it either way.
      expect({ off, on: general.mock.calls.length }).toEqual({ off: 3, on: 1 });
      // And a nat statement: its address and port go through parseRhs on the general path.
      const rhs = vi.spyOn(parserMethods, 'parseRhs');
      const nat = `table ip t {\n chain c {\n  type nat hook prerouting priority dstnat\n  dnat to 10.0.0.2:80\n }\n}\n`;
      usePlainMatches(false);
      parseNft(nat, 'x.nft');
      const natOff = rhs.mock.calls.length;
      rhs.mockClear();
      usePlainMatches(true);
      parseNft(nat, 'x.nft');
      expect({ natOff, natOn: rhs.mock.calls.length }).toEqual({ natOff: 2, natOn: 0 });
      rhs.mockRestore();
    } finally {
      general.mockRestore();
    }
  });
});
