/**
 * Prints the ruleset model as canonical `nft list ruleset` text: tabs, tables in order, inside
 * a table objects, then sets and maps, then flowtables, then chains, a blank line between
 * them (nft's src/rule.c table_print), set elements wrapped as nft's calculate_delim does.
 */
import type {
  Chain,
  Expr,
  Family,
  Flowtable,
  NamedSet,
  Rule,
  Ruleset,
  SetElement,
  StatefulObject,
  Statement,
  Table,
  TypeSpec,
  Verdict,
} from './model.ts';

export interface PrintOptions {
  /** Print `# handle N` after tables, chains, sets and rules that have one (`nft -a`). */
  handles?: boolean;
}

/**
 * The reject a family's plain `reject` sends: nft lists `reject with icmp port-unreachable`
 * in an ip table (and `icmp type 3`, the pre-1.0 spelling) as `reject`, and so on (checked on
 * nft 1.0.6 with `nft list ruleset`).
 */
const DEFAULT_REJECT: Partial<Record<Family, { type: string; codes: string[] }>> = {
  ip: { type: 'icmp', codes: ['port-unreachable', '3'] },
  ip6: { type: 'icmpv6', codes: ['port-unreachable', '4'] },
  inet: { type: 'icmpx', codes: ['port-unreachable', '1'] },
  bridge: { type: 'icmpx', codes: ['port-unreachable', '1'] },
  netdev: { type: 'icmpx', codes: ['port-unreachable', '1'] },
};

const BINOP_PREC: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4 };

function quote(s: string): string {
  return `"${s}"`;
}

export function printVerdict(v: Verdict, indent = 2): string {
  if (v.binding) {
    const tabs = '\t'.repeat(indent);
    const rules = v.binding.map((r) => `${tabs}\t${printRule(r, indent + 1)}\n`).join('');
    return `${v.kind} {\n${rules}${tabs}}`;
  }
  return v.target !== undefined ? `${v.kind} ${v.target}` : v.kind;
}

/** One element of a set literal. */
function printElement(el: SetElement): string {
  let s = printExpr(el.key);
  if (el.timeout !== undefined) s += ` timeout ${el.timeout}`;
  if (el.expires !== undefined) s += ` expires ${el.expires}`;
  for (const st of el.statements ?? []) s += ` ${printStatement(st)}`;
  if (el.comment !== undefined) s += ` comment ${quote(el.comment)}`;
  if (el.value) s += ` : ${printExpr(el.value)}`;
  return s;
}

export function printExpr(e: Expr, parentPrec = 0): string {
  switch (e.kind) {
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'raw':
      return `@${e.base},${e.offset},${e.length}`;
    case 'meta':
      return e.short ? e.key : `meta ${e.key}`;
    case 'ct':
      return ['ct', e.dir, e.family, e.key].filter((x) => x !== undefined).join(' ');
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'rt':
      return ['rt', e.family, e.key].filter((x) => x !== undefined).join(' ');
    case 'socket':
    case 'osf':
    case 'ipsec':
    case 'tunnel':
    case 'xfrm':
      return `${e.kind} ${e.words.join(' ')}`;
    case 'numgen':
      return `numgen ${e.mode} mod ${e.mod}${e.offset !== undefined ? ` offset ${e.offset}` : ''}`;
    case 'hash': {
      let s = e.fn;
      if (e.expr) s += ` ${printExpr(e.expr)}`;
      s += ` mod ${e.mod}`;
      if (e.seed !== undefined) s += ` seed ${e.seed}`;
      if (e.offset !== undefined) s += ` offset ${e.offset}`;
      return s;
    }
    case 'value':
      return e.quoted ? quote(e.text) : e.text;
    case 'variable':
      return `$${e.name}`;
    case 'prefix':
      return `${printExpr(e.expr)}/${e.length}`;
    case 'range':
      return `${printExpr(e.low)}-${printExpr(e.high)}`;
    case 'list':
      return e.items.map((x) => printExpr(x)).join(',');
    case 'set':
      return `{ ${e.elements.map(printElement).join(', ')} }`;
    case 'setref':
      return `@${e.name}`;
    case 'concat':
      return e.parts.map((x) => printExpr(x)).join(' . ');
    case 'binop': {
      const p = BINOP_PREC[e.op] ?? 0;
      const s = `${printExpr(e.left, p)} ${e.op} ${printExpr(e.right, p + 1)}`;
      return parentPrec > p ? `(${s})` : s;
    }
    case 'map':
      return `${printExpr(e.key)} map ${printExpr(e.map)}`;
    case 'verdict':
      return printVerdict(e.verdict);
    case 'symbol':
      return e.name;
  }
}

