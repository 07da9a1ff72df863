/** One diagnostic type and one error class for every input: scenarios and rulesets alike. */
import { describe, expect, it } from 'vitest';
import {
  type Diagnostic,
  DiagnosticError,
  formatDiagnostics,
  RulesetError,
} from '../../src/ruleset/diagnostics.ts';
import { parseScenario } from '../../src/scenario/load.ts';

const at = (line: number, col: number, message: string, endCol?: number): Diagnostic => ({
  file: 'r.nft',
  line,
  col,
  ...(endCol !== undefined ? { endLine: line, endCol } : {}),
  message,
  severity: 'error',
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('DiagnosticError', () => {
  it('is what a refused scenario and a refused ruleset both are, and only those', () => {
    const scenario = thrown(() => parseScenario('title: [', 'x.yaml', '.'));
    const ruleset = new RulesetError([at(1, 1, 'no')]);
    expect(scenario instanceof DiagnosticError).toBe(true);
    expect(ruleset instanceof DiagnosticError).toBe(true);
    expect(scenario instanceof RulesetError).toBe(false);
    expect(new Error('x.yaml:1:1: error: look-alike') instanceof DiagnosticError).toBe(false);
    const nothing: unknown = null;
    expect(nothing instanceof DiagnosticError).toBe(false);
  });

  it('is recognised when thrown by another copy of the module (a bundler’s own graph)', async () => {
    const url = new URL('../../src/ruleset/diagnostics.ts?copy', import.meta.url).href;
    const copy = (await import(
      /* @vite-ignore */ url
    )) as typeof import('../../src/ruleset/diagnostics.ts');
    expect(copy.DiagnosticError).not.toBe(DiagnosticError);
    expect(new copy.RulesetError([at(1, 1, 'no')]) instanceof DiagnosticError).toBe(true);
  });

  it('says every error on the first line of each, in its message', () => {
    const e = new RulesetError([at(1, 3, 'first'), at(2, 1, 'second')]);
    expect(e.message).toBe('r.nft:1:3: error: first\nr.nft:2:1: error: second');
  });
});

describe('formatDiagnostics', () => {
  it('quotes the line with a caret under the columns when the source is known', () => {
    const source = 'table ip t {\n\tchain c { tcp dport fourty accept }\n}\n';
    const out = formatDiagnostics([at(2, 22, 'unknown port', 28)], new Map([['r.nft', source]]));
    expect(out).toBe(
      'r.nft:2:22: error: unknown port\n\tchain c { tcp dport fourty accept }\n\t                    ^^^^^^\n',
    );
  });

  it('prints the first line alone without the source', () => {
    expect(formatDiagnostics([at(4, 2, 'no such key')])).toBe('r.nft:4:2: error: no such key\n');
  });
});
