/**
 * iptables matches (`-m NAME --option …`, and the protocol match `-p tcp` loads) translated
 * into model statements the way iptables-translate writes them in nft syntax, so the
 * simulator evaluates them as nft rules. A match nfwalk cannot express faithfully becomes an
 * UnsupportedStmt naming it, and the simulator stops there.
 */
import type { Expr, MatchStmt, Span, Statement, UnsupportedStmt } from '../model.ts';
import {
  arg,
  fail,
  type IpFamily,
  type ModuleUse,
  type OptionUse,
  optionSpan,
  type RuleContext,
  span,
} from './context.ts';
import {
  addressMatch,
  binop,
  ct,
  flagList,
  hex,
  match,
  meta,
  oneOrSet,
  parseAddressRange,
  parseNumber,
  parseNumberRange,
  parsePortRange,
  parseValueMask,
  payload,
  value,
} from './exprs.ts';
import {
  IPTABLES_ICMP,
  IPTABLES_ICMPV6,
  NFT_ICMP_TYPE,
  NFT_ICMPV6_TYPE,
  parseIcmpType,
} from './icmp.ts';
import { protocolName, protocolNumber } from './protocols.ts';

export interface ModuleDef {
  /** Option name → number of arguments. */
  options: Record<string, number>;
  /** Other spellings of options → the name in `options`. */
  aliases?: Record<string, string>;
  translate(use: ModuleUse, ctx: RuleContext): Statement[];
}

/** The name the option goes by in the module, or undefined when the module has no such option. */
export function optionName(def: ModuleDef, name: string): string | undefined {
  if (Object.hasOwn(def.options, name)) return name;
  const alias = def.aliases?.[name];
  if (alias !== undefined && Object.hasOwn(def.options, alias)) return alias;
  // getopt_long, which iptables uses, accepts an unambiguous prefix of a long option.
  if (!name.startsWith('--') || name.length < 4) return undefined;
  const names = [...Object.keys(def.options), ...Object.keys(def.aliases ?? {})];
  const hits = new Set(
    names
      .filter((n) => n.startsWith(name))
      .map((n) => (Object.hasOwn(def.options, n) ? n : def.aliases![n]!)),
  );
  return hits.size === 1 ? [...hits][0] : undefined;
}

export function unsupported(what: string, sp: Span): UnsupportedStmt {
  return { kind: 'unsupported', what, span: sp };
}

const ipPayload = (ctx: RuleContext, field: string) =>
  payload(ctx.family === 'ip' ? 'ip' : 'ip6', field);

function noNegation(use: OptionUse): void {
  if (use.negated) fail(`${use.name} cannot be negated`, use.first);
}

function listArg(use: OptionUse): string[] {
  const w = arg(use);
  const items = w.text.split(',');
  if (items.some((s) => s === '')) fail(`empty item in list "${w.text}"`, w);
  return items;
}

/** The source text of a module use, for naming it in an unsupported statement. */
export function useText(use: ModuleUse, ctx: RuleContext): string {
  const last = use.options.at(-1)?.last ?? use.word;
  return ctx.line.text.slice(use.word.start, last.end);
}

export function useSpan(use: ModuleUse, ctx: RuleContext): Span {
  return span(ctx, use.word, use.options.at(-1)?.last ?? use.word);
}

// ---------------------------------------------------------------------------------------------
// Protocol matches: tcp, udp, sctp, icmp, icmp6

const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg'] as const;

function tcpFlags(use: OptionUse, i: number): string[] {
  const w = arg(use, i);
  const names = w.text.toLowerCase().split(',');
  if (names.length === 1 && names[0] === 'all') return [...TCP_FLAGS];
  if (names.length === 1 && names[0] === 'none') return [];
  for (const n of names) {
    if (!(TCP_FLAGS as readonly string[]).includes(n)) {
      fail(`unknown TCP flag "${n}" (FIN, SYN, RST, PSH, ACK, URG, ALL, NONE)`, w);
    }
  }
  return TCP_FLAGS.filter((f) => names.includes(f));
}

