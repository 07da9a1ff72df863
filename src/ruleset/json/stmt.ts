/**
 * libnftables JSON statements (libnftables-json(5), STATEMENTS) into model statements. The
 * statements the model keeps as words (limit, quota, queue, tproxy…) get the words nft prints
 * for them (after nftables' src/statement.c), so a JSON rule and its text twin agree.
 */

import type { Expr, LogStmt, MatchStmt, NatStmt, RejectStmt, RelOp, Statement } from '../model.ts';
import { printExpr, printStatement } from '../printer.ts';
import {
  asArray,
  asObject,
  intRaw,
  num,
  oneOf,
  optBool,
  optional,
  optNum,
  optStr,
  reqStr,
  required,
  single,
  str,
  strList,
} from './access.ts';
import { SchemaError } from './errors.ts';
import { ExprReader, isVerdictKey, readVerdict } from './expr.ts';
import type { JsonNode, JsonObject } from './tree.ts';
import { DEVICE, formatDuration, PLAIN, typeOf, type ValueType } from './valuetype.ts';

const OPS: Record<string, RelOp | 'in'> = {
  '==': '==',
  eq: '==',
  '!=': '!=',
  ne: '!=',
  '<': '<',
  lt: '<',
  '>': '>',
  gt: '>',
  '<=': '<=',
  le: '<=',
  '>=': '>=',
  ge: '>=',
  in: 'in',
};

/** Object references whose text is `<what> set <expr>`: the model keeps them as mangles. */
const SET_OBJREFS: Record<string, () => Expr> = {
  'ct helper': () => ({ kind: 'ct', key: 'helper' }),
  'ct timeout': () => ({ kind: 'ct', key: 'timeout' }),
  'ct expectation': () => ({ kind: 'ct', key: 'expectation' }),
  secmark: () => ({ kind: 'meta', key: 'secmark' }),
};
const STRING_TYPE: ValueType = { fmt: 'string' };

export interface StmtContext {
  /** The types of a named set's elements and data, to print the elements of `add @s { … }`. */
  setTypes(name: string): { key: ValueType; data?: ValueType } | undefined;
  /** The table's family: nft prints `dnat ip to` only where the family is not implied. */
  family: string;
  /**
   * The JSON names an nft older than 1.1 (its metainfo version), whose listings differ in
   * small ways measured with nft 1.0.6: a packet limit's default burst of 5 is not printed.
   */
  legacy?: boolean;
}

export class StmtReader {
  readonly exprs: ExprReader;
  private readonly ctx: StmtContext;

  constructor(ctx: StmtContext) {
    this.ctx = ctx;
    this.exprs = new ExprReader({
      readStatement: (n) => this.read(n),
    });
  }

  private text(e: Expr): string {
    return printExpr(e);
  }

