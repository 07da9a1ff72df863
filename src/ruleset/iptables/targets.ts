/**
 * iptables targets (`-j NAME …`) as model statements, the way iptables-translate writes them:
 * verdicts, NAT, REJECT, marks, conntrack, logging. A target nfwalk cannot express becomes an
 * UnsupportedStmt naming it.
 */
import type { Expr, LogStmt, NatStmt, RejectStmt, Statement } from '../model.ts';
import { arg, fail, type ModuleUse, type OptionUse, type RuleContext } from './context.ts';
import {
  binop,
  ct,
  hex,
  meta,
  parseAddressRange,
  parseNumber,
  parseValueMask,
  value,
} from './exprs.ts';
import { type ModuleDef, unsupported, useSpan, useText } from './matches.ts';

function noNegation(o: OptionUse): void {
  if (o.negated) fail(`target option ${o.name} cannot be negated`, o.first);
}

function get(use: ModuleUse, name: string): OptionUse | undefined {
  return use.options.find((o) => o.name === name);
}

// ---------------------------------------------------------------------------------------------
// REJECT

type RejectWith = NonNullable<RejectStmt['with']> | null;

const REJECT_IP: Record<string, RejectWith> = {
  'icmp-net-unreachable': { type: 'icmp', code: 'net-unreachable' },
  'net-unreach': { type: 'icmp', code: 'net-unreachable' },
  'icmp-host-unreachable': { type: 'icmp', code: 'host-unreachable' },
  'host-unreach': { type: 'icmp', code: 'host-unreachable' },
  'icmp-port-unreachable': null,
  'port-unreach': null,
  'icmp-proto-unreachable': { type: 'icmp', code: 'prot-unreachable' },
  'proto-unreach': { type: 'icmp', code: 'prot-unreachable' },
  'icmp-net-prohibited': { type: 'icmp', code: 'net-prohibited' },
  'net-prohib': { type: 'icmp', code: 'net-prohibited' },
  'icmp-host-prohibited': { type: 'icmp', code: 'host-prohibited' },
  'host-prohib': { type: 'icmp', code: 'host-prohibited' },
  'icmp-admin-prohibited': { type: 'icmp', code: 'admin-prohibited' },
  'admin-prohib': { type: 'icmp', code: 'admin-prohibited' },
  'tcp-reset': { type: 'tcp reset' },
  'tcp-rst': { type: 'tcp reset' },
};

const REJECT_IP6: Record<string, RejectWith> = {
  'icmp6-no-route': { type: 'icmpv6', code: 'no-route' },
  'no-route': { type: 'icmpv6', code: 'no-route' },
  'icmp6-adm-prohibited': { type: 'icmpv6', code: 'admin-prohibited' },
  'adm-prohibited': { type: 'icmpv6', code: 'admin-prohibited' },
  'icmp6-addr-unreachable': { type: 'icmpv6', code: 'addr-unreachable' },
  'addr-unreach': { type: 'icmpv6', code: 'addr-unreachable' },
  'icmp6-port-unreachable': null,
  'port-unreach': null,
  'icmp6-policy-fail': { type: 'icmpv6', code: 'policy-fail' },
  'policy-fail': { type: 'icmpv6', code: 'policy-fail' },
  'icmp6-reject-route': { type: 'icmpv6', code: 'reject-route' },
  'reject-route': { type: 'icmpv6', code: 'reject-route' },
  'tcp-reset': { type: 'tcp reset' },
  'tcp-rst': { type: 'tcp reset' },
};

function reject(use: ModuleUse, ctx: RuleContext): Statement[] {
  const o = get(use, '--reject-with');
  const stmt: RejectStmt = { kind: 'reject', span: useSpan(use, ctx) };
  if (o) {
    noNegation(o);
    const w = arg(o);
    const table = ctx.family === 'ip' ? REJECT_IP : REJECT_IP6;
    const t = w.text.toLowerCase();
    if (!Object.hasOwn(table, t)) {
      fail(
        `unknown --reject-with "${w.text}" for ${ctx.family === 'ip' ? 'iptables' : 'ip6tables'}`,
        w,
      );
    }
    const r = table[t]!;
    if (r) stmt.with = r;
    if (r?.type === 'tcp reset' && ctx.protocol?.name !== 'tcp' && ctx.protocol?.name !== '6') {
      fail('--reject-with tcp-reset needs -p tcp', w);
    }
  }
  return [stmt];
}

