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
import { keepSourceText } from './source-text.ts';
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
  module?: Module;
}

type Module = { use: ModuleUse; def: ModuleDef };
type CurrentModule = Module & { unknown: boolean };

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
  const reader = new RuleReader(words, ctx, chains, builtins);
  return reader.readOptions() ? reader.body() : null;
}

/** Reads a rule's options word by word, as iptables' command_default and the modules do. */
class RuleReader {
  private readonly items: Item[] = [];
  private target: Module | { stmt: Statement } | undefined;
  /** The match or target loaded last, which options go to first. */
  private current: CurrentModule | undefined;
  /** The match `-p` loaded (`-p tcp` → tcp), once one of its options is used. */
  private protoModule: Module | undefined;
  /** A `!` waiting for the option it negates. */
  private neg: Word | undefined;
  private readonly seen = new Set<string>();
  private i = 0;
  private readonly words: Word[];
  private readonly ctx: RuleContext;
  private readonly chains: ReadonlySet<string>;
  private readonly builtins: readonly string[];

  constructor(
    words: Word[],
    ctx: RuleContext,
    chains: ReadonlySet<string>,
    builtins: readonly string[],
  ) {
    this.words = words;
    this.ctx = ctx;
    this.chains = chains;
    this.builtins = builtins;
  }

  /** Reads every option; false when the rule is for the other family. */
  readOptions(): boolean {
    const words = this.words;
    while (this.i < words.length) {
      const w = words[this.i]!;
      this.i++;
      if (w.text === '!' && !w.quoted) {
        if (this.neg) fail('double negation', w);
        this.neg = w;
        continue;
      }
      if (!w.text.startsWith('-') || w.text === '-' || w.quoted) {
        fail(`unexpected "${w.text}" where an option was expected`, w);
      }
      const g = GENERIC[w.text];
      if (g) {
        if (!this.genericOption(w, g)) return false;
        continue;
      }
      this.moduleOption(w);
    }
    if (this.neg) fail('! at the end of the rule negates nothing', this.neg);
    return true;
  }

  /** `n` arguments of `opt` (a `!` before the first negates it). */
  private take(opt: Word, n: number): { args: Word[]; negated: boolean; last: Word } {
    const words = this.words;
    const args: Word[] = [];
    let negated = this.neg !== undefined;
    let last = opt;
    for (let k = 0; k < n; k++) {
      let w = words[this.i];
      if (k === 0 && w && w.text === '!' && !w.quoted) {
        if (negated) fail('double negation', w);
        negated = true;
        this.i++;
        w = words[this.i];
      }
      if (!w) fail(`${opt.text} needs ${n === 1 ? 'an argument' : `${n} arguments`}`, last);
      args.push(w);
      last = w;
      this.i++;
    }
    return { args, negated, last };
  }

  private optionUse(opt: Word, name: string, n: number): OptionUse {
    const first = this.neg ?? opt;
    const t = this.take(opt, n);
    this.neg = undefined;
    return { name, negated: t.negated, args: t.args, first, last: t.last };
  }

  private noNeg(w: Word): void {
    if (this.neg) fail(`! cannot negate ${w.text}`, this.neg);
  }

  /** One of iptables' own options (`-s`, `-p`, `-m`, `-j` …); false for the other family. */
  private genericOption(w: Word, g: string): boolean {
    if (['-s', '-d', '-i', '-o', '-p', '-f'].includes(g)) {
      if (this.seen.has(g)) fail(`multiple ${g} options are not allowed`, w);
      this.seen.add(g);
    }
    switch (g) {
      case '-s':
      case '-d':
        this.address(w, g);
        break;
      case '-i':
      case '-o':
        this.device(w, g);
        break;
      case '-p':
        this.protocol(w);
        break;
      case '-f':
        this.fragment(w);
        break;
      case '-m':
        this.loadMatch(w);
        break;
      case '-j':
      case '-g':
        this.jump(w, g);
        break;
      case '-c': {
        this.noNeg(w);
        // Counters: `-c packets bytes` (ignored: nfwalk simulates, it does not count).
        this.i += 2;
        if (this.i > this.words.length) fail('-c needs packets and bytes', w);
        break;
      }
      case '-4':
      case '-6':
        this.noNeg(w);
        if ((g === '-4') !== (this.ctx.family === 'ip')) return false;
        break;
    }
    return true;
  }

