/**
 * The playground's ruleset editor colours with the project's own grammars, run line by line by
 * src/site/playground/textmate-lines.ts: every character of every gallery ruleset (and a few
 * made to reach each rule) gets the innermost scope Shiki gives it with the same grammar.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHighlighter, type Highlighter } from 'shiki';
import { beforeAll, describe, expect, it } from 'vitest';
import iptablesGrammar from '../../src/site/grammars/iptables.tmLanguage.json' with {
  type: 'json',
};
import nftablesGrammar from '../../src/site/grammars/nftables.tmLanguage.json' with {
  type: 'json',
};
import { siteLanguages } from '../../src/site/highlight-tokens.ts';
import {
  type Grammar,
  type RuleStack,
  tokenizeLine,
} from '../../src/site/playground/textmate-lines.ts';

const GRAMMARS = {
  nftables: { grammar: nftablesGrammar as unknown as Grammar, root: nftablesGrammar.scopeName },
  iptables: { grammar: iptablesGrammar as unknown as Grammar, root: iptablesGrammar.scopeName },
};

/** Innermost scope per character, as Shiki gives it (the grammar's root scope: none). */
function shikiScopes(hl: Highlighter, code: string, lang: keyof typeof GRAMMARS): string[][] {
  const lines = hl.codeToTokensBase(code, { lang: lang as never, includeExplanation: true });
  return lines.map((line) =>
    line.flatMap((token) =>
      (token.explanation ?? []).flatMap((part) => {
        const scope = part.scopes.at(-1)?.scopeName;
        const inner = scope === GRAMMARS[lang].root ? '' : (scope ?? '');
        return Array.from({ length: part.content.length }, () => inner);
      }),
    ),
  );
}

function ourScopes(code: string, lang: keyof typeof GRAMMARS): string[][] {
  let stack: RuleStack = [];
  return code.split('\n').map((line) => {
    const out = tokenizeLine(GRAMMARS[lang].grammar, line, stack);
    stack = out.stack;
    return out.segments.flatMap((s) => Array.from({ length: s.length }, () => s.scope ?? ''));
  });
}

const dir = new URL('../../scenarios/', import.meta.url).pathname;
const gallery = readdirSync(dir)
  .filter((f) => /\.(nft|rules)$/.test(f))
  .map((f) => ({
    name: f,
    lang: (f.endsWith('.nft') ? 'nftables' : 'iptables') as keyof typeof GRAMMARS,
    code: readFileSync(join(dir, f), 'utf8'),
  }));

const MADE = [
  {
    name: 'nft: strings, handles, sets, variables, operators',
    lang: 'nftables' as const,
    code: 'define lan = { 10.0.0.0/8, fe80::/10 } # handle 3\ntable inet t { # handle 1\n  chain c { type filter hook input priority -150; policy drop;\n    ip saddr != $lan tcp dport @ports ct mark & 0x0f == 0x1 log prefix "x \\" y" counter packets 0 bytes 0 jump other\n    ether saddr 02:42:ac:11:00:02 meta l4proto { tcp, udp } th dport 53 dnat ip to 10.0.0.1:53\n  }\n}',
  },
  {
    name: 'iptables: rules with negation, strings and targets',
    lang: 'iptables' as const,
    code: '# Generated\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING ! -s 10.0.0.0/8 -p tcp -m tcp --dport 80 -m comment --comment "web \\"x\\"" -j DNAT --to-destination 10.0.0.2:8080\n-I FORWARD 1 -i eth0 -j ACCEPT\nCOMMIT',
  },
];

describe('the ruleset editor colours with the site grammars as Shiki does', () => {
  let hl: Highlighter;
  beforeAll(async () => {
    hl = await createHighlighter({ themes: ['github-light'], langs: siteLanguages });
  });

  it('has gallery rulesets of both kinds', () => {
    expect(gallery.some((g) => g.lang === 'nftables')).toBe(true);
    expect(gallery.some((g) => g.lang === 'iptables')).toBe(true);
  });

  for (const { name, lang, code } of [...MADE, ...gallery]) {
    it(name, () => {
      const ours = ourScopes(code, lang);
      const theirs = shikiScopes(hl, code, lang);
      expect(ours.length).toBe(theirs.length);
      ours.forEach((line, i) => {
        expect(line.join('|'), `line ${i + 1}: ${code.split('\n')[i]}`).toBe(theirs[i]!.join('|'));
      });
      // Not a vacuous pass: the grammar gives most lines a scope somewhere.
      expect(ours.flat().filter((s) => s !== '').length).toBeGreaterThan(0);
    });
  }
});