function printNatTarget(addr: Expr | undefined, port: Expr | undefined): string {
  if (!addr) return port ? `:${printExpr(port)}` : '';
  let a = printExpr(addr);
  if (port) {
    const v6 =
      (addr.kind === 'value' && addr.text.includes(':')) ||
      (addr.kind === 'range' && addr.low.kind === 'value' && addr.low.text.includes(':'));
    if (v6) {
      a = addr.kind === 'range' ? `[${printExpr(addr.low)}]-[${printExpr(addr.high)}]` : `[${a}]`;
    }
    return `${a}:${printExpr(port)}`;
  }
  return a;
}

/** `family`: the table's, when known; nft lists a family's default reject as plain `reject`. */
export function printStatement(s: Statement, indent = 2, family?: Family): string {
  switch (s.kind) {
    case 'match': {
      const op = s.implicitOp ? ' ' : ` ${s.op} `;
      const mask = s.mask ? ` / ${printExpr(s.mask)}` : '';
      return `${printExpr(s.left)}${op}${printExpr(s.right)}${mask}`;
    }
    case 'verdict':
      return printVerdict(s.verdict, indent);
    case 'vmap':
      return `${printExpr(s.key)} vmap ${printExpr(s.map)}`;
    case 'counter': {
      if (s.name !== undefined) return `counter name ${quote(s.name)}`;
      let t = 'counter';
      if (s.packets !== undefined) t += ` packets ${s.packets}`;
      if (s.bytes !== undefined) t += ` bytes ${s.bytes}`;
      return t;
    }
    case 'nat': {
      let t: string = s.type;
      if (s.family) t += ` ${s.family}`;
      if (s.prefix) t += ' prefix';
      if (s.addr || s.port) t += ` to ${printNatTarget(s.addr, s.port)}`;
      if (s.flags.length > 0) t += ` ${s.flags.join(',')}`;
      return t;
    }
    case 'reject': {
      if (!s.with) return 'reject';
      if (s.with.type === 'tcp reset') return 'reject with tcp reset';
      const dflt = family ? DEFAULT_REJECT[family] : undefined;
      if (dflt && s.with.type === dflt.type && dflt.codes.includes(s.with.code ?? ''))
        return 'reject';
      return `reject with ${s.with.type}${s.with.code !== undefined ? ` ${s.with.code}` : ''}`;
    }
    case 'log': {
      let t = 'log';
      for (const o of s.options) t += ` ${o.key} ${o.key === 'prefix' ? quote(o.value) : o.value}`;
      return t;
    }
    case 'mangle':
      return `${printExpr(s.target)} set ${printExpr(s.value)}`;
    case 'notrack':
      return 'notrack';
    case 'setop': {
      const stmts = s.statements.map((x) => ` ${printStatement(x)}`).join('');
      const data = s.data ? ` : ${printExpr(s.data)}` : '';
      return `${s.op} @${s.set} { ${printExpr(s.key)}${stmts}${data} }`;
    }
    case 'other':
      return s.args.length > 0 ? `${s.keyword} ${s.args.join(' ')}` : s.keyword;
    case 'unsupported':
      return s.text ?? s.what;
  }
}

export function printRule(r: Rule, indent = 2, family?: Family): string {
  let t = r.statements.map((s) => printStatement(s, indent, family)).join(' ');
  if (r.comment !== undefined) t += ` comment ${quote(r.comment)}`;
  return t;
}

function printTypeSpec(t: TypeSpec): string {
  return t.form === 'type' ? t.names.join(' . ') : t.exprs.map((x) => printExpr(x)).join(' . ');
}