/** `tcp flags comp / mask`: (flags & mask) == comp. */
function tcpFlagsMatch(comp: string[], mask: string[], negated: boolean, sp: Span): MatchStmt {
  const right = comp.length === 0 ? value('0x0') : flagList(comp);
  return {
    kind: 'match',
    left: payload('tcp', 'flags'),
    op: negated ? '!=' : '==',
    ...(negated ? {} : { implicitOp: true }),
    right,
    mask: flagList(mask),
    span: sp,
  };
}

const TCP_OPTION_NAMES: Record<string, string> = {
  '0': 'eol',
  '1': 'nop',
  '2': 'maxseg',
  '3': 'window',
  '4': 'sack-perm',
  '5': 'sack',
  '8': 'timestamp',
};

/** The order iptables-nft stores the tcp/udp match's parts in (flags first, then ports). */
const PORT_MATCH_ORDER = ['--tcp-flags', '--syn', '--sport', '--dport', '--tcp-option'];

function portOptions(proto: string): ModuleDef['translate'] {
  return (use, ctx) => {
    const out: Statement[] = [];
    const ordered = [...use.options].sort(
      (a, b) => PORT_MATCH_ORDER.indexOf(a.name) - PORT_MATCH_ORDER.indexOf(b.name),
    );
    for (const o of ordered) {
      const sp = optionSpan(ctx, o);
      switch (o.name) {
        case '--sport':
        case '--dport': {
          const field = o.name === '--sport' ? 'sport' : 'dport';
          const ports = parsePortRange(arg(o));
          if (ports.kind === 'range' && ports.low.kind === 'value' && ports.low.text === '0') {
            // iptables-nft stores `:1023` as `<= 1023`.
            out.push(
              match(payload(proto, field), ports.high, o.negated, sp, o.negated ? '>' : '<='),
            );
          } else {
            out.push(match(payload(proto, field), ports, o.negated, sp));
          }
          break;
        }
        case '--tcp-flags':
          out.push(tcpFlagsMatch(tcpFlags(o, 1), tcpFlags(o, 0), o.negated, sp));
          break;
        case '--syn':
          out.push(tcpFlagsMatch(['syn'], ['fin', 'syn', 'rst', 'ack'], o.negated, sp));
          break;
        case '--tcp-option': {
          const n = String(parseNumber(arg(o), arg(o).text, 255));
          const field = TCP_OPTION_NAMES[n] ?? n;
          out.push({
            kind: 'match',
            left: { kind: 'payload', protocol: 'tcp option', field, exthdr: true },
            op: '==',
            implicitOp: true,
            right: { kind: 'symbol', name: o.negated ? 'missing' : 'exists' },
            span: sp,
          });
          break;
        }
        default:
          out.push(unsupported(`${proto} ${o.name}`, sp));
      }
    }
    return out;
  };
}

const PORT_OPTS = { '--sport': 1, '--dport': 1 };
const PORT_ALIASES = { '--source-port': '--sport', '--destination-port': '--dport' };

