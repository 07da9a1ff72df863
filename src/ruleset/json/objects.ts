/**
 * Stateful objects (`counter`, `quota`, `limit`, `ct helper`, `ct timeout`, `ct expectation`,
 * `secmark`, `synproxy`, `tunnel`) from JSON into the model's body lines, worded as
 * `nft list ruleset` words them (nftables src/rule.c, obj_print_data).
 */

import type { ObjectType } from '../model.ts';
import {
  asArray,
  asObject,
  intRaw,
  optional,
  optNum,
  optStr,
  reqStr,
  required,
  str,
} from './access.ts';
import { limitWords, synproxyWords } from './stmt.ts';
import type { JsonNode, JsonObject } from './tree.ts';
import { formatDuration } from './valuetype.ts';

export const OBJECT_TYPES: readonly ObjectType[] = [
  'counter',
  'quota',
  'limit',
  'ct helper',
  'ct timeout',
  'ct expectation',
  'secmark',
  'synproxy',
  'tunnel',
];

function protoName(n: JsonNode | undefined, what: string): string {
  if (n === undefined) return 'unknown';
  return n.type === 'number' ? intRaw(n, what) : str(n, what);
}

/** A ct timeout's protocol, l3proto and timeout policy. */
function ctTimeoutLines(o: JsonObject, what: string, legacy: boolean): string[][] {
  const lines = [
    ['protocol', protoName(optional(o, 'protocol'), what)],
    ['l3proto', optStr(o, 'l3proto', what) ?? 'ip'],
  ];
  const policy = optional(o, 'policy');
  const entries =
    policy === undefined
      ? []
      : asObject(policy, `${what} "policy"`).members.map(
          (m) =>
            // nft < 1.1 lists plain seconds (seen with 1.0.6), current nft durations.
            `${m.key} : ${legacy ? intRaw(m.value, `${what} policy`) : formatDuration(BigInt(intRaw(m.value, `${what} policy`)) * 1000n)}`,
        );
  lines.push([
    'policy',
    '=',
    '{',
    ...entries
      .join(', ')
      .split(' ')
      .filter((w) => w !== ''),
    '}',
  ]);
  return lines;
}

/** The body lines of an object, each split into words. */
export function objectBody(type: ObjectType, o: JsonObject, legacy = false): string[][] {
  const what = `"${type}" object`;
  switch (type) {
    case 'counter':
      return [
        [
          'packets',
          String(optNum(o, 'packets', what) ?? 0),
          'bytes',
          String(optNum(o, 'bytes', what) ?? 0),
        ],
      ];
    case 'quota':
      // The object form carries plain bytes (the statement form has "val" and "val_unit").
      return [quotaLine(o, what)];
    case 'limit': {
      const words = limitWords(o, what);
      // Object listings omit the default packet burst of 5 (and a zero burst).
      const unit = optStr(o, 'rate_unit', what) ?? 'packets';
      if (unit === 'packets') {
        const i = words.indexOf('burst');
        if (i >= 0 && (words[i + 1] === '5' || words[i + 1] === '0')) words.splice(i, 3);
      }
      return [words];
    }
    case 'secmark':
      return [[JSON.stringify(optStr(o, 'context', what) ?? '')]];
    case 'ct helper':
      return [
        [
          'type',
          JSON.stringify(reqStr(o, 'type', what)),
          'protocol',
          protoName(optional(o, 'protocol'), what),
        ],
        ['l3proto', optStr(o, 'l3proto', what) ?? 'ip'],
      ];
    case 'ct timeout':
      return ctTimeoutLines(o, what, legacy);
    case 'ct expectation':
      return [
        ['protocol', protoName(optional(o, 'protocol'), what)],
        ['dport', String(optNum(o, 'dport', what) ?? 0)],
        [
          'timeout',
          formatDuration(BigInt(intRaw(required(o, 'timeout', what), `${what} "timeout"`))),
        ],
        ['size', String(optNum(o, 'size', what) ?? 0)],
        ['l3proto', optStr(o, 'l3proto', what) ?? 'ip'],
      ];
    case 'synproxy': {
      const words = synproxyWords(o, what);
      const lines: string[][] = [];
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        if (w === 'mss' || w === 'wscale') lines.push([w, words[++i]!]);
      }
      const flags = words.filter((w) => w === 'timestamp' || w === 'sack-perm');
      if (flags.length > 0) lines.push(flags);
      return lines;
    }
    case 'tunnel':
      return tunnelBody(o, what);
  }
}

