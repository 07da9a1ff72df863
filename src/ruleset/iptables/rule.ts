/**
 * One rule's options (everything after `-A CHAIN`) → model statements, in the order
 * iptables-nft evaluates them: the generic matches and `-m` matches as written, then the
 * rule's counter (iptables-nft gives every rule one), then the target.
 *
 * Options are read as iptables reads them: an option belongs to the match or target loaded
 * last that knows it, else to the protocol match `-p` loaded; `!` negates the option it
 * precedes, or (the old syntax) the argument it precedes.
 */
import type { Expr, Statement } from '../model.ts';
import {
  fail,
  type ModuleUse,
  type OptionUse,
  optionSpan,
  type RuleContext,
  span,
} from './context.ts';
import { addressMatch, binop, interfaceName, match, meta, payload, value } from './exprs.ts';
import {
  MATCHES,
  type ModuleDef,
  optionName,
  protocolModule,
  unknownMatch,
  unsupported,
} from './matches.ts';
import { protocolName } from './protocols.ts';
import { TARGETS, unknownTarget } from './targets.ts';
import type { Word } from './tokenize.ts';

export interface RuleBody {
  statements: Statement[];
  comment?: string;
}

const GENERIC: Record<string, string> = {
  '-s': '-s',
  '--source': '-s',
  '--src': '-s',
  '-d': '-d',
  '--destination': '-d',
  '--dst': '-d',
  '-i': '-i',
  '--in-interface': '-i',
  '-o': '-o',
  '--out-interface': '-o',
  '-p': '-p',
  '--protocol': '-p',
  '-f': '-f',
  '--fragment': '-f',
  '-m': '-m',
  '--match': '-m',
  '-j': '-j',
  '--jump': '-j',
  '-g': '-g',
  '--goto': '-g',
  '-c': '-c',
  '--set-counters': '-c',
  '-4': '-4',
  '--ipv4': '-4',
  '-6': '-6',
  '--ipv6': '-6',
};

/** Chains where the packet has no input (`-i`) or output (`-o`) device. */
const NO_IN = ['OUTPUT', 'POSTROUTING'];
const NO_OUT = ['PREROUTING', 'INPUT'];

interface Item {
  /** For generic options: their place in iptables-nft's rule (nft_ipv4_add: iif, oif, proto, saddr, daddr, frag). */
  order?: number;
  stmt?: Statement;
  module?: { use: ModuleUse; def: ModuleDef };
}

/**
 * Translates the words of a rule. `chains` are the chains the table declares (for `-j`).
 * Returns null when the line is for the other family (`-6` in an iptables file).
 */
