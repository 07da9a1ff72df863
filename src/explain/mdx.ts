/**
 * MDX components, built as trees: attribute values are strings or estree expressions, never
 * strings of code.
 *
 * An array or object prop (a listing's `lines`) is written as its JSON in a string attribute,
 * not as a `{…}` expression: MDX's parser tries acorn on an expression at every `}` inside it
 * until one parses, so a listing of n lines as an expression cost n parses of a growing text
 * (a large page took seconds). A string attribute is read in one pass; the components parse
 * the JSON (src/site/listing-tree.ts).
 */
import type { BlockContent } from 'mdast';
import type { MdxJsxAttribute, MdxJsxFlowElement } from 'mdast-util-mdx-jsx';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

type Scalar = number | boolean | null;

function estreeOf(v: Scalar): unknown {
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

/** A prop: a string attribute (text, or an array/object as JSON), or a scalar in `{…}`. */
function attribute(name: string, v: JsonValue): MdxJsxAttribute {
  if (typeof v === 'string') return { type: 'mdxJsxAttribute', name, value: v };
  if (v !== null && typeof v === 'object') {
    return { type: 'mdxJsxAttribute', name, value: JSON.stringify(v) };
  }
  return {
    type: 'mdxJsxAttribute',
    name,
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
    attributes: Object.entries(props).map(([k, v]) => attribute(k, v)),
    children,
  };
}
