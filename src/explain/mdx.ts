/**
 * MDX components, built as trees: attribute values are estree expressions, never strings of
 * code.
 */
import type { BlockContent } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

function estreeOf(v: JsonValue): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && v < 0) {
      return {
        type: 'UnaryExpression',
        operator: '-',
        prefix: true,
        argument: { type: 'Literal', value: -v, raw: String(-v) },
      };
    }
    return { type: 'Literal', value: v, raw: JSON.stringify(v) };
  }
  if (Array.isArray(v)) return { type: 'ArrayExpression', elements: v.map(estreeOf) };
  return {
    type: 'ObjectExpression',
    properties: Object.entries(v).map(([k, x]) => ({
      type: 'Property',
      kind: 'init',
      method: false,
      shorthand: false,
      computed: false,
      key: { type: 'Literal', value: k, raw: JSON.stringify(k) },
      value: estreeOf(x),
    })),
  };
}

export function jsxElement(
  name: string,
  props: Record<string, JsonValue>,
  children: BlockContent[],
): MdxJsxFlowElement {
  return {
    type: 'mdxJsxFlowElement',
    name,
    attributes: Object.entries(props).map(([k, v]) =>
      typeof v === 'string'
        ? { type: 'mdxJsxAttribute', name: k, value: v }
        : {
            type: 'mdxJsxAttribute',
            name: k,
            value: {
              type: 'mdxJsxAttributeValueExpression',
              // The serialiser prints `value`; `estree` is the same value as a tree, for compilers.
              value: JSON.stringify(v),
              data: {
                estree: {
                  type: 'Program',
                  sourceType: 'module',
                  body: [{ type: 'ExpressionStatement', expression: estreeOf(v) }],
                } as never,
              },
            },
          },
    ),
    children,
  };
}
