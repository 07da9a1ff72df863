/**
 * `nfwalk check` checks nft text without keeping its rules (checkNft, src/ruleset/nft/
 * check-stream.ts); the diagnostics must be those of parsing the whole model (parseNft): the
 * same messages, positions and order, or the same counts when there is no error. Both paths run
 * here over every input we have: the corpus (skipped, saying why, without it), the bogons nft
 * rejects, the repo's scenarios and fixtures, and scripts written to reach what the stream does
 * differently (references to what is declared later, flushes, deletions, rules read back).
 */
import { describe, expect, it } from 'vitest';
import { kubeProxyRuleset } from '../../../bench/kube-proxy-gen.ts';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { corpusGroups } from '../../../src/ruleset/nft/conformance.ts';
import { checkNft, type ParseNftOptions, parseNft } from '../../../src/ruleset/nft/index.ts';
import {
  besideFile,
  bogonFiles,
  CORPUS,
  differencesOver,
  HAVE_CORPUS,
  NO_CORPUS_REASON,
  repoRulesets,
} from './corpus.ts';

type Outcome =
  | { ok: { tables: number; chains: number; rules: number } }
  | { errors: unknown[]; sources: string[] };

function outcome(run: () => { tables: number; chains: number; rules: number }): Outcome {
  try {
    return { ok: run() };
  } catch (e) {
    if (!(e instanceof RulesetError)) throw e;
    return { errors: e.diagnostics.map((d) => ({ ...d })), sources: [...e.sources.keys()] };
  }
}

function full(text: string, file: string, opts: ParseNftOptions): Outcome {
  return outcome(() => {
    const rs = parseNft(text, file, opts);
    const chains = rs.tables.flatMap((t) => t.chains);
    const rules = chains.reduce((n, c) => n + c.rules.length, 0);
    return { tables: rs.tables.length, chains: chains.length, rules };
  });
}

function streamed(text: string, file: string, opts: ParseNftOptions): Outcome {
  return outcome(() => checkNft(text, file, opts));
}

/** Both paths on one input: the first difference, or undefined. */
function differs(text: string, file: string, opts: ParseNftOptions = {}): string | undefined {
  const a = full(text, file, opts);
  const b = streamed(text, file, opts);
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja === jb ? undefined : `${file}:\n  full:     ${ja}\n  streamed: ${jb}`;
}

if (!HAVE_CORPUS) console.warn(`skipping the corpus in check-stream.test.ts: ${NO_CORPUS_REASON}`);

describe.skipIf(!HAVE_CORPUS)('checkNft against parseNft over the corpus', () => {
  const groups = HAVE_CORPUS ? corpusGroups(CORPUS) : [];
  for (const g of groups) {
    it(`${g.name}: the same outcome for every file`, () => {
      expect(differencesOver(g.files, differs, () => g.opts ?? {})).toEqual([]);
      expect(g.files.length).toBeGreaterThan(0);
    });
  }

  it('the inputs nft rejects: the same errors for every file', () => {
    const files = bogonFiles();
    expect(differencesOver(files, differs, besideFile, 'latin1')).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(84); // corpus/SOURCES.md: 84 inputs nft rejects
  });
});

describe("checkNft against parseNft over the repo's rulesets", () => {
  it('every scenario ruleset and nft fixture', () => {
    const files = repoRulesets();
    expect(files.length).toBeGreaterThan(20);
    expect(differencesOver(files, differs, besideFile)).toEqual([]);
  });

  it('a kube-proxy-sized listing, and the same with errors put in', () => {
    const text = kubeProxyRuleset(300);
    expect(differs(text, 'kp.nft')).toBeUndefined();
    const bad = text
      .replace('jump svc_7\n', 'jump svc_none\n')
      .replace('dnat to 10.244.0.20:8080', 'dnat to 10.244.0.400:8080')
      .replace('tcp dport 1081 counter', 'tcp dport 65536 counter');
    expect(full(bad, 'kp.nft', {})).toHaveProperty('errors');
    expect(differs(bad, 'kp.nft')).toBeUndefined();
  });
});

