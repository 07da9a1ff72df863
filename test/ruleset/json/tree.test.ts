import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonNode, JsonSyntaxError, parseJsonTree } from '../../../src/ruleset/json/tree.ts';

/** The plain value of a tree, to compare with JSON.parse. */
function plain(n: JsonNode): unknown {
  switch (n.type) {
    case 'object':
      return Object.fromEntries(n.members.map((m) => [m.key, plain(m.value)]));
    case 'array':
      return n.items.map(plain);
    default:
      return n.value;
  }
}

function syntaxError(text: string): JsonSyntaxError {
  try {
    parseJsonTree(text, 'in.json');
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('position-keeping JSON reader', () => {
  it('reads what JSON.parse reads, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        // JSON.stringify turns -0 into 0; compare through a round trip.
        expect(plain(parseJsonTree(text, 'x.json'))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('gives every value the line and column of its first character', () => {
    const text = '{\n  "a": [1, {"b": "x"}],\n\t"c": null\n}';
    const root = parseJsonTree(text, 'f.json');
    expect(root.span).toMatchObject({
      file: 'f.json',
      line: 1,
      col: 1,
      offset: 0,
      end: text.length,
    });
    if (root.type !== 'object') throw new Error('object expected');
    const a = root.members[0]!.value;
    expect(a.span).toMatchObject({ line: 2, col: 8, endLine: 2, endCol: 23 });
    if (a.type !== 'array') throw new Error('array expected');
    expect(a.items[1]!.span).toMatchObject({ line: 2, col: 12 });
    expect(root.members[1]!.keySpan).toMatchObject({ line: 3, col: 2 });
    expect(root.members[1]!.value.span).toMatchObject({ line: 3, col: 7 });
    expect(text.slice(a.span.offset, a.span.end)).toBe('[1, {"b": "x"}]');
  });

  it('keeps integers beyond 2^53 exactly as written', () => {
    const n = parseJsonTree('18446744073709551615', 'x');
    expect(n).toMatchObject({ type: 'number', raw: '18446744073709551615' });
  });

  it.each([
    ['{"a": 1,}', 1, 9, "unexpected '}': a member name"],
    ['[1, 2', 1, 6, "unexpected end of input: ',' or ']'"],
    ['{"a" 1}', 1, 6, "':' was expected"],
    ['{"a": "x\ny"}', 1, 9, 'control character U+000a inside a string'],
    ['{"a": "\\q"}', 1, 8, "bad escape '\\q'"],
    ['{"a": tru}', 1, 7, 'a value was expected'],
    ['[1] [2]', 1, 5, 'after the end of the JSON value'],
    ['{"a": "abc', 1, 7, 'unterminated string'],
    ['// comment\n{}', 1, 1, 'a value was expected'],
    ['', 1, 1, 'unexpected end of input'],
    ['{\n  "x": 01\n}', 2, 9, "',' or '}' was expected"],
  ])('reports %j at line %i, column %i', (text, line, col, message) => {
    const e = syntaxError(text);
    expect(e.span.line).toBe(line);
    expect(e.span.col).toBe(col);
    expect(e.message).toContain(message);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const e = syntaxError('['.repeat(100_000));
    expect(e.message).toContain('nesting deeper than');
  });
});