function icmpMatch(use: OptionUse, ctx: RuleContext, proto: 'icmp' | 'icmpv6'): Statement[] {
  const w = arg(use);
  const names = proto === 'icmp' ? IPTABLES_ICMP : IPTABLES_ICMPV6;
  const nftNames = proto === 'icmp' ? NFT_ICMP_TYPE : NFT_ICMPV6_TYPE;
  const tc = parseIcmpType(w.text, names);
  if (tc === undefined) fail(`unknown ${proto === 'icmp' ? 'ICMP' : 'ICMPv6'} type "${w.text}"`, w);
  if (tc === null) return []; // `any`: only the protocol, which -p already tests
  const sp = optionSpan(ctx, use);
  const typeExpr = value(nftNames[tc.type] ?? String(tc.type));
  if (tc.code === undefined) return [match(payload(proto, 'type'), typeExpr, use.negated, sp)];
  const codeExpr = value(String(tc.code));
  if (!use.negated) {
    return [
      match(payload(proto, 'type'), typeExpr, false, sp),
      match(payload(proto, 'code'), codeExpr, false, sp),
    ];
  }
  // Not (type and code): one comparison of the pair.
  return [
    match(
      { kind: 'concat', parts: [payload(proto, 'type'), payload(proto, 'code')] },
      { kind: 'concat', parts: [typeExpr, codeExpr] },
      true,
      sp,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// conntrack and state

const CT_STATES = ['invalid', 'established', 'new', 'related', 'untracked'];
const CT_STATUS: Record<string, string> = {
  expected: 'expected',
  seen_reply: 'seen-reply',
  assured: 'assured',
  confirmed: 'confirmed',
};

/**
 * A flag-list match. Positive: the flag test (any of the flags set). Negated: none of them
 * set. For ct state (exactly one bit is ever set) that is `!=` the value or the set; for
 * multi-bit fields it is `(field & flags) == 0`, as nft's `!=` on a list compares the whole value.
 */
function flagsMatch(
  left: Expr,
  names: string[],
  negated: boolean,
  sp: Span,
  singleBit: boolean,
): MatchStmt {
  if (!negated) return match(left, flagList(names), false, sp);
  if (singleBit) return match(left, oneOrSet(names.map((n) => value(n))), true, sp);
  let mask: Expr = value(names[0]!);
  for (const n of names.slice(1)) mask = binop('|', mask, value(n));
  return match(binop('&', left, mask), value('0x0'), false, sp, '==');
}

function ctStateMatch(o: OptionUse, ctx: RuleContext, allowNat: boolean): Statement[] {
  const sp = optionSpan(ctx, o);
  const names = listArg(o).map((s) => s.toLowerCase());
  const states = names.filter((n) => CT_STATES.includes(n));
  const nat = names.filter((n) => n === 'snat' || n === 'dnat');
  const bad = names.find(
    (n) => !CT_STATES.includes(n) && !(allowNat && (n === 'snat' || n === 'dnat')),
  );
  if (bad) fail(`unknown conntrack state "${bad}"`, arg(o));
  const out: Statement[] = [];
  if (states.length > 0 && nat.length > 0 && !o.negated) {
    // xt_conntrack ORs the state bit and the SNAT/DNAT status bits: nft has no single
    // expression for "state X or status Y". (Negated, it is "neither", two matches.)
    return [unsupported(`conntrack ${o.name} mixing states with SNAT/DNAT`, sp)];
  }
  if (states.length > 0) out.push(flagsMatch(ct('state'), states, o.negated, sp, true));
  if (nat.length > 0) out.push(flagsMatch(ct('status'), nat, o.negated, sp, false));
  return out;
}

/** The order libxt_conntrack's translation writes the options in. */
const CONNTRACK_ORDER = [
  '--ctdir',
  '--ctproto',
  '--ctstate',
  '--ctstatus',
  '--ctexpire',
  '--ctorigsrc',
  '--ctorigdst',
  '--ctreplsrc',
  '--ctrepldst',
  '--ctorigsrcport',
  '--ctorigdstport',
  '--ctreplsrcport',
  '--ctrepldstport',
];

function conntrack(use: ModuleUse, ctx: RuleContext): Statement[] {
  const out: Statement[] = [];
  const ordered = [...use.options].sort(
    (a, b) => CONNTRACK_ORDER.indexOf(a.name) - CONNTRACK_ORDER.indexOf(b.name),
  );
  for (const o of ordered) {
    const sp = optionSpan(ctx, o);
    switch (o.name) {
      case '--ctstate':
        out.push(...ctStateMatch(o, ctx, true));
        break;
      case '--ctstatus': {
        const names = listArg(o).map((s) => s.toLowerCase());
        if (names.includes('none')) {
          out.push(unsupported('conntrack --ctstatus NONE', sp));
          break;
        }
        const mapped = names.map(
          (n) => CT_STATUS[n] ?? fail(`unknown conntrack status "${n}"`, arg(o)),
        );
        out.push(flagsMatch(ct('status'), mapped, o.negated, sp, false));
        break;
      }
      case '--ctproto': {
        // ct original protocol is a number (nft lists `ct original protocol 17`).
        const proto = protocolNumber(protocolName(arg(o).text.toLowerCase()));
        out.push(match(ct('protocol', 'original'), value(proto), o.negated, sp));
        break;
      }
      case '--ctorigsrc':
      case '--ctorigdst':
      case '--ctreplsrc':
      case '--ctrepldst': {
        const dir = o.name.startsWith('--ctorig') ? 'original' : 'reply';
        const field = o.name.endsWith('src') ? 'saddr' : 'daddr';
        out.push(addressMatch(ct(field, dir), arg(o), ctx.family, o.negated, sp));
        break;
      }
      case '--ctorigsrcport':
      case '--ctorigdstport':
      case '--ctreplsrcport':
      case '--ctrepldstport': {
        const dir = o.name.startsWith('--ctorig') ? 'original' : 'reply';
        const field = o.name.includes('src') ? 'proto-src' : 'proto-dst';
        out.push(match(ct(field, dir), parsePortRange(arg(o)), o.negated, sp));
        break;
      }
      case '--ctdir': {
        const d = arg(o).text.toLowerCase();
        if (d !== 'original' && d !== 'reply') fail(`--ctdir is ORIGINAL or REPLY`, arg(o));
        out.push(match(ct('direction'), value(d), o.negated, sp));
        break;
      }
      case '--ctexpire':
        out.push(match(ct('expiration'), parseNumberRange(arg(o), 0xffffffff), o.negated, sp));
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// addrtype

const ADDR_TYPES = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
];

function addrtype(use: ModuleUse, ctx: RuleContext): Statement[] {
  const iface = use.options.some((o) => o.name === '--limit-iface-in')
    ? 'iif'
    : use.options.some((o) => o.name === '--limit-iface-out')
      ? 'oif'
      : undefined;
  if (
    use.options.some((o) => o.name === '--limit-iface-in') &&
    use.options.some((o) => o.name === '--limit-iface-out')
  ) {
    fail('addrtype: --limit-iface-in and --limit-iface-out exclude each other', use.word);
  }
  const out: Statement[] = [];
  for (const o of use.options) {
    if (o.name !== '--src-type' && o.name !== '--dst-type') {
      noNegation(o);
      continue;
    }
    const types = listArg(o).map((t) => t.toLowerCase());
    for (const t of types) if (!ADDR_TYPES.includes(t)) fail(`unknown address type "${t}"`, arg(o));
    const flags = [o.name === '--src-type' ? 'saddr' : 'daddr'];
    if (iface) flags.push(iface);
    out.push(
      match(
        { kind: 'fib', flags, result: 'type' },
        oneOrSet(types.map((t) => value(t))),
        o.negated,
        optionSpan(ctx, o),
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small matches

function markMatch(left: Expr, o: OptionUse, ctx: RuleContext): Statement {
  const vm = parseValueMask(arg(o));
  const sp = optionSpan(ctx, o);
  if (vm.mask === undefined || vm.mask === 0xffffffff) {
    return match(left, value(hex(vm.value)), o.negated, sp);
  }
  return match(
    binop('&', left, value(hex(vm.mask))),
    value(hex(vm.value)),
    o.negated,
    sp,
    o.negated ? '!=' : '==',
  );
}

function multiport(use: ModuleUse, ctx: RuleContext): Statement[] {
  const p = ctx.protocol;
  const protos = ['tcp', 'udp', 'sctp', 'dccp', 'udplite'];
  if (!p || p.negated || !protos.includes(p.name)) {
    fail('multiport needs -p tcp, udp, sctp, dccp or udplite', use.word);
  }
  const out: Statement[] = [];
  for (const o of use.options) {
    const sp = optionSpan(ctx, o);
    const items = listArg(o).map((s) => parsePortRange(arg(o), s));
    if (o.name === '--ports') {
      // Either port: the pair (sport, dport) is in { any . p, p . any }.
      const any = { kind: 'range' as const, low: value('0'), high: value('65535') };
      const elements = items.flatMap((it) => [
        { key: { kind: 'concat' as const, parts: [any, it] } },
        { key: { kind: 'concat' as const, parts: [it, any] } },
      ]);
      out.push(
        match(
          { kind: 'concat', parts: [payload(p.name, 'sport'), payload(p.name, 'dport')] },
          { kind: 'set', elements },
          o.negated,
          sp,
        ),
      );
    } else {
      const field = o.name === '--sports' ? 'sport' : 'dport';
      out.push(match(payload(p.name, field), oneOrSet(items), o.negated, sp));
    }
  }
  return out;
}

const LIMIT_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

function limit(use: ModuleUse, ctx: RuleContext): Statement[] {
  let rate = '3/hour';
  let burst = '5';
  for (const o of use.options) {
    noNegation(o);
    if (o.name === '--limit') {
      const m = /^(\d+)\/([a-z]+)$/i.exec(arg(o).text);
      const unit = m ? LIMIT_UNITS[m[2]!.toLowerCase()[0]!] : undefined;
      if (!m || !unit || !`${unit}s`.startsWith(m[2]!.toLowerCase())) {
        fail(`bad rate "${arg(o).text}" (N/second, /minute, /hour or /day)`, arg(o));
      }
      rate = `${m[1]}/${unit}`;
    } else {
      burst = String(parseNumber(arg(o)));
    }
  }
  return [
    {
      kind: 'other',
      keyword: 'limit',
      // nft lists the burst only when it is not the default 5.
      args: burst === '5' ? ['rate', rate] : ['rate', rate, 'burst', burst, 'packets'],
      span: useSpan(use, ctx),
    },
  ];
}

const TOS_NAMES: Record<string, number> = {
  'minimize-delay': 0x10,
  'maximize-throughput': 0x08,
  'maximize-reliability': 0x04,
  'minimize-cost': 0x02,
  'normal-service': 0x00,
};

function tos(use: ModuleUse, ctx: RuleContext): Statement[] {
  return use.options.map((o) => {
    const w = arg(o);
    const named = TOS_NAMES[w.text.toLowerCase()];
    const vm = named !== undefined ? { value: named, mask: 0x3f } : parseValueMask(w);
    const mask = vm.mask ?? 0xff;
    // The TOS byte (traffic class in IPv6) has no nft field name: the raw bits of the header.
    const raw: Expr = { kind: 'raw', base: 'nh', offset: ctx.family === 'ip' ? 8 : 4, length: 8 };
    const left = mask === 0xff ? raw : binop('&', raw, value(hex(mask)));
    return match(
      left,
      value(hex(vm.value & mask)),
      o.negated,
      optionSpan(ctx, o),
      o.negated ? '!=' : '==',
    );
  });
}

const DSCP_CLASSES: Record<string, number> = {
  be: 0,
  ef: 46,
  ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`cs${i}`, i * 8])),
  ...Object.fromEntries(
    [1, 2, 3, 4].flatMap((c) => [1, 2, 3].map((d) => [`af${c}${d}`, c * 8 + d * 2])),
  ),
};

function dscp(use: ModuleUse, ctx: RuleContext): Statement[] {
  return use.options.map((o) => {
    const w = arg(o);
    const n =
      o.name === '--dscp-class'
        ? (DSCP_CLASSES[w.text.toLowerCase()] ?? fail(`unknown DSCP class "${w.text}"`, w))
        : parseNumber(w, w.text, 63);
    return match(ipPayload(ctx, 'dscp'), value(hex(n)), o.negated, optionSpan(ctx, o));
  });
}

function owner(use: ModuleUse, ctx: RuleContext): Statement[] {
  return use.options.map((o) => {
    const sp = optionSpan(ctx, o);
    if (o.name === '--uid-owner' || o.name === '--gid-owner') {
      const w = arg(o);
      const key = o.name === '--uid-owner' ? 'skuid' : 'skgid';
      const right = /^\d+(-\d+)?$/.test(w.text)
        ? w.text.includes('-')
          ? {
              kind: 'range' as const,
              low: value(w.text.split('-')[0]!),
              high: value(w.text.split('-')[1]!),
            }
          : value(w.text)
        : value(w.text); // a user or group name, as nft accepts it
      return match(meta(key, true), right, o.negated, sp);
    }
    return unsupported(`owner ${o.name}`, sp);
  });
}

function ttlLike(field: string, prefix: string): ModuleDef['translate'] {
  return (use, ctx) =>
    use.options.map((o) => {
      const n = value(String(parseNumber(arg(o), arg(o).text, 255)));
      const kind = o.name.slice(prefix.length);
      const op =
        kind === 'eq'
          ? o.negated
            ? '!='
            : '=='
          : kind === 'lt'
            ? o.negated
              ? '>='
              : '<'
            : o.negated
              ? '<='
              : '>';
      const left = payload(ctx.family === 'ip' ? 'ip' : 'ip6', field);
      return match(left, n, o.negated, optionSpan(ctx, o), op);
    });
}

function statistic(use: ModuleUse, ctx: RuleContext): Statement[] {
  const get = (n: string) => use.options.find((o) => o.name === n);
  const mode = get('--mode');
  if (!mode) fail('statistic needs --mode random or --mode nth', use.word);
  const sp = useSpan(use, ctx);
  const m = arg(mode).text;
  if (m === 'random') {
    const p = get('--probability');
    if (!p) fail('statistic --mode random needs --probability', use.word);
    const prob = Number(arg(p).text);
    if (!(prob >= 0 && prob <= 1)) fail(`bad probability "${arg(p).text}"`, arg(p));
    // xt_statistic: (prandom & 0x7fffffff) < lround(0x80000000 * p).
    const bound = Math.round(0x80000000 * prob);
    return [
      match(
        binop('&', meta('random'), value('2147483647')),
        value(String(bound)),
        false,
        sp,
        p.negated ? '>=' : '<',
      ),
    ];
  }
  if (m === 'nth') {
    const every = get('--every');
    if (!every) fail('statistic --mode nth needs --every', use.word);
    const n = parseNumber(arg(every));
    if (n < 1) fail('--every must be at least 1', arg(every));
    const pkt = get('--packet');
    const at = pkt ? parseNumber(arg(pkt)) : 0;
    return [match({ kind: 'numgen', mode: 'inc', mod: n }, value(String(at)), every.negated, sp)];
  }
  fail(`unknown statistic mode "${m}"`, arg(mode));
}

function setMatch(use: ModuleUse, ctx: RuleContext): Statement[] {
  const out: Statement[] = [];
  for (const o of use.options) {
    const sp = optionSpan(ctx, o);
    if (o.name === '--update-counters' || o.name === '--update-subcounters') continue; // counters only
    if (o.name !== '--match-set') {
      out.push(unsupported(`set ${o.name}`, sp));
      continue;
    }
    const name = arg(o, 0).text;
    const dirs = arg(o, 1).text.split(',');
    for (const d of dirs)
      if (d !== 'src' && d !== 'dst') fail(`set direction is src or dst, not "${d}"`, arg(o, 1));
    const set = ctx.ipset(name, dirs.length);
    if ('error' in set) {
      out.push(unsupported(set.error, sp));
      continue;
    }
    const parts = dirs.map((d) => ipPayload(ctx, d === 'src' ? 'saddr' : 'daddr'));
    const left: Expr = parts.length === 1 ? parts[0]! : { kind: 'concat', parts };
    out.push(match(left, { kind: 'setref', name: set.name }, o.negated, sp));
  }
  return out;
}

function unsupportedModule(name: string): ModuleDef['translate'] {
  return (use, ctx) => [
    unsupported(`iptables match '${name}' (${useText(use, ctx)})`, useSpan(use, ctx)),
  ];
}

// ---------------------------------------------------------------------------------------------

export const MATCHES: Record<string, ModuleDef> = {
  tcp: {
    options: { ...PORT_OPTS, '--tcp-flags': 2, '--syn': 0, '--tcp-option': 1 },
    aliases: PORT_ALIASES,
    translate: portOptions('tcp'),
  },
  udp: { options: PORT_OPTS, aliases: PORT_ALIASES, translate: portOptions('udp') },
  sctp: {
    options: { ...PORT_OPTS, '--chunk-types': 2 },
    aliases: PORT_ALIASES,
    translate: portOptions('sctp'),
  },
  dccp: {
    options: { ...PORT_OPTS, '--dccp-types': 1, '--dccp-option': 1 },
    aliases: PORT_ALIASES,
    translate: portOptions('dccp'),
  },
  icmp: {
    options: { '--icmp-type': 1 },
    translate: (use, ctx) => use.options.flatMap((o) => icmpMatch(o, ctx, 'icmp')),
  },
  icmp6: {
    options: { '--icmpv6-type': 1 },
    translate: (use, ctx) => use.options.flatMap((o) => icmpMatch(o, ctx, 'icmpv6')),
  },
  multiport: {
    options: { '--sports': 1, '--dports': 1, '--ports': 1 },
    aliases: { '--source-ports': '--sports', '--destination-ports': '--dports' },
    translate: multiport,
  },
  conntrack: {
    options: Object.fromEntries(
      [
        'ctstate',
        'ctstatus',
        'ctproto',
        'ctorigsrc',
        'ctorigdst',
        'ctreplsrc',
        'ctrepldst',
        'ctorigsrcport',
        'ctorigdstport',
        'ctreplsrcport',
        'ctrepldstport',
        'ctdir',
        'ctexpire',
      ].map((n) => [`--${n}`, 1]),
    ),
    translate: conntrack,
  },
  state: {
    options: { '--state': 1 },
    translate: (use, ctx) => use.options.flatMap((o) => ctStateMatch(o, ctx, false)),
  },
  addrtype: {
    options: { '--src-type': 1, '--dst-type': 1, '--limit-iface-in': 0, '--limit-iface-out': 0 },
    translate: addrtype,
  },
  mark: {
    options: { '--mark': 1 },
    translate: (use, ctx) => use.options.map((o) => markMatch(meta('mark', true), o, ctx)),
  },
  connmark: {
    options: { '--mark': 1 },
    translate: (use, ctx) => use.options.map((o) => markMatch(ct('mark'), o, ctx)),
  },
  comment: {
    // The rule parser takes the text into Rule.comment; it matches every packet.
    options: { '--comment': 1 },
    translate: (use) => {
      for (const o of use.options) noNegation(o);
      return [];
    },
  },
  iprange: {
    options: { '--src-range': 1, '--dst-range': 1 },
    translate: (use, ctx) =>
      use.options.map((o) => {
        const w = arg(o);
        if (!w.text.includes('-')) fail(`${o.name} needs a range "from-to"`, w);
        const field = o.name === '--src-range' ? 'saddr' : 'daddr';
        return match(
          ipPayload(ctx, field),
          parseAddressRange(w, w.text, ctx.family),
          o.negated,
          optionSpan(ctx, o),
        );
      }),
  },
  physdev: {
    options: {
      '--physdev-in': 1,
      '--physdev-out': 1,
      '--physdev-is-in': 0,
      '--physdev-is-out': 0,
      '--physdev-is-bridged': 0,
    },
    // iptables-nft keeps physdev as an xtables match: no nft expression reads the bridge
    // port (physindev/physoutdev) of an ip-family packet.
    translate: (use, ctx) => [
      unsupported(
        `iptables match 'physdev' (${useText(use, ctx)}): the bridge port of an ip-family packet has no nft expression`,
        useSpan(use, ctx),
      ),
    ],
  },
  pkttype: {
    options: { '--pkt-type': 1 },
    translate: (use, ctx) =>
      use.options.map((o) => {
        const t = arg(o).text.toLowerCase();
        const nft = t === 'unicast' ? 'host' : t;
        if (!['host', 'broadcast', 'multicast'].includes(nft)) {
          fail(`unknown packet type "${t}" (unicast, broadcast, multicast)`, arg(o));
        }
        return match(meta('pkttype', true), value(nft), o.negated, optionSpan(ctx, o));
      }),
  },
  mac: {
    options: { '--mac-source': 1 },
    translate: (use, ctx) =>
      use.options.map((o) => {
        const w = arg(o);
        if (!/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(w.text))
          fail(`bad MAC address "${w.text}"`, w);
        const mac = w.text
          .toLowerCase()
          .split(':')
          .map((b) => b.padStart(2, '0'))
          .join(':');
        return match(payload('ether', 'saddr'), value(mac), o.negated, optionSpan(ctx, o));
      }),
  },
  length: {
    options: { '--length': 1 },
    translate: (use, ctx) =>
      use.options.map((o) =>
        match(meta('length'), parseNumberRange(arg(o), 0xffff), o.negated, optionSpan(ctx, o)),
      ),
  },
  tos: { options: { '--tos': 1 }, translate: tos },
  dscp: { options: { '--dscp': 1, '--dscp-class': 1 }, translate: dscp },
  owner: {
    options: { '--uid-owner': 1, '--gid-owner': 1, '--socket-exists': 0, '--suppl-groups': 0 },
    translate: owner,
  },
  limit: { options: { '--limit': 1, '--limit-burst': 1 }, translate: limit },
  set: {
    options: {
      '--match-set': 2,
      '--return-nomatch': 0,
      '--update-counters': 0,
      '--update-subcounters': 0,
      '--packets-eq': 1,
      '--packets-lt': 1,
      '--packets-gt': 1,
      '--bytes-eq': 1,
      '--bytes-lt': 1,
      '--bytes-gt': 1,
    },
    aliases: { '--set': '--match-set' },
    translate: setMatch,
  },
  ttl: {
    options: { '--ttl-eq': 1, '--ttl-lt': 1, '--ttl-gt': 1 },
    translate: ttlLike('ttl', '--ttl-'),
  },
  hl: {
    options: { '--hl-eq': 1, '--hl-lt': 1, '--hl-gt': 1 },
    translate: ttlLike('hoplimit', '--hl-'),
  },
  nfacct: {
    // Counts into the named accounting object and matches every packet: a named counter.
    options: { '--nfacct-name': 1 },
    translate: (use, ctx) =>
      use.options.map((o) => {
        noNegation(o);
        return { kind: 'counter', name: arg(o).text, span: optionSpan(ctx, o) };
      }),
  },
  statistic: {
    options: { '--mode': 1, '--probability': 1, '--every': 1, '--packet': 1 },
    translate: statistic,
  },
};

/** The protocol match `-p NAME` loads implicitly, by protocol name. */
export function protocolModule(proto: string, family: IpFamily): string | undefined {
  if (proto === 'tcp' || proto === '6') return 'tcp';
  if (proto === 'udp' || proto === '17') return 'udp';
  if (proto === 'sctp' || proto === '132') return 'sctp';
  if (proto === 'dccp' || proto === '33') return 'dccp';
  if (family === 'ip' && (proto === 'icmp' || proto === '1')) return 'icmp';
  if (family === 'ip6' && ['icmpv6', 'ipv6-icmp', 'icmp6', '58'].includes(proto)) return 'icmp6';
  return undefined;
}

/** A match nfwalk does not know: kept whole, reported as unsupported at its rule. */
export function unknownMatch(name: string): ModuleDef {
  return { options: {}, translate: unsupportedModule(name) };
}

/** `-m name` with `--chunk-types` and the like land here through portOptions' default. */
export type { ModuleUse };