// ---------------------------------------------------------------------------------------------
// NAT

/** `addr[-addr][:port[-port]]`, IPv6 as `[addr]-[addr]:port`, or `:port` alone. */
function natTo(o: OptionUse, ctx: RuleContext, stmt: NatStmt): void {
  const w = arg(o);
  const t = w.text;
  let addr: string;
  let port: string | undefined;
  if (ctx.family === 'ip6' && t.startsWith('[')) {
    const m = /^\[([^\]]+)\](?:-\[([^\]]+)\])?(?::(.+))?$/.exec(t);
    if (!m) fail(`bad address "${t}" (write [addr]:port or [addr]-[addr]:port)`, w);
    addr = m[2] ? `${m[1]}-${m[2]}` : m[1]!;
    port = m[3];
  } else if (ctx.family === 'ip6') {
    addr = t;
  } else {
    const colon = t.indexOf(':');
    addr = colon < 0 ? t : t.slice(0, colon);
    port = colon < 0 ? undefined : t.slice(colon + 1);
  }
  if (addr !== '') stmt.addr = parseAddressRange(w, addr, ctx.family);
  if (port !== undefined) stmt.port = portRange(w, port);
  if (!stmt.addr && !stmt.port) fail(`${o.name} needs an address or a port`, w);
}

function portRange(w: OptionUse['first'], text: string): Expr {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) fail(`bad port or port range "${text}"`, w);
  const lo = parseNumber(w, m[1], 65535);
  const hi = m[2] === undefined ? lo : parseNumber(w, m[2], 65535);
  if (hi < lo) fail(`port range ${text} runs backwards`, w);
  return lo === hi
    ? value(String(lo))
    : { kind: 'range', low: value(String(lo)), high: value(String(hi)) };
}

const NAT_FLAGS: Record<string, string> = {
  '--random': 'random',
  '--random-fully': 'fully-random',
  '--persistent': 'persistent',
};

function nat(type: NatStmt['type'], toOption: string | null): ModuleDef['translate'] {
  return (use, ctx) => {
    const stmt: NatStmt = { kind: 'nat', type, flags: [], span: useSpan(use, ctx) };
    const tos = use.options.filter((o) => o.name === toOption);
    if (tos.length > 1) {
      return [
        unsupported(
          `${use.name} with several ${toOption} (kernels since 2.6.11 use only one)`,
          useSpan(use, ctx),
        ),
      ];
    }
    for (const o of use.options) {
      noNegation(o);
      const flag = NAT_FLAGS[o.name];
      if (flag) stmt.flags.push(flag);
      else if (o.name === toOption) natTo(o, ctx, stmt);
      else if (o.name === '--to-ports') stmt.port = portRange(arg(o), arg(o).text);
    }
    if ((type === 'dnat' || type === 'snat') && tos.length === 0) {
      fail(`${use.name} needs ${toOption}`, use.word);
    }
    if (ctx.table !== 'nat') fail(`${use.name} is only valid in the nat table`, use.word);
    const p = ctx.protocol;
    if (stmt.port && (!p || p.negated || !['tcp', 'udp', 'sctp', 'dccp'].includes(p.name))) {
      fail(`${use.name} with a port needs -p tcp, udp, sctp or dccp`, use.word);
    }
    return [stmt];
  };
}

// ---------------------------------------------------------------------------------------------
// Marks

/**
 * The kernel's mark update `mark = (mark & ~mask) ^ value` (xt_MARK, xt_CONNMARK) as an nft
 * expression over `current`, in the simplest form.
 */
function markUpdate(current: Expr, v: number, mask: number): Expr {
  const keep = ~mask >>> 0;
  if (mask >>> 0 === 0xffffffff) return value(hex(v));
  if (v === 0) return binop('&', current, value(hex(keep)));
  if (mask >>> 0 === v >>> 0) return binop('|', current, value(hex(v)));
  if (mask === 0) return binop('^', current, value(hex(v)));
  return binop('^', binop('&', current, value(hex(keep))), value(hex(v)));
}