/** Scripts that reach what the stream does differently from checking the whole model. */
const SCRIPTS: Record<string, string> = {
  'a jump to a chain declared later, and one to no chain': `table ip t {
  chain a { ip daddr 10.0.0.1 jump b; jump nope; goto nope }
  chain b { accept }
}`,
  'sets, maps and objects used before they are declared, some never': `table ip t {
  chain a {
    ip saddr @later accept
    ip saddr vmap @vm
    ip saddr @never drop
    meta mark set ip saddr map @s
    counter name "c1"
    counter name "c2"
    ct helper set "h"
  }
  set later { type ipv4_addr; }
  set s { type ipv4_addr; }
  map vm { type ipv4_addr : verdict; }
  counter c1 { }
}`,
  'several errors in one rule, in the order the checks make them': `table ip t {
  chain a { ip daddr 10.0.0.300 tcp dport 70000 jump nochain; ip saddr @x ip daddr 1.2.3.4/40 }
}`,
  'errors in a chain that is flushed later are not reported': `table ip t {
  chain a { jump gone; ip daddr 10.0.0.300 }
  chain b { ip daddr 10.0.0.301 }
}
flush chain ip t a
`,
  'flush table drops every chain rule': `table ip t { chain a { ip daddr 1.2.3.400 } }
flush table ip t
add rule ip t a ip daddr 1.2.3.4 accept
`,
  'a table deleted, and one made again': `table ip t { chain a { ip daddr 1.2.3.400; jump x } }
delete table ip t
table ip t { chain a { jump b }; chain b { ip daddr 10.1.1.1 accept } }
`,
  'flush ruleset then a ruleset': `table ip t { chain a { ip daddr 1.2.3.400 } }
flush ruleset
table ip t { chain a { type filter hook input priority 0; jump b }; chain b { jump a } }
`,
  'add rule appends to a chain read before': `table ip t {
  chain a { jump b }
}
add table ip t
add chain ip t b
add rule ip t b ip daddr 10.0.0.256 jump c
add rule ip t a tcp dport 99999 accept
add chain ip t c
`,
  'insert reads rules back: the whole model': `table ip t { chain a { ip daddr 1.2.3.4 accept; jump nope } }
insert rule ip t a ip daddr 1.2.3.444 drop
`,
  'a position reads rules back': `table ip t { chain a { ip daddr 1.2.3.4 accept # handle 4
} }
add rule ip t a position 4 ip daddr 1.2.3.5 jump nope
`,
  'delete rule and delete chain read rules back': `table ip t { chain a { accept # handle 2
}
chain b { jump a } }
delete rule ip t a handle 2
delete chain ip t b
`,
  'a chain made a base chain after its rules were read': `table ip t { chain a { jump b }; chain b { jump a } }
table ip t { chain a { type filter hook input priority 0; } }
`,
  'jumps nesting too deep from a base chain, through chains declared later': `table ip t {
  chain base { type filter hook input priority 0; jump c0 }
${Array.from({ length: 17 }, (_, i) => `  chain c${i} { jump c${i + 1} }`).join('\n')}
  chain c17 { accept }
}`,
  'a loop through a verdict map and a chain binding': `table ip t {
  map m { type ipv4_addr : verdict; elements = { 10.0.0.1 : jump a } }
  chain base { type filter hook input priority 0; ip saddr vmap @m }
  chain a { jump { ip daddr 1.1.1.1 jump b } }
  chain b { goto a }
}`,
  'a chain declared twice, its rules in both blocks': `table ip t {
  chain a { ip daddr 1.2.3.400 }
  chain b { jump a }
  chain a { tcp dport 70000; jump c }
}`,
  'a parse error stops the checks, as for the whole model': `table ip t {
  chain a { ip daddr 1.2.3.400; jump nope }
  chain b { ip frob 1 }
}`,
};

describe('checkNft against parseNft on scripts written for the stream', () => {
  for (const [name, text] of Object.entries(SCRIPTS)) {
    it(name, () => {
      expect(differs(text, 'in.nft')).toBeUndefined();
    });
  }

  it('the scripts reach errors and passes both (they are not all fine or all refused)', () => {
    const kinds = Object.values(SCRIPTS).map((t) => 'ok' in full(t, 'in.nft', {}));
    expect(kinds).toContain(true);
    expect(kinds).toContain(false);
  });
});