  private address(w: Word, g: '-s' | '-d'): void {
    const ctx = this.ctx;
    const o = this.optionUse(w, g, 1);
    const left = payload(ctx.family === 'ip' ? 'ip' : 'ip6', g === '-s' ? 'saddr' : 'daddr');
    this.items.push({
      order: g === '-s' ? 3 : 4,
      stmt: addressMatch(left, o.args[0]!, ctx.family, o.negated, optionSpan(ctx, o)),
    });
  }

  private device(w: Word, g: '-i' | '-o'): void {
    const ctx = this.ctx;
    const o = this.optionUse(w, g, 1);
    const builtin = this.builtins.includes(ctx.chain);
    if (builtin && (g === '-i' ? NO_IN : NO_OUT).includes(ctx.chain)) {
      fail(
        `can't use ${g} with ${ctx.chain}: the packet has no ${g === '-i' ? 'input' : 'output'} device there`,
        w,
      );
    }
    const key = g === '-i' ? 'iifname' : 'oifname';
    this.items.push({
      order: g === '-i' ? 0 : 1,
      stmt: match(meta(key, true), interfaceName(o.args[0]!), o.negated, optionSpan(ctx, o)),
    });
  }

  private protocol(w: Word): void {
    const ctx = this.ctx;
    const o = this.optionUse(w, '-p', 1);
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
      return;
    }
    // iptables-nft stores -p as `meta l4proto` in both families (nft list shows it so).
    const left: Expr = meta('l4proto');
    this.items.push({ order: 2, stmt: match(left, value(name), o.negated, optionSpan(ctx, o)) });
  }

  private fragment(w: Word): void {
    const ctx = this.ctx;
    if (ctx.family === 'ip6') fail('-f is not an ip6tables option (use -m frag)', w);
    const o = this.optionUse(w, '-f', 0);
    // A non-first fragment: fragment offset not zero.
    this.items.push({
      order: 5,
      stmt: match(
        binop('&', payload('ip', 'frag-off'), value('8191')),
        value('0'),
        false,
        optionSpan(ctx, o),
        o.negated ? '==' : '!=',
      ),
    });
  }

  /** `-m name`: the match its following options go to. */
  private loadMatch(w: Word): void {
    const ctx = this.ctx;
    this.noNeg(w);
    const nw = this.words[this.i++];
    if (!nw) fail('-m needs a match name', w);
    const name = nw.text.toLowerCase();
    const known = MATCHES[name];
    const def = known ?? unknownMatch(name);
    const use: ModuleUse = { name, word: w, options: [] };
    this.current = { use, def, unknown: !known };
    this.items.push({ module: { use, def } });
    if (known && protocolModule(ctx.protocol?.name ?? '', ctx.family) === name) {
      this.protoModule = { use, def };
    }
  }

  /** `-j TARGET` or `-g chain`: a jump, a goto, or a target module. */
  private jump(w: Word, g: '-j' | '-g'): void {
    const chains = this.chains;
    this.noNeg(w);
    if (this.target) fail('only one -j or -g per rule', w);
    const nw = this.words[this.i++];
    if (!nw) fail(`${w.text} needs a target`, w);
    const name = nw.text;
    const sp = span(this.ctx, w, nw);
    if (this.builtins.includes(name)) fail(`cannot jump to the built-in chain ${name}`, nw);
    if (g === '-g' || chains.has(name)) {
      if (!chains.has(name)) {
        this.target = {
          stmt: unsupported(`goto chain '${name}', which this file does not declare`, sp),
        };
      } else {
        this.target = {
          stmt: {
            kind: 'verdict',
            verdict: { kind: g === '-g' ? 'goto' : 'jump', target: name },
            span: sp,
          },
        };
      }
      this.current = undefined;
      return;
    }
    const known = TARGETS[name];
    if (!known && !/^[A-Z][A-Z0-9_]*$/.test(name)) {
      this.target = {
        stmt: unsupported(`jump to chain '${name}', which this file does not declare`, sp),
      };
      this.current = undefined;
      return;
    }
    const def = known ?? unknownTarget(name);
    const use: ModuleUse = { name, word: w, options: [] };
    this.target = { use, def };
    this.current = { use, def, unknown: !known };
  }

  /** An option of a match or target. */
  private moduleOption(w: Word): void {
    const ctx = this.ctx;
    const current = this.current;
    const owner = findOwner(w.text, current, this.protoModule, ctx);
    if (owner === 'proto') {
      const mod = protocolModule(ctx.protocol!.name, ctx.family)!;
      const def = MATCHES[mod]!;
      const use: ModuleUse = { name: mod, word: w, options: [] };
      this.protoModule = { use, def };
      this.items.push({ module: this.protoModule });
      this.protoModule.use.options.push(
        this.optionUse(w, optionName(def, w.text)!, def.options[optionName(def, w.text)!]!),
      );
      return;
    }
    if (owner) {
      const name = optionName(owner.def, w.text);
      if (name !== undefined) {
        owner.use.options.push(this.optionUse(w, name, owner.def.options[name]!));
        return;
      }
    }
    if (current?.unknown) {
      current.use.options.push(this.unknownOption(w));
      return;
    }
    const where = current
      ? ` for ${current.use.word.text === '-m' ? 'match' : 'target'} ${current.use.name}`
      : '';
    fail(`unknown option ${w.text}${where}`, w);
  }

  /** An option of an unknown match or target, with its arguments, kept for the report. */
  private unknownOption(w: Word): OptionUse {
    const words = this.words;
    const args: Word[] = [];
    const first = this.neg ?? w;
    let negated = this.neg !== undefined;
    this.neg = undefined;
    while (this.i < words.length) {
      const a = words[this.i]!;
      if (a.text === '!' && !a.quoted) {
        const nx = words[this.i + 1];
        if (nx && !(nx.text.startsWith('-') && !nx.quoted)) {
          negated = true;
          this.i++;
          continue;
        }
        break;
      }
      if (a.text.startsWith('-') && !a.quoted && !/^-\d/.test(a.text)) break;
      args.push(a);
      this.i++;
    }
    return { name: w.text, negated, args, first, last: args.at(-1) ?? w };
  }

  /** The statements: generic matches, `-m` matches, the counter, the target. */
  body(): RuleBody {
    const ctx = this.ctx;
    const items = this.items;
    const statements: Statement[] = [];
    const comments: string[] = [];
    // iptables-nft puts the generic matches first, in its own order, then the -m matches.
    const generic = items
      .filter((it) => it.order !== undefined)
      .sort((a, b) => a.order! - b.order!);
    for (const it of [...generic, ...items.filter((it) => it.order === undefined)]) {
      if (it.stmt) statements.push(...keepSourceText([it.stmt], ctx));
      else if (it.module) {
        if (it.module.use.name === 'comment' && it.module.def === MATCHES.comment) {
          for (const o of it.module.use.options) {
            if (o.negated) fail('--comment cannot be negated', o.first);
            comments.push(o.args[0]!.text);
          }
        }
        const use = it.module.use;
        statements.push(...keepSourceText(it.module.def.translate(use, ctx), ctx, use));
      }
    }
    statements.push({ kind: 'counter' });
    const target = this.target;
    if (target) {
      if ('stmt' in target) statements.push(...keepSourceText([target.stmt], ctx));
      else
        statements.push(...keepSourceText(target.def.translate(target.use, ctx), ctx, target.use));
    }
    const body: RuleBody = { statements };
    if (comments.length > 0) body.comment = comments.join(' ');
    return body;
  }
}

function findOwner(
  option: string,
  current: CurrentModule | undefined,
  protoModule: Module | undefined,
  ctx: RuleContext,
): Module | 'proto' | undefined {
  if (current && !current.unknown && optionName(current.def, option) !== undefined) return current;
  if (protoModule && optionName(protoModule.def, option) !== undefined) return protoModule;
  const p = ctx.protocol;
  if (p && !p.negated && !protoModule) {
    const mod = protocolModule(p.name, ctx.family);
    if (mod && optionName(MATCHES[mod]!, option) !== undefined) return 'proto';
  }
  return current?.unknown ? undefined : current;
}