/** --set-xmark/--set-mark/--and-mark/--or-mark/--xor-mark → (value, mask) as libxt_MARK does. */
function markOperands(o: OptionUse): { v: number; mask: number } {
  const w = arg(o);
  switch (o.name) {
    case '--set-xmark': {
      const vm = parseValueMask(w);
      return { v: vm.value, mask: vm.mask ?? 0xffffffff };
    }
    case '--set-mark': {
      const vm = parseValueMask(w);
      return { v: vm.value, mask: vm.mask === undefined ? 0xffffffff : (vm.value | vm.mask) >>> 0 };
    }
    case '--and-mark':
      return { v: 0, mask: ~parseNumber(w) >>> 0 };
    case '--or-mark': {
      const n = parseNumber(w);
      return { v: n, mask: n };
    }
    default:
      return { v: parseNumber(w), mask: 0 };
  }
}

const MARK_OPS = ['--set-xmark', '--set-mark', '--and-mark', '--or-mark', '--xor-mark'];

function markTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  const ops = use.options.filter((o) => MARK_OPS.includes(o.name));
  if (ops.length !== 1)
    fail(
      'MARK needs exactly one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark',
      use.word,
    );
  const o = ops[0]!;
  noNegation(o);
  const { v, mask } = markOperands(o);
  return [
    {
      kind: 'mangle',
      target: meta('mark'),
      value: markUpdate(meta('mark', true), v, mask),
      span: useSpan(use, ctx),
    },
  ];
}

function connmarkTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  for (const o of use.options) noNegation(o);
  const sp = useSpan(use, ctx);
  const mask = (n: string) => {
    const o = get(use, n);
    return o ? parseNumber(arg(o)) : 0xffffffff;
  };
  const ops = use.options.filter((o) =>
    [...MARK_OPS, '--save-mark', '--restore-mark'].includes(o.name),
  );
  if (ops.length !== 1)
    fail(
      'CONNMARK needs exactly one of --set-xmark, --set-mark, --save-mark, --restore-mark…',
      use.word,
    );
  const o = ops[0]!;
  if (o.name === '--save-mark' || o.name === '--restore-mark') {
    const nfmask = mask('--nfmask') >>> 0;
    const ctmask = mask('--ctmask') >>> 0;
    const mark = meta('mark', true);
    const ctmark = ct('mark');
    // save: ctmark = (ctmark & ~ctmask) ^ (mark & nfmask); restore: mark = (mark & ~nfmask) ^ (ctmark & ctmask).
    const [dst, src, dstMask, srcMask] =
      o.name === '--save-mark' ? [ctmark, mark, ctmask, nfmask] : [mark, ctmark, nfmask, ctmask];
    const part: Expr = srcMask === 0xffffffff ? src : binop('&', src, value(hex(srcMask)));
    const val: Expr =
      dstMask === 0xffffffff && srcMask === 0xffffffff
        ? part
        : binop('^', binop('&', dst, value(hex(~dstMask >>> 0))), part);
    const target = o.name === '--save-mark' ? ct('mark') : meta('mark');
    return [{ kind: 'mangle', target, value: val, span: sp }];
  }
  const { v, mask: m } = markOperands(o);
  return [{ kind: 'mangle', target: ct('mark'), value: markUpdate(ct('mark'), v, m), span: sp }];
}

// ---------------------------------------------------------------------------------------------
// Logging

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const LOG_LEVEL_ALIASES: Record<string, string> = { error: 'err', warning: 'warn', panic: 'emerg' };

function logTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  const options: LogStmt['options'] = [];
  const flags: Record<string, string> = {
    '--log-tcp-sequence': 'tcp sequence',
    '--log-tcp-options': 'tcp options',
    '--log-ip-options': 'ip options',
    '--log-uid': 'skuid',
    '--log-macdecode': 'ether',
  };
  for (const o of use.options) {
    noNegation(o);
    if (o.name === '--log-prefix') {
      if (arg(o).text.length > 29) fail('--log-prefix is at most 29 characters', arg(o));
      options.push({ key: 'prefix', value: arg(o).text });
    } else if (o.name === '--log-level') {
      const t = arg(o).text.toLowerCase();
      const level = /^\d$/.test(t) ? LOG_LEVELS[Number(t)] : (LOG_LEVEL_ALIASES[t] ?? t);
      if (!level || !LOG_LEVELS.includes(level)) fail(`unknown log level "${arg(o).text}"`, arg(o));
      options.push({ key: 'level', value: level });
    }
  }
  // nft writes the TCP flags together: `flags tcp sequence,options`.
  const tcp = ['--log-tcp-sequence', '--log-tcp-options']
    .filter((n) => get(use, n))
    .map((n) => flags[n]!.slice(4));
  if (tcp.length > 0) options.push({ key: 'flags', value: `tcp ${tcp.join(',')}` });
  for (const n of ['--log-ip-options', '--log-uid', '--log-macdecode']) {
    if (get(use, n)) options.push({ key: 'flags', value: flags[n]! });
  }
  return [{ kind: 'log', options, span: useSpan(use, ctx) }];
}

function nflogTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  const opt = (n: string) => {
    const o = get(use, n);
    if (o) noNegation(o);
    return o ? arg(o) : undefined;
  };
  // In the order nft lists a log statement: prefix, group, snaplen, queue-threshold.
  const options: LogStmt['options'] = [];
  const prefix = opt('--nflog-prefix');
  if (prefix) options.push({ key: 'prefix', value: prefix.text });
  const group = opt('--nflog-group');
  options.push({
    key: 'group',
    value: group ? String(parseNumber(group, group.text, 65535)) : '0',
  });
  const size = opt('--nflog-size') ?? opt('--nflog-range');
  if (size) options.push({ key: 'snaplen', value: String(parseNumber(size)) });
  const threshold = opt('--nflog-threshold');
  if (threshold) {
    options.push({
      key: 'queue-threshold',
      value: String(parseNumber(threshold, threshold.text, 65535)),
    });
  }
  return [{ kind: 'log', options, span: useSpan(use, ctx) }];
}

// ---------------------------------------------------------------------------------------------

function ctTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  const sp = useSpan(use, ctx);
  for (const o of use.options) noNegation(o);
  if (use.options.length === 0) fail('CT needs an option (--notrack, --helper, --zone…)', use.word);
  if (use.options.some((o) => o.name === '--notrack')) {
    if (use.options.length > 1) fail('CT --notrack takes no other option', use.word);
    return [{ kind: 'notrack', span: sp }];
  }
  const out: Statement[] = [];
  for (const o of use.options) {
    if (o.name === '--helper') {
      // nft: `ct helper set "ftp"` (with a ct helper object of that name in the table).
      out.push({ kind: 'mangle', target: ct('helper'), value: value(arg(o).text, true), span: sp });
    } else if (o.name === '--zone') {
      out.push({
        kind: 'mangle',
        target: ct('zone'),
        value: value(String(parseNumber(arg(o), arg(o).text, 65535))),
        span: sp,
      });
    } else {
      return [unsupported(`iptables target 'CT' (${useText(use, ctx)})`, sp)];
    }
  }
  return out;
}

function queueTarget(use: ModuleUse, ctx: RuleContext): Statement[] {
  const args: string[] = [];
  const num = get(use, '--queue-num');
  const balance = get(use, '--queue-balance');
  if (balance) args.push('num', arg(balance).text.replace(':', '-'));
  else args.push('num', num ? String(parseNumber(arg(num), arg(num).text, 65535)) : '0');
  const flags: string[] = [];
  if (get(use, '--queue-bypass')) flags.push('bypass');
  if (get(use, '--queue-cpu-fanout')) flags.push('fanout');
  if (flags.length) args.push(flags.join(','));
  return [{ kind: 'other', keyword: 'queue', args, span: useSpan(use, ctx) }];
}

function tcpmss(use: ModuleUse, ctx: RuleContext): Statement[] {
  const clamp = get(use, '--clamp-mss-to-pmtu');
  const set = get(use, '--set-mss');
  if (!!clamp === !!set) fail('TCPMSS needs one of --set-mss and --clamp-mss-to-pmtu', use.word);
  const target: Expr = {
    kind: 'payload',
    protocol: 'tcp option',
    field: 'maxseg size',
    exthdr: true,
  };
  const v: Expr = set
    ? value(String(parseNumber(arg(set), arg(set).text, 65535)))
    : { kind: 'rt', key: 'mtu' };
  return [{ kind: 'mangle', target, value: v, span: useSpan(use, ctx) }];
}

function noOptions(make: (use: ModuleUse, ctx: RuleContext) => Statement[]): ModuleDef {
  return { options: {}, translate: make };
}