/** nft's calculate_delim: how many elements share a line in a named set's listing. */
function elementsPerLine(set: NamedSet): number {
  if (set.kind === 'map') return 1;
  if (set.elements.some((e) => (e.statements?.length ?? 0) > 0)) return 1;
  let typeName: string | undefined;
  if (set.key.form === 'type') {
    if (set.key.names.length !== 1) return 1;
    typeName = set.key.names[0];
  } else {
    if (set.key.exprs.length !== 1) return 1;
    typeName = typeofDatatype(set.key.exprs[0] as Expr);
  }
  switch (typeName) {
    case 'nf_proto':
    case 'integer':
    case 'arp_op':
    case 'inet_proto':
    case 'inet_service':
    case 'tcp_flag':
    case 'dccp_pkttype':
    case 'mark':
    case 'iface_index':
    case 'classid':
    case 'uid':
    case 'gid':
    case 'ct_dir':
      return 5;
    case 'ipv4_addr':
    case 'ct_state':
    case 'ct_status':
    case 'pkt_type':
      return 2;
    default:
      return 1;
  }
}

/** The datatype nft gives a `typeof` expression, for the element layout only. */
function typeofDatatype(e: Expr): string | undefined {
  if (e.kind === 'payload') {
    if (e.field === 'saddr' || e.field === 'daddr') {
      if (e.protocol === 'ip') return 'ipv4_addr';
      return e.protocol === 'ip6' ? 'ipv6_addr' : undefined;
    }
    if (e.field === 'sport' || e.field === 'dport') return 'inet_service';
    if (e.field === 'protocol' || e.field === 'nexthdr') return 'inet_proto';
    if (e.protocol === 'tcp' && e.field === 'flags') return 'tcp_flag';
    if (['type', 'dscp', 'ecn', 'code', 'operation'].includes(e.field)) return undefined;
    return 'integer';
  }
  if (e.kind === 'meta') {
    switch (e.key) {
      case 'mark':
        return 'mark';
      case 'iif':
      case 'oif':
        return 'iface_index';
      case 'l4proto':
        return 'inet_proto';
      case 'nfproto':
        return 'nf_proto';
      case 'skuid':
        return 'uid';
      case 'skgid':
        return 'gid';
      case 'pkttype':
        return 'pkt_type';
      case 'priority':
        return 'classid';
      case 'length':
      case 'cpu':
      case 'ibrpvid':
      case 'iifgroup':
      case 'oifgroup':
      case 'cgroup':
        return 'integer';
      default:
        return undefined;
    }
  }
  if (e.kind === 'ct') {
    switch (e.key) {
      case 'state':
        return 'ct_state';
      case 'status':
        return 'ct_status';
      case 'mark':
        return 'mark';
      case 'direction':
        return 'ct_dir';
      case 'saddr':
      case 'daddr':
        return e.family === 'ip6' ? 'ipv6_addr' : 'ipv4_addr';
      case 'proto-src':
      case 'proto-dst':
        return 'inet_service';
      case 'zone':
      case 'bytes':
      case 'packets':
        return 'integer';
      default:
        return undefined;
    }
  }
  if (e.kind === 'raw') return 'integer';
  return undefined;
}

function printSetElements(set: NamedSet): string {
  const perLine = elementsPerLine(set);
  let out = '{ ';
  set.elements.forEach((el, i) => {
    if (i > 0) out += i % perLine === 0 ? ',\n\t\t\t     ' : ', ';
    out += printElement(el);
  });
  return `${out} }`;
}

function handleSuffix(h: number | undefined, opts: PrintOptions): string {
  return opts.handles && h !== undefined ? ` # handle ${h}` : '';
}

