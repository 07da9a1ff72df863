/** ICMP types and codes by name in both languages: no page's prose says "code 3". */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { icmpCodeText, icmpTypeText } from '../../src/explain/icmp-names.ts';
import { explainToText } from '../../src/explain/index.ts';
import { simulate } from '../../src/netfilter/simulate.ts';
import { icmpCode } from '../../src/netfilter/walk/answers.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { parseRuleset } from '../../src/ruleset/load.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { repoRoot } from './helpers.ts';

const scenarioDir = join(repoRoot, 'scenarios');
const files = existsSync(scenarioDir)
  ? readdirSync(scenarioDir).filter((f) => f.endsWith('.yaml'))
  : [];

/** The page without its code blocks (listings quote the reader's ruleset as written). */
const prose = (page: string) => page.replace(/```[\s\S]*?```/g, '');

describe('ICMP by name', () => {
  it('names destination-unreachable codes as nft does, per family', () => {
    expect(icmpTypeText(4, 3)).toBe('destination-unreachable');
    expect(icmpCodeText(4, 3, 3)).toBe('port-unreachable');
    expect(icmpCodeText(4, 3, 13)).toBe('admin-prohibited');
    expect(icmpTypeText(6, 1)).toBe('destination-unreachable');
    expect(icmpCodeText(6, 1, 4)).toBe('port-unreachable');
    expect(icmpCodeText(6, 1, 1)).toBe('admin-prohibited');
    // A code nfwalk has no name for stays a number, said as such.
    expect(icmpCodeText(4, 11, 0)).toBe('code 0');
  });

  it('one table: every code nft reads in a rule is the code the kernel sends and the page names', () => {
    const rs = parseRuleset(
      `table ip t { chain c { reject with icmp type frag-needed; reject with icmp type net-prohibited } }
table ip6 t { chain c { reject with icmpv6 type policy-fail; reject with icmpv6 type reject-route } }
`,
      'nft',
      'codes.nft',
    );
    const rejects = rs.tables.flatMap((t) =>
      t.chains[0]!.rules.map((r) => ({ family: t.family, stmt: r.statements[0]! })),
    );
    const said = rejects.map(({ family, stmt }) => {
      if (stmt.kind !== 'reject' || !stmt.with) throw new Error(`not a reject: ${stmt.kind}`);
      const six = family === 'ip6';
      const code = icmpCode(six ? 'ip6' : 'ip', stmt.with.type, stmt.with.code);
      return `${code} ${icmpCodeText(six ? 6 : 4, six ? 1 : 3, code)}`;
    });
    expect(said).toEqual(['4 frag-needed', '9 net-prohibited', '5 policy-fail', '6 reject-route']);
  });

  for (const file of files) {
    for (const lang of ['en', 'ja'] as const) {
      it(`${file} (${lang}): no ICMP code by number in the prose`, () => {
        const sc = loadScenario(join(scenarioDir, file));
        const rs = readRuleset(sc);
        const page = explainToText(sc, rs, simulate(sc, rs), { lang, format: 'md' }).markdown;
        expect(prose(page)).not.toMatch(/\bcode \d+\b/);
      });
    }
  }
});
