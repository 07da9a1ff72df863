/**
 * The playground's two editors (CodeMirror 6): the scenario as YAML and the ruleset, each with
 * an accessible name, and the input's errors marked at their line and column.
 */
import { yaml } from '@codemirror/lang-yaml';
import { StreamLanguage, type StringStream } from '@codemirror/language';
import { type Diagnostic as CmDiagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Diagnostic } from '../../ruleset/diagnostics.ts';

/**
 * A light highlighter for the three ruleset formats: comments, quoted strings, the words that
 * shape a ruleset (tables, chains, hooks, verdicts) and numbers or addresses.
 */
const KEYWORDS = new Set(
  'table chain set map flowtable type hook priority policy device devices accept drop reject jump goto return queue continue counter log limit dnat snat masquerade redirect ct state meta iif oif iifname oifname ip ip6 inet arp bridge netdev ether tcp udp icmp icmpv6 saddr daddr sport dport fib elements flags define include add insert delete flush'.split(
    ' ',
  ),
);

const rulesetMode = StreamLanguage.define({
  name: 'nftables',
  token(stream: StringStream): string | null {
    if (stream.eatSpace()) return null;
    if (stream.match(/^#.*/)) return 'comment';
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
    if (stream.match(/^[*:][A-Za-z][\w-]*/) && stream.sol()) return 'keyword';
    if (stream.match(/^-[A-Za-z]\b|^--[\w-]+/)) return 'keyword';
    if (stream.match(/^[0-9][\w.:/-]*/)) return 'number';
    if (stream.match(/^[A-Za-z_][\w-]*/)) {
      return KEYWORDS.has(stream.current()) ? 'keyword' : null;
    }
    stream.next();
    return null;
  },
});

export interface Editor {
  view: EditorView;
  text(): string;
  setText(text: string): void;
  /** Marks these diagnostics (1-based line and column) in the editor. */
  mark(diagnostics: readonly Diagnostic[]): void;
  /** Puts the cursor at a 1-based line and column, scrolled into view. */
  reveal(line: number, col: number): void;
}

export function createEditor(
  parent: HTMLElement,
  label: string,
  kind: 'scenario' | 'ruleset',
  onChange: () => void,
): Editor {
  const extensions: Extension[] = [
    basicSetup,
    lintGutter(),
    kind === 'scenario' ? yaml() : rulesetMode,
    EditorView.contentAttributes.of({ 'aria-label': label }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) onChange();
    }),
  ];
  const view = new EditorView({ parent, extensions });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText: (text) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    mark: (diagnostics) => view.dispatch(setDiagnostics(view.state, diagnostics.map(toCm(view)))),
    reveal: (line, col) => {
      const at = offsetOf(view, line, col);
      view.dispatch({
        selection: { anchor: at },
        effects: EditorView.scrollIntoView(at, { y: 'center' }),
      });
      view.focus();
    },
  };
}

/** A 1-based line and column as an offset in the document (clamped to it). */
export function offsetOf(view: EditorView, line: number, col: number): number {
  const doc = view.state.doc;
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(col, 1) - 1, l.to);
}

function toCm(view: EditorView) {
  return (d: Diagnostic): CmDiagnostic => {
    const from = offsetOf(view, d.line, d.col);
    const end = d.endLine !== undefined ? offsetOf(view, d.endLine, d.endCol ?? d.col) : from;
    // An empty range still shows in the gutter; one character at least underlines it.
    const to = Math.max(end, Math.min(from + 1, view.state.doc.lineAt(from).to));
    return { from, to, severity: d.severity, message: d.message };
  };
}