export const TARGETS: Record<string, ModuleDef> = {
  ACCEPT: noOptions((u, c) => [
    { kind: 'verdict', verdict: { kind: 'accept' }, span: useSpan(u, c) },
  ]),
  DROP: noOptions((u, c) => [{ kind: 'verdict', verdict: { kind: 'drop' }, span: useSpan(u, c) }]),
  RETURN: noOptions((u, c) => [
    { kind: 'verdict', verdict: { kind: 'return' }, span: useSpan(u, c) },
  ]),
  QUEUE: noOptions(queueTarget),
  NFQUEUE: {
    options: {
      '--queue-num': 1,
      '--queue-balance': 1,
      '--queue-bypass': 0,
      '--queue-cpu-fanout': 0,
      '--fail-open': 0,
    },
    translate: queueTarget,
  },
  REJECT: { options: { '--reject-with': 1 }, translate: reject },
  DNAT: {
    options: { '--to-destination': 1, '--random': 0, '--persistent': 0 },
    aliases: { '--to': '--to-destination' },
    translate: nat('dnat', '--to-destination'),
  },
  SNAT: {
    options: { '--to-source': 1, '--random': 0, '--random-fully': 0, '--persistent': 0 },
    aliases: { '--to': '--to-source' },
    translate: nat('snat', '--to-source'),
  },
  MASQUERADE: {
    options: { '--to-ports': 1, '--random': 0, '--random-fully': 0 },
    translate: nat('masquerade', null),
  },
  REDIRECT: { options: { '--to-ports': 1, '--random': 0 }, translate: nat('redirect', null) },
  MARK: {
    options: Object.fromEntries(MARK_OPS.map((n) => [n, 1])),
    translate: markTarget,
  },
  CONNMARK: {
    options: {
      ...Object.fromEntries(MARK_OPS.map((n) => [n, 1])),
      '--save-mark': 0,
      '--restore-mark': 0,
      '--nfmask': 1,
      '--ctmask': 1,
      '--mask': 1,
    },
    translate: (use, ctx) => {
      // --mask sets both masks.
      const m = get(use, '--mask');
      if (m) {
        use.options.push({ ...m, name: '--nfmask' }, { ...m, name: '--ctmask' });
      }
      return connmarkTarget(
        { ...use, options: use.options.filter((o) => o.name !== '--mask') },
        ctx,
      );
    },
  },
  CT: {
    options: {
      '--notrack': 0,
      '--helper': 1,
      '--ctevents': 1,
      '--expevents': 1,
      '--zone': 1,
      '--zone-orig': 1,
      '--zone-reply': 1,
      '--timeout': 1,
    },
    translate: ctTarget,
  },
  NOTRACK: noOptions((u, c) => [{ kind: 'notrack', span: useSpan(u, c) }]),
  LOG: {
    options: {
      '--log-prefix': 1,
      '--log-level': 1,
      '--log-tcp-sequence': 0,
      '--log-tcp-options': 0,
      '--log-ip-options': 0,
      '--log-uid': 0,
      '--log-macdecode': 0,
    },
    translate: logTarget,
  },
  NFLOG: {
    options: {
      '--nflog-group': 1,
      '--nflog-prefix': 1,
      '--nflog-range': 1,
      '--nflog-size': 1,
      '--nflog-threshold': 1,
    },
    translate: nflogTarget,
  },
  TRACE: noOptions((u, c) => [
    { kind: 'mangle', target: meta('nftrace'), value: value('1'), span: useSpan(u, c) },
  ]),
  TCPMSS: { options: { '--set-mss': 1, '--clamp-mss-to-pmtu': 0 }, translate: tcpmss },
  CLASSIFY: {
    options: { '--set-class': 1 },
    translate: (use, ctx) => {
      const o = get(use, '--set-class');
      if (!o) fail('CLASSIFY needs --set-class', use.word);
      if (!/^[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(arg(o).text))
        fail(`bad class "${arg(o).text}" (major:minor)`, arg(o));
      return [
        {
          kind: 'mangle',
          target: meta('priority'),
          value: value(arg(o).text),
          span: useSpan(use, ctx),
        },
      ];
    },
  },
};

/** A target nfwalk does not know (CHECKSUM, TPROXY, …): reported as unsupported at its rule. */
export function unknownTarget(name: string): ModuleDef {
  return {
    options: {},
    translate: (use, ctx) => [
      unsupported(`iptables target '${name}' (${useText(use, ctx)})`, useSpan(use, ctx)),
    ],
  };
}