export function printSet(set: NamedSet, opts: PrintOptions = {}): string {
  let out = `\t${set.kind} ${set.name} {${handleSuffix(set.handle, opts)}\n`;
  let type = `\t\t${set.key.form} ${printTypeSpec(set.key)}`;
  if (set.data) type += ` : ${set.data.interval ? 'interval ' : ''}${printTypeSpec(set.data)}`;
  out += `${type}\n`;
  if (set.policy !== undefined) out += `\t\tpolicy ${set.policy}\n`;
  if (set.size !== undefined) {
    out += `\t\tsize ${set.size}${set.count !== undefined ? `\t# count ${set.count}` : ''}\n`;
  }
  if (set.flags.length > 0) out += `\t\tflags ${set.flags.join(',')}\n`;
  if (set.statements && set.statements.length > 0) {
    out += `\t\t${set.statements.map((s) => printStatement(s)).join(' ')}\n`;
  }
  if (set.timeout !== undefined) out += `\t\ttimeout ${set.timeout}\n`;
  if (set.gcInterval !== undefined) out += `\t\tgc-interval ${set.gcInterval}\n`;
  if (set.autoMerge) out += '\t\tauto-merge\n';
  if (set.comment !== undefined) out += `\t\tcomment ${quote(set.comment)}\n`;
  if (set.elements.length > 0) out += `\t\telements = ${printSetElements(set)}\n`;
  return `${out}\t}\n`;
}

export function printObject(o: StatefulObject, opts: PrintOptions = {}): string {
  let out = `\t${o.type} ${o.name} {${handleSuffix(o.handle, opts)}\n`;
  if (o.comment !== undefined) out += `\t\tcomment ${quote(o.comment)}\n`;
  let depth = 2;
  for (const line of o.body) {
    if (line.length === 1 && line[0] === '}') depth = Math.max(2, depth - 1);
    out += `${'\t'.repeat(depth)}${line.join(' ')}\n`;
    if (line[line.length - 1] === '{') depth++;
  }
  return `${out}\t}\n`;
}

export function printFlowtable(f: Flowtable, opts: PrintOptions = {}): string {
  let out = `\tflowtable ${f.name} {${handleSuffix(f.handle, opts)}\n`;
  out += `\t\thook ${f.hook} priority ${f.priority.text}\n`;
  if (f.devices.length > 0) out += `\t\tdevices = { ${f.devices.map(quote).join(', ')} }\n`;
  if (f.flags && f.flags.length > 0) out += `\t\tflags ${f.flags.join(',')}\n`;
  if (f.counter) out += '\t\tcounter\n';
  return `${out}\t}\n`;
}

export function printChain(c: Chain, opts: PrintOptions = {}, family?: Family): string {
  let out = `\tchain ${c.name} {${handleSuffix(c.handle, opts)}`;
  if (c.comment !== undefined) out += `\n\t\tcomment ${quote(c.comment)}`;
  out += '\n';
  if (c.base) {
    const b = c.base;
    let line = `\t\ttype ${b.type} hook ${b.hook}`;
    if (b.devices.length === 1 && !b.devicesSet) line += ` device ${quote(b.devices[0] as string)}`;
    else if (b.devices.length > 0) line += ` devices = { ${b.devices.map(quote).join(', ')} }`;
    line += ` priority ${b.priority.text};`;
    line += ` policy ${c.policy ?? 'accept'};`;
    if (c.flags && c.flags.length > 0) line += ` flags ${c.flags.join(',')};`;
    out += `${line}\n`;
  } else if (c.flags && c.flags.length > 0) out += `\t\tflags ${c.flags.join(',')}\n`;
  for (const r of c.rules) out += `\t\t${printRule(r, 2, family)}${handleSuffix(r.handle, opts)}\n`;
  return `${out}\t}\n`;
}

export function printTable(t: Table, opts: PrintOptions = {}): string {
  let out = `table ${t.family} ${t.name} {${handleSuffix(t.handle, opts)}\n`;
  if (t.comment !== undefined) out += `\tcomment ${quote(t.comment)}\n`;
  if (t.flags.length > 0) out += `\tflags ${t.flags.join(',')}\n`;
  const parts: string[] = [
    ...t.objects.map((o) => printObject(o, opts)),
    ...t.sets.map((s) => printSet(s, opts)),
    ...t.flowtables.map((f) => printFlowtable(f, opts)),
    ...t.chains.map((c) => printChain(c, opts, t.family)),
  ];
  if (t.flags.length > 0 && parts.length > 0) out += '\n';
  out += parts.join('\n');
  return `${out}}\n`;
}

/** The whole ruleset as `nft list ruleset` prints it. */
export function printRuleset(rs: Ruleset, opts: PrintOptions = {}): string {
  return rs.tables.map((t) => printTable(t, opts)).join('');
}