const UNITS = ['bytes', 'kbytes', 'mbytes'];

/** nft's get_rate: the largest unit that divides the byte count exactly. */
function rate(bytes: bigint): [string, string] {
  let v = bytes;
  let i = 0;
  while (i < UNITS.length - 1 && v !== 0n && v % 1024n === 0n) {
    v /= 1024n;
    i++;
  }
  return [v.toString(), UNITS[i]!];
}

function quotaLine(o: JsonObject, what: string): string[] {
  const words: string[] = [];
  const inv = optional(o, 'inv');
  if (inv?.type === 'boolean' && inv.value) words.push('over');
  words.push(...rate(BigInt(intRaw(required(o, 'bytes', what), `${what} "bytes"`))));
  const used = optional(o, 'used');
  if (used !== undefined && intRaw(used, `${what} "used"`) !== '0') {
    words.push('used', ...rate(BigInt(intRaw(used, `${what} "used"`))));
  }
  return words;
}

function tunnelBody(o: JsonObject, what: string): string[][] {
  const lines: string[][] = [['id', String(optNum(o, 'id', what) ?? 0)]];
  const addr = (key: string, words: string[]): void => {
    const v = optStr(o, key, what);
    if (v !== undefined) lines.push([...words, v]);
  };
  addr('src-ipv4', ['ip', 'saddr']);
  addr('src-ipv6', ['ip6', 'saddr']);
  addr('dst-ipv4', ['ip', 'daddr']);
  addr('dst-ipv6', ['ip6', 'daddr']);
  for (const k of ['sport', 'dport', 'tos', 'ttl']) {
    const v = optNum(o, k, what);
    if (v) lines.push([k, String(v)]);
  }
  const type = optStr(o, 'type', what);
  const tunnel = optional(o, 'tunnel');
  if (type === 'erspan' && tunnel !== undefined) {
    const t = asObject(tunnel, `${what} "tunnel"`);
    lines.push(['erspan', '{']);
    const version = optNum(t, 'version', what);
    lines.push(['version', String(version ?? 1)]);
    const index = optNum(t, 'index', what);
    if (index !== undefined) lines.push(['index', String(index)]);
    const dir = optStr(t, 'dir', what);
    if (dir !== undefined) lines.push(['direction', dir]);
    const hwid = optNum(t, 'hwid', what);
    if (hwid !== undefined) lines.push(['id', String(hwid)]);
    lines.push(['}']);
  } else if (type === 'vxlan' && tunnel !== undefined) {
    const t = asObject(tunnel, `${what} "tunnel"`);
    lines.push(['vxlan', '{'], ['gbp', String(optNum(t, 'gbp', what) ?? 0)], ['}']);
  } else if (type === 'geneve' && tunnel !== undefined) {
    lines.push(['geneve', '{']);
    for (const opt of asArray(tunnel, `${what} "tunnel"`).items) {
      const g = asObject(opt, `${what} geneve option`);
      lines.push([
        'class',
        `0x${(optNum(g, 'class', what) ?? 0).toString(16)}`,
        'opt-type',
        `0x${(optNum(g, 'opt-type', what) ?? 0).toString(16)}`,
        'data',
        JSON.stringify(optStr(g, 'data', what) ?? ''),
      ]);
    }
    lines.push(['}']);
  }
  return lines;
}
