/**
 * The ruleset editor's colouring, by the ruleset's format: nft text and iptables-save with the
 * project's own grammars (the ones the site's listings are coloured with), run line by line
 * (textmate-lines.ts); `nft -j` JSON with CodeMirror's JSON mode.
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { json } from '@codemirror/legacy-modes/mode/javascript';
import type { RulesetFormat } from '../../ruleset/format.ts';
import iptablesGrammar from '../grammars/iptables.tmLanguage.json' with { type: 'json' };
import nftablesGrammar from '../grammars/nftables.tmLanguage.json' with { type: 'json' };
import { type Grammar, type RuleStack, type Segment, tokenizeLine } from './textmate-lines.ts';

/** TextMate scope prefixes and the CodeMirror highlighting tag each is shown as. */
const SCOPE_TAGS: [prefix: string, tag: string][] = [
  ['comment', 'comment'],
  ['constant.character.escape', 'escape'],
  ['string', 'string'],
  ['keyword.operator', 'operator'],
  ['keyword', 'keyword'],
  ['storage', 'keyword'],
  ['constant.numeric', 'number'],
  ['constant', 'atom'],
  ['entity.name.function', 'labelName'],
  ['entity.name', 'className'],
  ['support.type', 'typeName'],
  ['support', 'propertyName'],
  ['variable', 'variableName'],
  ['punctuation', 'punctuation'],
];

function tagOf(scope: string | undefined): string | null {
  if (scope === undefined) return null;
  return (
    SCOPE_TAGS.find(([prefix]) => scope === prefix || scope.startsWith(`${prefix}.`))?.[1] ?? null
  );
}

interface LineState {
  /** The grammar's rules open at the start of the next line. */
  stack: RuleStack;
  /** What is left of the line being read. */
  pending: Segment[];
}

function grammarLanguage(name: string, grammar: Grammar) {
  return StreamLanguage.define<LineState>({
    name,
    startState: () => ({ stack: [], pending: [] }),
    copyState: (s) => ({ stack: s.stack, pending: [...s.pending] }),
    blankLine: (s) => {
      s.stack = tokenizeLine(grammar, '', s.stack).stack;
    },
    token(stream: StringStream, state: LineState): string | null {
      if (stream.sol()) {
        const line = tokenizeLine(grammar, stream.string, state.stack);
        state.stack = line.stack;
        state.pending = line.segments;
      }
      const next = state.pending.shift();
      if (!next) {
        stream.skipToEnd();
        return null;
      }
      stream.pos += next.length;
      return tagOf(next.scope);
    },
  });
}

const LANGUAGES = {
  nft: grammarLanguage('nftables', nftablesGrammar as unknown as Grammar),
  'iptables-save': grammarLanguage('iptables-save', iptablesGrammar as unknown as Grammar),
  'nft-json': StreamLanguage.define(json),
} satisfies Record<RulesetFormat, StreamLanguage<unknown>>;

export function rulesetLanguage(format: RulesetFormat): StreamLanguage<unknown> {
  return LANGUAGES[format];
}