export function translateRuleWords(
  words: Word[],
  ctx: RuleContext,
  chains: ReadonlySet<string>,
  builtins: readonly string[],
): RuleBody | null {
  const items: Item[] = [];
  let target: { use: ModuleUse; def: ModuleDef } | { stmt: Statement } | undefined;
  let current: { use: ModuleUse; def: ModuleDef; unknown: boolean } | undefined;
  let protoModule: { use: ModuleUse; def: ModuleDef } | undefined;
  let neg: Word | undefined;
  const seen = new Set<string>();
  let i = 0;

  const take = (opt: Word, n: number): { args: Word[]; negated: boolean; last: Word } => {
    const args: Word[] = [];
    let negated = neg !== undefined;
    let last = opt;
    for (let k = 0; k < n; k++) {
      let w = words[i];
      if (k === 0 && w && w.text === '!' && !w.quoted) {
        if (negated) fail('double negation', w);
        negated = true;
        i++;
        w = words[i];
      }
      if (!w) fail(`${opt.text} needs ${n === 1 ? 'an argument' : `${n} arguments`}`, last);
      args.push(w);
      last = w;
      i++;
    }
    return { args, negated, last };
  };

  const optionUse = (opt: Word, name: string, n: number): OptionUse => {
    const first = neg ?? opt;
    const t = take(opt, n);
    neg = undefined;
    return { name, negated: t.negated, args: t.args, first, last: t.last };
  };

  const noNeg = (w: Word) => {
    if (neg) fail(`! cannot negate ${w.text}`, neg);
  };

  while (i < words.length) {
    const w = words[i]!;
    i++;
    if (w.text === '!' && !w.quoted) {
      if (neg) fail('double negation', w);
      neg = w;
      continue;
    }
    if (!w.text.startsWith('-') || w.text === '-' || w.quoted) {
      fail(`unexpected "${w.text}" where an option was expected`, w);
    }
    const g = GENERIC[w.text];
    if (g) {
      if (['-s', '-d', '-i', '-o', '-p', '-f'].includes(g)) {
        if (seen.has(g)) fail(`multiple ${g} options are not allowed`, w);
        seen.add(g);
      }
      switch (g) {
        case '-s':
        case '-d': {
          const o = optionUse(w, g, 1);
          const left = payload(ctx.family === 'ip' ? 'ip' : 'ip6', g === '-s' ? 'saddr' : 'daddr');
          items.push({
            order: g === '-s' ? 3 : 4,
            stmt: addressMatch(left, o.args[0]!, ctx.family, o.negated, optionSpan(ctx, o)),
          });
          break;
        }
        case '-i':
        case '-o': {
          const o = optionUse(w, g, 1);
          const builtin = builtins.includes(ctx.chain);
          if (builtin && (g === '-i' ? NO_IN : NO_OUT).includes(ctx.chain)) {
            fail(
              `can't use ${g} with ${ctx.chain}: the packet has no ${g === '-i' ? 'input' : 'output'} device there`,
              w,
            );
          }
          const key = g === '-i' ? 'iifname' : 'oifname';
          items.push({
            order: g === '-i' ? 0 : 1,
            stmt: match(meta(key, true), interfaceName(o.args[0]!), o.negated, optionSpan(ctx, o)),
          });
          break;
        }
        case '-p': {
          const o = optionUse(w, g, 1);
          const pw = o.args[0]!;
          let name = pw.text.toLowerCase();
          if (
            !/^([a-z][a-z0-9.+_-]*|\d{1,3})$/.test(name) ||
            (/^\d+$/.test(name) && Number(name) > 255)
          ) {
            fail(`bad protocol "${pw.text}"`, pw);
          }
          if (name === 'icmpv6' || name === 'icmp6') name = 'ipv6-icmp';
          name = protocolName(name);
          ctx.protocol = { name, negated: o.negated };
          if (name === 'all' || name === '0') {
            if (o.negated) fail('! -p all matches no packet', pw);
            break;
          }
          // iptables-nft stores -p as `meta l4proto` in both families (nft list shows it so).
          const left: Expr = meta('l4proto');
          items.push({ order: 2, stmt: match(left, value(name), o.negated, optionSpan(ctx, o)) });
          break;
        }
        case '-f': {
          if (ctx.family === 'ip6') fail('-f is not an ip6tables option (use -m frag)', w);
          const o = optionUse(w, g, 0);
          // A non-first fragment: fragment offset not zero.
          items.push({
            order: 5,
            stmt: match(
              binop('&', payload('ip', 'frag-off'), value('8191')),
              value('0'),
              false,
              optionSpan(ctx, o),
              o.negated ? '==' : '!=',
            ),
          });
          break;
        }
        case '-m': {
          noNeg(w);
          const nw = words[i++];
          if (!nw) fail('-m needs a match name', w);
          const name = nw.text.toLowerCase();
          const known = MATCHES[name];
          const def = known ?? unknownMatch(name);
          const use: ModuleUse = { name, word: w, options: [] };
          current = { use, def, unknown: !known };
          items.push({ module: { use, def } });
          if (known && protocolModule(ctx.protocol?.name ?? '', ctx.family) === name) {
            protoModule = { use, def };
          }
          break;
        }
        case '-j':
        case '-g': {
          noNeg(w);
          if (target) fail('only one -j or -g per rule', w);
          const nw = words[i++];
          if (!nw) fail(`${w.text} needs a target`, w);
          const name = nw.text;
          const sp = span(ctx, w, nw);
          if (builtins.includes(name)) fail(`cannot jump to the built-in chain ${name}`, nw);
          if (g === '-g' || chains.has(name)) {
            if (!chains.has(name)) {
              target = {
                stmt: unsupported(`goto chain '${name}', which this file does not declare`, sp),
              };
            } else {
              target = {
                stmt: {
                  kind: 'verdict',
                  verdict: { kind: g === '-g' ? 'goto' : 'jump', target: name },
                  span: sp,
                },
              };
            }
            current = undefined;
            break;
          }
          const known = TARGETS[name];
          if (!known && !/^[A-Z][A-Z0-9_]*$/.test(name)) {
            target = {
              stmt: unsupported(`jump to chain '${name}', which this file does not declare`, sp),
            };
            current = undefined;
            break;
          }
          const def = known ?? unknownTarget(name);
          const use: ModuleUse = { name, word: w, options: [] };
          target = { use, def };
          current = { use, def, unknown: !known };
          break;
        }
        case '-c': {
          noNeg(w);
          // Counters: `-c packets bytes` (ignored: nfwalk simulates, it does not count).
          i += 2;
          if (i > words.length) fail('-c needs packets and bytes', w);
          break;
        }
        case '-4':
        case '-6':
          noNeg(w);
          if ((g === '-4') !== (ctx.family === 'ip')) return null;
          break;
      }
      continue;
    }
    // An option of a match or target.
    const owner = findOwner(w.text, current, protoModule, ctx);
    if (owner === 'proto') {
      const mod = protocolModule(ctx.protocol!.name, ctx.family)!;
      const def = MATCHES[mod]!;
      const use: ModuleUse = { name: mod, word: w, options: [] };
      protoModule = { use, def };
      items.push({ module: protoModule });
      protoModule.use.options.push(
        optionUse(w, optionName(def, w.text)!, def.options[optionName(def, w.text)!]!),
      );
      continue;
    }
    if (owner) {
      const name = optionName(owner.def, w.text);
      if (name !== undefined) {
        owner.use.options.push(optionUse(w, name, owner.def.options[name]!));
        continue;
      }
    }
    if (current?.unknown) {
      // Unknown match or target: keep its options with their arguments, for the report.
      const args: Word[] = [];
      const first = neg ?? w;
      let negated = neg !== undefined;
      neg = undefined;
      while (i < words.length) {
        const a = words[i]!;
        if (a.text === '!' && !a.quoted) {
          const nx = words[i + 1];
          if (nx && !(nx.text.startsWith('-') && !nx.quoted)) {
            negated = true;
            i++;
            continue;
          }
          break;
        }
        if (a.text.startsWith('-') && !a.quoted && !/^-\d/.test(a.text)) break;
        args.push(a);
        i++;
      }
      current.use.options.push({ name: w.text, negated, args, first, last: args.at(-1) ?? w });
      continue;
    }
    const where = current
      ? ` for ${current.use.word.text === '-m' ? 'match' : 'target'} ${current.use.name}`
      : '';
    fail(`unknown option ${w.text}${where}`, w);
  }
  if (neg) fail('! at the end of the rule negates nothing', neg);

  // Build the statements.
  const statements: Statement[] = [];
  const comments: string[] = [];
  // iptables-nft puts the generic matches first, in its own order, then the -m matches.
  const generic = items.filter((it) => it.order !== undefined).sort((a, b) => a.order! - b.order!);
  for (const it of [...generic, ...items.filter((it) => it.order === undefined)]) {
    if (it.stmt) statements.push(it.stmt);
    else if (it.module) {
      if (it.module.use.name === 'comment' && it.module.def === MATCHES.comment) {
        for (const o of it.module.use.options) {
          if (o.negated) fail('--comment cannot be negated', o.first);
          comments.push(o.args[0]!.text);
        }
      }
      statements.push(...it.module.def.translate(it.module.use, ctx));
    }
  }
  statements.push({ kind: 'counter' });
  if (target) {
    if ('stmt' in target) statements.push(target.stmt);
    else statements.push(...target.def.translate(target.use, ctx));
  }
  const body: RuleBody = { statements };
  if (comments.length > 0) body.comment = comments.join(' ');
  return body;
}

function findOwner(
  option: string,
  current: { use: ModuleUse; def: ModuleDef; unknown: boolean } | undefined,
  protoModule: { use: ModuleUse; def: ModuleDef } | undefined,
  ctx: RuleContext,
): { use: ModuleUse; def: ModuleDef } | 'proto' | undefined {
  if (current && !current.unknown && optionName(current.def, option) !== undefined) return current;
  if (protoModule && optionName(protoModule.def, option) !== undefined) return protoModule;
  const p = ctx.protocol;
  if (p && !p.negated && !protoModule) {
    const mod = protocolModule(p.name, ctx.family);
    if (mod && optionName(MATCHES[mod]!, option) !== undefined) return 'proto';
  }
  return current?.unknown ? undefined : current;
}