  /** Splits expression text into words, keeping double-quoted strings whole. */
  private split(text: string): string[] {
    return text.match(/(?:"(?:[^"\\]|\\.)*"|[^\s"])+/g) ?? [];
  }

  private other(keyword: string, args: string[], n: JsonNode): Statement {
    return { kind: 'other', keyword, args, span: n.span };
  }

  read(n: JsonNode): Statement {
    const { key, value } = single(n, 'statement');
    const span = n.span;
    const base = { span };
    const what = `"${key}" statement`;
    if (isVerdictKey(key)) {
      if (key === 'queue' && value.type !== 'null') return this.queue(asObject(value, what), n);
      if (key === 'queue') return this.other('queue', ['to', '0'], n);
      return { ...base, kind: 'verdict', verdict: readVerdict(key, value) };
    }
    switch (key) {
      case 'match':
        return this.match(asObject(value, what), n);
      case 'counter':
        return this.counter(value, n);
      case 'mangle': {
        const o = asObject(value, what);
        const target = this.exprs.read(required(o, 'key', what));
        const v = this.exprs.read(required(o, 'value', what), typeOf(target));
        return { ...base, kind: 'mangle', target, value: v };
      }
      case 'vmap': {
        const o = asObject(value, what);
        const k = this.exprs.read(required(o, 'key', what));
        const map = this.exprs.mapData(required(o, 'data', what), typeOf(k), PLAIN);
        return { ...base, kind: 'vmap', key: k, map };
      }
      case 'notrack':
        return { ...base, kind: 'notrack' };
      case 'snat':
      case 'dnat':
      case 'masquerade':
      case 'redirect':
        return this.nat(key, value, n);
      case 'reject':
        return this.reject(value, n);
      case 'log':
        return this.log(value, n);
      case 'set':
      case 'map':
        return this.setOp(key, asObject(value, what), n);
      case 'limit':
        return this.limit(value, n);
      case 'quota':
        return this.quota(value, n);
      case 'ct count':
        return this.ctCount(value, n);
      case 'tproxy':
        return this.tproxy(asObject(value, what), n);
      case 'dup':
        return this.dup(value, n);
      case 'fwd':
        return this.fwd(value, n);
      case 'synproxy':
        return this.synproxy(value, n);
      case 'flow': {
        const o = asObject(value, what);
        const op = reqStr(o, 'op', what);
        return this.other(`flow ${op}`, [reqStr(o, 'flowtable', what)], n);
      }
      case 'last':
        return this.last(value, n);
      case 'meter':
        return this.meter(value, n);
      case 'reset':
        return this.other('reset', this.split(this.text(this.exprs.read(value))), n);
      case 'xt':
        return this.xt(value, n);
      case 'ct helper':
      case 'ct timeout':
      case 'ct expectation':
      case 'secmark': {
        const target = SET_OBJREFS[key]!();
        return { ...base, kind: 'mangle', target, value: this.exprs.read(value, STRING_TYPE) };
      }
      case 'tunnel':
        return this.other(
          'tunnel',
          ['name', ...this.split(this.text(this.exprs.read(value, STRING_TYPE)))],
          n,
        );
      default:
        throw new SchemaError(`unknown statement "${key}"`, n.span);
    }
  }

  /** `counter`, `counter packets N bytes M`, `counter name "c"`. */
  private counter(value: JsonNode, n: JsonNode): Statement {
    const what = '"counter" statement';
    const base = { span: n.span };
    if (value.type === 'null') return { ...base, kind: 'counter' };
    if (value.type === 'string') return { ...base, kind: 'counter', name: value.value as string };
    const o = asObject(value, what);
    if (o.members.length === 1 && !['packets', 'bytes'].includes(o.members[0]!.key)) {
      return this.other(
        'counter',
        ['name', ...this.split(this.text(this.exprs.read(o, STRING_TYPE)))],
        n,
      );
    }
    const packets = optNum(o, 'packets', what);
    const bytes = optNum(o, 'bytes', what);
    if (packets === undefined && bytes === undefined) return { ...base, kind: 'counter' };
    return { ...base, kind: 'counter', packets: packets ?? 0, bytes: bytes ?? 0 };
  }

  /** `ct count [over] N`. */
  private ctCount(value: JsonNode, n: JsonNode): Statement {
    const what = '"ct count" statement';
    const o = asObject(value, what);
    const val = num(required(o, 'val', what), `${what} "val"`);
    return this.other('ct count', [...(optBool(o, 'inv', what) ? ['over'] : []), String(val)], n);
  }

  /** `dup to ADDR [device DEV]`. */
  private dup(value: JsonNode, n: JsonNode): Statement {
    const what = '"dup" statement';
    if (value.type === 'null') return this.other('dup', [], n);
    const o = asObject(value, what);
    // In a netdev table `dup to "eth0"` names a device; elsewhere an address.
    const addrType = this.ctx.family === 'netdev' ? DEVICE : PLAIN;
    const args = [
      'to',
      ...this.split(this.text(this.exprs.read(required(o, 'addr', what), addrType))),
    ];
    const dev = optional(o, 'dev');
    if (dev !== undefined)
      args.push('device', ...this.split(this.text(this.exprs.read(dev, STRING_TYPE))));
    return this.other('dup', args, n);
  }

  /** `fwd to DEV`, `fwd ip to ADDR device DEV`. */
  private fwd(value: JsonNode, n: JsonNode): Statement {
    const what = '"fwd" statement';
    const o = asObject(value, what);
    const dev = this.split(this.text(this.exprs.read(required(o, 'dev', what), STRING_TYPE)));
    const addr = optional(o, 'addr');
    if (addr === undefined) return this.other('fwd', ['to', ...dev], n);
    const family = reqStr(o, 'family', what);
    return this.other(
      'fwd',
      [family, 'to', ...this.split(this.text(this.exprs.read(addr))), 'device', ...dev],
      n,
    );
  }

  /** `last used never`, `last used 1s`. */
  private last(value: JsonNode, n: JsonNode): Statement {
    const what = '"last" statement';
    // null: never used (listings print `last used never`; set declarations, which are
    // stateless, print plain `last` — see the set reader).
    if (value.type === 'null') return this.other('last', ['used', 'never'], n);
    const o = asObject(value, what);
    const used = optional(o, 'used');
    return this.other(
      'last',
      [
        'used',
        used === undefined ? 'never' : formatDuration(BigInt(intRaw(used, `${what} "used"`))),
      ],
      n,
    );
  }

  /** `meter NAME size N { key statement }`. */
  private meter(value: JsonNode, n: JsonNode): Statement {
    const what = '"meter" statement';
    const o = asObject(value, what);
    const name = optStr(o, 'name', what);
    const k = this.text(this.exprs.read(required(o, 'key', what)));
    const inner = this.read(required(o, 'stmt', what));
    const size = optNum(o, 'size', what);
    return this.other(
      'meter',
      [
        ...(name ? [name] : []),
        'size',
        String(size ?? 0),
        '{',
        ...this.split(k),
        ...this.split(printStatement(inner)),
        '}',
      ],
      n,
    );
  }

  /** An iptables-nft compat match or target, which nfwalk does not model. */
  private xt(value: JsonNode, n: JsonNode): Statement {
    const what = '"xt" statement';
    const base = { span: n.span };
    const o = asObject(value, what);
    const type = optStr(o, 'type', what) ?? 'match';
    const name = optStr(o, 'name', what) ?? '?';
    return {
      ...base,
      kind: 'unsupported',
      what: `xt ${type} "${name}" (iptables-nft compat extension)`,
    };
  }

  private match(o: JsonObject, n: JsonNode): MatchStmt {
    const what = '"match" statement';
    const opNode = required(o, 'op', what);
    const opText = str(opNode, `${what} "op"`);
    const op = OPS[opText];
    if (op === undefined)
      throw new SchemaError(`${what}: unknown operator "${opText}"`, opNode.span);
    let left = this.exprs.read(required(o, 'left', what));
    if (left.kind === 'concat') {
      // A constant inside a concatenated key (`ip daddr . "lo"`) is an interface name or a
      // string: nft quotes it.
      left.parts = left.parts.map((p) =>
        p.kind === 'value' && !/^[0-9]/.test(p.text) ? { ...p, quoted: true } : p,
      );
    }
    const rightNode = required(o, 'right', what);
    if (left.kind === 'fib' && left.result === 'oif' && rightNode.type === 'boolean')
      left = { ...left, result: 'check' };
    // `{"&": [tcp flags, ["syn", "ack"]]} == "syn"`: the flag-mask form nft 1.0.x lists as
    // `tcp flags syn / syn,ack` (newer nft writes the mask as `{"|": […]}` and lists a binop).
    let mask: Expr | undefined;
    if (
      left.kind === 'binop' &&
      left.op === '&' &&
      left.right.kind === 'list' &&
      rightNode.type !== 'object'
    ) {
      mask = left.right;
      left = left.left;
    }
    const type = typeOf(left);
    // `exists`/`missing` (JSON true/false) is a symbol on the right of a match, as nft writes it.
    const right: Expr =
      rightNode.type === 'boolean'
        ? { kind: 'symbol', name: rightNode.value ? 'exists' : 'missing', span: rightNode.span }
        : this.exprs.read(rightNode, left.kind === 'map' ? PLAIN : type);
    const stmt: MatchStmt = {
      kind: 'match',
      left,
      op: op === 'in' ? '==' : op,
      right,
      span: n.span,
    };
    if (mask) {
      stmt.mask = mask;
      if (op === '==' || op === 'in') stmt.implicitOp = true;
    } else if (op === 'in') stmt.implicitOp = true;
    else if (op === '==') {
      // nft's must_print_eq_op: `==` is printed before a single bitmask value, and after a binop.
      const single = right.kind === 'value';
      if (!(single && type.bitmask) && left.kind !== 'binop') stmt.implicitOp = true;
    }
    return stmt;
  }

  private nat(type: NatStmt['type'], value: JsonNode, n: JsonNode): NatStmt {
    const stmt: NatStmt = { kind: 'nat', type, flags: [], span: n.span };
    if (value.type === 'null') return stmt;
    const what = `"${type}" statement`;
    const o = asObject(value, what);
    const family = optStr(o, 'family', what);
    if (family !== undefined) stmt.family = oneOf(family, ['ip', 'ip6'] as const, what, o);
    const addr = optional(o, 'addr');
    if (addr !== undefined) {
      stmt.addr = this.exprs.read(addr);
      if (stmt.addr.kind === 'map') {
        const m = stmt.addr.map;
        if (m.kind === 'set' && m.elements.some((el) => el.value?.kind === 'concat'))
          stmt.addrPortMap = true;
      }
    }
    const port = optional(o, 'port');
    if (port !== undefined) stmt.port = this.exprs.read(port);
    stmt.flags = strList(optional(o, 'flags'), `${what} flag`);
    if (strList(optional(o, 'type_flags'), `${what} type flag`).includes('prefix')) {
      stmt.prefix = true;
      // nft lists `snat ip prefix to …` without the netmap flag that `prefix` implies.
      stmt.flags = stmt.flags.filter((f) => f !== 'netmap');
    }
    return stmt;
  }

  private reject(value: JsonNode, n: JsonNode): RejectStmt {
    const stmt: RejectStmt = { kind: 'reject', span: n.span };
    if (value.type === 'null') return stmt;
    const what = '"reject" statement';
    const o = asObject(value, what);
    const type = optStr(o, 'type', what);
    const exprNode = optional(o, 'expr');
    const code = exprNode === undefined ? undefined : str(exprNode, `${what} "expr"`);
    if (type === undefined) return stmt;
    const t = oneOf(type, ['tcp reset', 'icmp', 'icmpv6', 'icmpx'] as const, what, o);
    if (t === 'tcp reset') {
      stmt.with = { type: t };
      return stmt;
    }
    // nft lists the default (port unreachable) as plain `reject`.
    if (code === undefined || code === 'port-unreachable' || code === 'no-port') return stmt;
    stmt.with = { type: t, code };
    return stmt;
  }

  private log(value: JsonNode, n: JsonNode): LogStmt {
    const stmt: LogStmt = { kind: 'log', options: [], span: n.span };
    if (value.type === 'null') return stmt;
    const what = '"log" statement';
    const o = asObject(value, what);
    const prefix = optStr(o, 'prefix', what);
    if (prefix !== undefined) stmt.options.push({ key: 'prefix', value: prefix });
    for (const k of ['group', 'snaplen', 'queue-threshold']) {
      const v = optNum(o, k, what);
      if (v !== undefined) stmt.options.push({ key: k, value: String(v) });
    }
    const level = optStr(o, 'level', what);
    if (level !== undefined && level !== 'warn') stmt.options.push({ key: 'level', value: level });
    const flags = strList(optional(o, 'flags'), `${what} flag`);
    if (flags.includes('all')) stmt.options.push({ key: 'flags', value: 'all' });
    else {
      const tcp = ['sequence', 'options'].filter((f) => flags.includes(`tcp ${f}`));
      if (tcp.length > 0) stmt.options.push({ key: 'flags', value: `tcp ${tcp.join(',')}` });
      if (flags.includes('ip options')) stmt.options.push({ key: 'flags', value: 'ip options' });
      if (flags.includes('skuid')) stmt.options.push({ key: 'flags', value: 'skuid' });
      if (flags.includes('ether')) stmt.options.push({ key: 'flags', value: 'ether' });
    }
    return stmt;
  }

  private setOp(kind: 'set' | 'map', o: JsonObject, n: JsonNode): Statement {
    const what = `"${kind}" statement`;
    const opNode = required(o, 'op', what);
    const op = oneOf(
      str(opNode, `${what} "op"`),
      ['add', 'update', 'delete'] as const,
      what,
      opNode,
    );
    const ref = reqStr(o, kind, what);
    if (!ref.startsWith('@'))
      throw new SchemaError(`${what}: "${kind}" must be "@name"`, required(o, kind, what).span);
    const name = ref.slice(1);
    const types = this.ctx.setTypes(name);
    const elemNode = required(o, 'elem', what);
    // The element may carry a timeout, an expiry or a comment: read it as a set element.
    const [el] = this.exprs.elements(elemNode, types?.key ?? PLAIN, undefined);
    const statements = optional(o, 'stmt');
    const stmt: Statement = {
      kind: 'setop',
      op,
      set: name,
      key: el!.key,
      statements:
        statements === undefined
          ? []
          : asArray(statements, `${what} "stmt"`).items.map((s) => this.read(s)),
      span: n.span,
    };
    // As the nft front end keeps them: the element's timeout and expiry as leading statements.
    const options: Statement[] = [];
    if (el!.timeout !== undefined) options.push(this.other('timeout', [el!.timeout], elemNode));
    if (el!.expires !== undefined) options.push(this.other('expires', [el!.expires], elemNode));
    if (el!.comment !== undefined)
      options.push(this.other('comment', [JSON.stringify(el!.comment)], elemNode));
    stmt.statements.unshift(...options, ...(el!.statements ?? []));
    if (kind === 'map')
      stmt.data = this.exprs.read(required(o, 'data', what), types?.data ?? PLAIN);
    return stmt;
  }

  private limit(value: JsonNode, n: JsonNode): Statement {
    const what = '"limit" statement';
    if (value.type !== 'object') {
      return this.other(
        'limit',
        ['name', ...this.split(this.text(this.exprs.read(value, STRING_TYPE)))],
        n,
      );
    }
    const o = value;
    if (optional(o, 'rate') === undefined) {
      return this.other(
        'limit',
        ['name', ...this.split(this.text(this.exprs.read(o, STRING_TYPE)))],
        n,
      );
    }
    return this.other('limit', limitWords(o, what, this.ctx.legacy), n);
  }

  private quota(value: JsonNode, n: JsonNode): Statement {
    const what = '"quota" statement';
    if (value.type !== 'object' || optional(value, 'val') === undefined) {
      return this.other(
        'quota',
        ['name', ...this.split(this.text(this.exprs.read(value, STRING_TYPE)))],
        n,
      );
    }
    return this.other('quota', quotaWords(value, what), n);
  }

  private queue(o: JsonObject, n: JsonNode): Statement {
    const what = '"queue" statement';
    const args: string[] = [];
    const flags = strList(optional(o, 'flags'), `${what} flag`);
    const known = ['bypass', 'fanout'].filter((f) => flags.includes(f));
    if (known.length > 0) args.push('flags', known.join(','));
    const numNode = optional(o, 'num');
    args.push(
      'to',
      ...(numNode === undefined ? ['0'] : this.split(this.text(this.exprs.read(numNode)))),
    );
    return this.other('queue', args, n);
  }

  private tproxy(o: JsonObject, n: JsonNode): Statement {
    const what = '"tproxy" statement';
    const args: string[] = [];
    const family = optStr(o, 'family', what);
    if (family !== undefined && this.ctx.family === 'inet') args.push(family);
    args.push('to');
    const addrNode = optional(o, 'addr');
    const portNode = optional(o, 'port');
    let dest = '';
    if (addrNode !== undefined) {
      const addr = this.exprs.read(addrNode);
      const t = this.text(addr);
      dest = addr.kind === 'value' && t.includes(':') ? `[${t}]` : t;
    }
    if (portNode !== undefined) dest += `:${this.text(this.exprs.read(portNode))}`;
    args.push(dest);
    return this.other('tproxy', args, n);
  }

  private synproxy(value: JsonNode, n: JsonNode): Statement {
    const what = '"synproxy" statement';
    if (value.type === 'null') return this.other('synproxy', [], n);
    if (
      value.type !== 'object' ||
      !value.members.every((m) => ['mss', 'wscale', 'flags'].includes(m.key))
    ) {
      return this.other(
        'synproxy',
        ['name', ...this.split(this.text(this.exprs.read(value, STRING_TYPE)))],
        n,
      );
    }
    return this.other('synproxy', synproxyWords(value, what), n);
  }
}

