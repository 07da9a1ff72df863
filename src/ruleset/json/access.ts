/**
 * Typed access to the JSON tree: each accessor either returns the value the schema asks for
 * or throws a SchemaError pointing at the offending node.
 */

import { SchemaError } from './errors.ts';
import type { JsonArray, JsonNode, JsonObject } from './tree.ts';
import { member } from './tree.ts';

export function describeNode(n: JsonNode): string {
  switch (n.type) {
    case 'object':
      return n.members.length === 1 ? `an object "${n.members[0]!.key}"` : 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `the string ${JSON.stringify(n.value)}`;
    default:
      return `${n.type === 'null' ? '' : `the ${n.type} `}${String(n.value)}`;
  }
}

export function asObject(n: JsonNode, what: string): JsonObject {
  if (n.type !== 'object')
    throw new SchemaError(`${what}: an object was expected, not ${describeNode(n)}`, n.span);
  return n;
}

export function asArray(n: JsonNode, what: string): JsonArray {
  if (n.type !== 'array')
    throw new SchemaError(`${what}: an array was expected, not ${describeNode(n)}`, n.span);
  return n;
}

/** An object with exactly one member `{ "name": value }`: the form of every nft JSON element. */
export function single(
  n: JsonNode,
  what: string,
): { key: string; value: JsonNode; node: JsonObject } {
  const o = asObject(n, what);
  if (o.members.length !== 1)
    throw new SchemaError(
      `${what}: an object with exactly one member was expected, this one has ${o.members.length}`,
      o.span,
    );
  const m = o.members[0]!;
  return { key: m.key, value: m.value, node: o };
}

export function optional(o: JsonObject, key: string): JsonNode | undefined {
  const v = member(o, key);
  return v === undefined || v.type === 'null' ? undefined : v;
}

export function required(o: JsonObject, key: string, what: string): JsonNode {
  const v = member(o, key);
  if (v === undefined) throw new SchemaError(`${what}: property "${key}" is missing`, o.span);
  return v;
}

export function str(n: JsonNode, what: string): string {
  if (n.type !== 'string')
    throw new SchemaError(`${what}: a string was expected, not ${describeNode(n)}`, n.span);
  return n.value as string;
}

export function num(n: JsonNode, what: string): number {
  if (n.type !== 'number' || !Number.isInteger(n.value))
    throw new SchemaError(`${what}: an integer was expected, not ${describeNode(n)}`, n.span);
  return n.value as number;
}

/** The integer as written (kept exact beyond 2^53). */
export function intRaw(n: JsonNode, what: string): string {
  if (n.type !== 'number' || !/^-?[0-9]+$/.test(n.raw ?? ''))
    throw new SchemaError(`${what}: an integer was expected, not ${describeNode(n)}`, n.span);
  return n.raw!;
}

export function bool(n: JsonNode, what: string): boolean {
  if (n.type !== 'boolean')
    throw new SchemaError(`${what}: true or false was expected, not ${describeNode(n)}`, n.span);
  return n.value as boolean;
}

export function reqStr(o: JsonObject, key: string, what: string): string {
  return str(required(o, key, what), `${what} "${key}"`);
}

export function optStr(o: JsonObject, key: string, what: string): string | undefined {
  const v = optional(o, key);
  return v === undefined ? undefined : str(v, `${what} "${key}"`);
}

export function optNum(o: JsonObject, key: string, what: string): number | undefined {
  const v = optional(o, key);
  return v === undefined ? undefined : num(v, `${what} "${key}"`);
}

export function optBool(o: JsonObject, key: string, what: string): boolean {
  const v = optional(o, key);
  return v === undefined ? false : bool(v, `${what} "${key}"`);
}

/** `"x"` or `["x", "y"]`: nft's one-or-many string lists (flags, devices). */
export function strList(n: JsonNode | undefined, what: string): string[] {
  if (n === undefined || n.type === 'null') return [];
  if (n.type === 'array') return n.items.map((i) => str(i, what));
  return [str(n, what)];
}

export function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  what: string,
  n: JsonNode,
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new SchemaError(`${what}: "${value}" is not one of ${allowed.join(', ')}`, n.span);
}
