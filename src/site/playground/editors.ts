/**
 * The playground's two editors (CodeMirror 6): the scenario as YAML and the ruleset, each with
 * an accessible name, and the input's errors marked at their line and column.
 */
import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic as CmDiagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import { Compartment, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import type { Diagnostic } from '../../ruleset/diagnostics.ts';
import type { RulesetFormat } from '../../ruleset/format.ts';
import { rulesetLanguage } from './ruleset-modes.ts';

export interface Editor {
  view: EditorView;
  text(): string;
  setText(text: string): void;
  /** Marks these diagnostics (1-based line and column) in the editor. */
  mark(diagnostics: readonly Diagnostic[]): void;
  /** Puts the cursor at a 1-based line and column, scrolled into view. */
  reveal(line: number, col: number): void;
  /** Colours the text as a ruleset of this format (the ruleset editor; the scenario's: no-op). */
  showAs(format: RulesetFormat): void;
}

export function createEditor(
  parent: HTMLElement,
  label: string,
  kind: 'scenario' | 'ruleset',
  onChange: () => void,
): Editor {
  const language = new Compartment();
  let format: RulesetFormat = 'nft';
  const extensions: Extension[] = [
    basicSetup,
    lintGutter(),
    language.of(kind === 'scenario' ? yaml() : rulesetLanguage(format)),
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
    showAs: (next) => {
      if (kind === 'scenario' || next === format) return;
      format = next;
      view.dispatch({ effects: language.reconfigure(rulesetLanguage(next)) });
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