/** `rate [over] 10/second burst 5 packets`, `rate over 1 mbytes/second [burst 2 kbytes]`. */
export function limitWords(o: JsonObject, what: string, legacy = false): string[] {
  const rate = intRaw(required(o, 'rate', what), `${what} "rate"`);
  const per = optStr(o, 'per', what) ?? 'second';
  const rateUnit = optStr(o, 'rate_unit', what) ?? 'packets';
  const burstNode = optional(o, 'burst');
  const burst = burstNode === undefined ? '0' : intRaw(burstNode, `${what} "burst"`);
  const words = ['rate'];
  if (optBool(o, 'inv', what)) words.push('over');
  if (rateUnit === 'packets') {
    words.push(`${rate}/${per}`);
    // nft < 1.1 leaves out the default burst (seen with 1.0.6); current nft always prints it.
    if (!legacy || (burst !== '5' && burst !== '0')) words.push('burst', burst, 'packets');
  } else {
    words.push(rate, `${rateUnit}/${per}`);
    if (burst !== '0') words.push('burst', burst, optStr(o, 'burst_unit', what) ?? 'bytes');
  }
  return words;
}

/** `[over] 500 bytes [used 10 kbytes]`. */
export function quotaWords(o: JsonObject, what: string): string[] {
  const words: string[] = [];
  if (optBool(o, 'inv', what)) words.push('over');
  words.push(
    intRaw(required(o, 'val', what), `${what} "val"`),
    optStr(o, 'val_unit', what) ?? 'bytes',
  );
  const used = optional(o, 'used');
  if (used !== undefined && intRaw(used, `${what} "used"`) !== '0') {
    words.push('used', intRaw(used, `${what} "used"`), optStr(o, 'used_unit', what) ?? 'bytes');
  }
  return words;
}

/** `mss 1460 wscale 7 timestamp sack-perm`. */
export function synproxyWords(o: JsonObject, what: string): string[] {
  const words: string[] = [];
  const mss = optNum(o, 'mss', what);
  const wscale = optNum(o, 'wscale', what);
  if (mss !== undefined) words.push('mss', String(mss));
  if (wscale !== undefined) words.push('wscale', String(wscale));
  const flags = strList(optional(o, 'flags'), `${what} flag`);
  if (flags.includes('timestamp')) words.push('timestamp');
  if (flags.includes('sack-perm')) words.push('sack-perm');
  return words;
}
