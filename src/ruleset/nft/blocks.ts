/**
 * nft blocks: tables, chains (base chain specs, priorities, devices), sets and
 * maps, stateful objects and flowtables.
 */

import { addChain, chainNamed } from '../chains.ts';
import type {
  BaseChainSpec,
  Chain,
  Family,
  Flowtable,
  HookName,
  NamedSet,
  ObjectType,
  Priority,
  StatefulObject,
  Table,
} from '../model.ts';
import { priorityAllowed, resolvePriority } from '../priority.ts';
import { flattenNames, MAX_NESTING } from './cursor.ts';
import type { Token } from './lexer.ts';
import { StatementParser } from './statements.ts';
import { CHAIN_TYPES, HOOKS } from './vocabulary.ts';

export abstract class BlockParser extends StatementParser {
  // Defined by the layers above, called from here.
  protected abstract parseDefine(redefine: boolean): void;
  protected abstract parseInclude(kw: Token, table?: Table, chain?: Chain): void;

  protected parseTableBlock(table: Table): void {
    const open = this.expectPunct('{');
    if (this.atHandle()) table.handle = Number(this.next().text);
    this.parseBlockItems(open, 'block', () => {
      this.parseTableItem(table);
      if (this.atHandle()) this.next();
      if (!this.atEnd()) this.unexpected(this.peek(), 'end of line');
    });
  }

  protected parseTableItem(table: Table): void {
    const t = this.peek();
    if (t.kind !== 'word') this.unexpected(t);
    switch (t.text) {
      case 'define':
      case 'redefine':
        this.next();
        this.parseDefine(t.text === 'redefine');
        return;
      case 'include':
        this.next();
        this.parseInclude(t, table);
        return;
      case 'flags': {
        this.next();
        table.flags.push(...this.parseWordList());
        return;
      }
      case 'comment': {
        this.next();
        table.comment = this.expectString();
        return;
      }
      case 'chain': {
        this.next();
        const name = this.expectIdentifier('chain name');
        this.parseChainDecl(table, name, t);
        return;
      }
      case 'set':
      case 'map':
        this.next();
        this.parseSetDecl(table, t.text, t);
        return;
      case 'flowtable':
        this.next();
        this.parseFlowtable(table, t);
        return;
      case 'counter':
      case 'quota':
      case 'limit':
      case 'secmark':
      case 'synproxy':
      case 'tunnel':
        this.next();
        this.parseObject(table, t.text as ObjectType, t);
        return;
      case 'ct': {
        this.next();
        const sub = this.expectWord('helper, timeout or expectation');
        if (!['helper', 'timeout', 'expectation'].includes(sub.text))
          this.unexpected(sub, 'helper, timeout or expectation');
        this.parseObject(table, `ct ${sub.text}` as ObjectType, t);
        return;
      }
      default:
        this.unexpected(t);
    }
  }

  protected parseChainDecl(table: Table, name: string, kw: Token): void {
    let chain = chainNamed(table, name);
    if (!chain) {
      // `span` as a slot of the literal: added later it would need a property store per chain.
      chain = { name, rules: [], span: undefined };
      addChain(table, chain);
    }
    if (this.atHandle()) chain.handle = Number(this.next().text);
    if (!this.atPunct('{')) {
      chain.span ??= this.span(kw);
      return;
    }
    const open = this.next();
    if (this.atHandle()) chain.handle = Number(this.next().text);
    this.parseBlockItems(open, 'chain', () => this.parseChainItem(table, chain));
    // Exactly its length (see parseRule): most chains of a big listing hold one or two rules.
    chain.rules = chain.rules.slice();
    chain.span = this.span(kw);
  }

  /** The items of an included file inside a chain block. */
  parseChainItems(table: Table, chain: Chain): void {
    this.parseItemsToEnd(() => {
      this.parseChainItem(table, chain);
      if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
    });
  }

  protected parseChainItem(table: Table, chain: Chain): void {
    // Most items are rules: told from the others by the token arrays, with no token made.
    if (!this.toks.wordIs(this.at(0), 'include', 'type', 'policy', 'comment', 'flags', 'devices')) {
      this.parseChainRule(table, chain);
      return;
    }
    const t = this.peek();
    if (this.isWord(t, 'include') && this.peek(1).kind === 'string') {
      this.next();
      this.parseInclude(t, table, chain);
      if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
      return;
    }
    if (
      this.isWord(t, 'type') &&
      this.isWord(this.peek(1), ...CHAIN_TYPES) &&
      this.isWord(this.peek(2), 'hook')
    ) {
      this.parseBaseSpec(table, chain);
    } else if (
      this.isWord(t, 'policy') &&
      (this.peek(1).kind !== 'punct' || this.isPunct(this.peek(1), '$'))
    ) {
      this.next();
      if (!chain.base)
        this.fail(t, `policy given for chain '${chain.name}', which is not a base chain`);
      const p = this.peek();
      let v = p.text;
      if (this.isPunct(p, '$')) {
        const e = this.parseVariable();
        v = e.kind === 'value' ? e.text : '';
      } else this.next();
      if (v !== 'accept' && v !== 'drop')
        this.fail(p, `invalid policy '${v}', expecting accept or drop`);
      chain.policy = v;
      chain.policyWritten = true;
    } else if (this.isWord(t, 'comment') && this.peek(1).kind === 'string' && this.isEndAt(2)) {
      this.next();
      chain.comment = this.expectString();
    } else if (this.isWord(t, 'flags') && this.isEndAt(2)) {
      this.next();
      chain.flags = this.parseWordList();
    } else if (this.isWord(t, 'devices') && this.isPunct(this.peek(1), '=')) {
      this.next();
      this.next();
      if (!chain.base) this.fail(t, 'devices given for a chain that is not a base chain');
      chain.base.devices = this.parseDeviceSet();
      chain.base.devicesSet = true;
    } else {
      this.parseChainRule(table, chain);
      return;
    }
    if (this.atHandle()) this.next();
    if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
  }

  private parseChainRule(table: Table, chain: Chain): void {
    const rule = this.parseRule();
    chain.rules.push(rule);
    // Checked now when only checking (its findings kept in place), so that it dies young.
    this.st.rules?.added(table, chain, chain.rules.length - 1);
  }

  protected parseDeviceSet(): string[] {
    const t = this.peek();
    if (this.isPunct(t, '$')) {
      const e = this.parseVariable();
      return flattenNames(e);
    }
    const open = this.expectPunct('{');
    const out: string[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.atPunct('}')) {
        this.next();
        break;
      }
      const d = this.peek();
      if (this.isPunct(d, '$')) out.push(...flattenNames(this.parseVariable()));
      else {
        let name = this.expectName('device name');
        // Older nft lists wildcard devices unquoted: `devices = { foo*, lo }`.
        if (this.atPunct('*') && !this.peek().sp) name += this.next().text;
        out.push(name);
      }
      this.skipNewlines();
      if (this.atPunct(',')) this.next();
      else if (!this.atPunct('}')) this.unexpected(this.peek(), "',' or '}'");
    }
    void open;
    return out;
  }

  protected parseBaseSpec(table: Table, chain: Chain): void {
    this.keyword('type');
    const type = this.next().text as BaseChainSpec['type'];
    this.keyword('hook');
    const hookTok = this.expectWord('hook name');
    if (!HOOKS.has(hookTok.text)) this.fail(hookTok, `unknown chain hook '${hookTok.text}'`);
    const hook = hookTok.text as HookName;
    let devices: string[] = [];
    let devicesSet: boolean | undefined;
    if (this.atWord('device')) {
      this.next();
      const d = this.peek();
      if (this.isPunct(d, '{')) {
        devices = this.parseDeviceSet();
        devicesSet = true;
      } else if (this.isPunct(d, '$')) {
        devices = flattenNames(this.parseVariable());
      } else devices = [this.expectName('device name')];
    } else if (this.atWord('devices')) {
      this.next();
      this.expectPunct('=');
      devices = this.parseDeviceSet();
      devicesSet = true;
    }
    const prio = this.parsePriority(table.family, hook);
    const base: BaseChainSpec = { type, hook, priority: prio, devices };
    if (devicesSet) base.devicesSet = true;
    chain.base = base;
    if (chain.policy === undefined) chain.policy = 'accept';
  }

  protected parsePriority(family: Family, hook: HookName | undefined): Priority {
    const kw = this.keyword('priority');
    const parts: Token[] = [];
    while (!this.atEnd() && !this.atWord('policy', 'flags', 'devices')) {
      parts.push(this.next());
      if (parts.length > 8) break;
    }
    if (parts.length === 0) this.unexpected(this.peek(), 'priority');
    let text = '';
    for (const [i, p] of parts.entries()) {
      if (this.isPunct(p, '$')) continue;
      let s = p.text;
      const before = parts[i - 1];
      if (before && this.isPunct(before, '$')) {
        const v = this.st.defines.get(p.text);
        if (!v) this.fail(p, `undefined variable '${p.text}'`);
        s = v.kind === 'value' ? v.text : '?';
      }
      text += text === '' || !p.sp ? s : ` ${s}`;
    }
    text = text.replace(/\s*([+])\s*/g, ' + ').replace(/([a-z])\s*-\s*(\d)/g, '$1 - $2');
    const value = resolvePriority(text, family);
    const first = parts[0] as Token;
    if (value === undefined) {
      this.fail(first, `unknown chain priority '${text}'`);
    }
    const name = /^[a-z]+/.exec(text)?.[0];
    if (name && !priorityAllowed(name, family, hook)) {
      this.fail(
        first,
        `'${name}' is not a valid priority in the ${hook ?? ''} hook of family ${family}`,
      );
    }
    void kw;
    return { value, text };
  }

  protected parseSetDecl(table: Table, kind: string, kw: Token): void {
    const nt = this.peek();
    const name = this.expectIdentifier('set name');
    const existing = table.sets.find((s) => s.name === name);
    // The declaration is read on its own, then merged into an existing set of that name.
    const set: NamedSet = {
      kind: kind as 'set' | 'map',
      name,
      key: { form: 'type', names: [] },
      flags: [],
      elements: [],
    };
    if (this.atHandle()) set.handle = Number(this.next().text);
    const open = this.expectPunct('{');
    if (this.atHandle()) set.handle = Number(this.next().text);
    this.parseBlockItems(open, 'set', () => {
      this.parseSetItem(set);
      if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
    });
    const typed =
      (set.key.form === 'type' && set.key.names.length > 0) ||
      (set.key.form === 'typeof' && set.key.exprs.length > 0);
    if (existing) {
      this.mergeSet(existing, set, typed, nt);
      return;
    }
    if (!typed) this.fail(nt, `set '${name}' has no type`);
    // A key or data of one datatype of no fixed size (nft's set_evaluate), a map's verdict aside.
    for (const [type, part] of [
      [set.key, 'key'],
      [set.data, 'data'],
    ] as const) {
      const only = type?.form === 'type' && type.names.length === 1 ? type.names[0] : undefined;
      if (only && UNQUALIFIED_DATATYPES.has(only) && !(part === 'data' && only === 'verdict'))
        this.fail(
          nt,
          `unqualified type ${only} specified in ${set.kind} definition. Try "typeof expression" instead of "type datatype".`,
        );
    }
    if (set.kind === 'map' && !set.data) this.fail(nt, `map '${name}' has no data type`);
    set.span = this.span(kw);
    table.sets.push(set);
  }

  /** A second declaration of a set: nft accepts it only when it agrees with the first. */
  protected mergeSet(old: NamedSet, decl: NamedSet, typed: boolean, at: Token): void {
    const sig = (x: NamedSet['key'] | undefined) =>
      JSON.stringify(x, (k, v) => (k === 'span' ? undefined : v));
    if (decl.kind !== old.kind) this.fail(at, `'${old.name}' already exists as a ${old.kind}`);
    if (typed && (sig(decl.key) !== sig(old.key) || sig(decl.data) !== sig(old.data))) {
      this.fail(at, `${old.kind} '${old.name}' already exists with a different type`);
    }
    if (typed && [...decl.flags].sort().join() !== [...old.flags].sort().join()) {
      this.fail(at, `${old.kind} '${old.name}' already exists with different flags`);
    }
    old.elements.push(...decl.elements);
    if (decl.handle !== undefined) old.handle = decl.handle;
    if (decl.comment !== undefined) old.comment = decl.comment;
    if (decl.timeout !== undefined) old.timeout = decl.timeout;
    if (decl.size !== undefined) old.size = decl.size;
  }

  /** `type a . b [: [interval] c . d]`. */
  private parseSetType(set: NamedSet, t: Token): void {
    const from = t;
    const key = this.parseDatatypes();
    set.key = { form: 'type', names: key.names, span: this.span(from) };
    let data: typeof key | undefined;
    if (this.atPunct(':')) {
      this.next();
      const d0 = this.peek();
      const interval = this.atWord('interval') && this.peek(1).kind === 'word';
      if (interval) this.next();
      data = this.parseDatatypes();
      set.data = { form: 'type', names: data.names, span: this.span(d0) };
      if (interval) set.data.interval = true;
    }
    // Checked once the declaration holds them: an error here is the only one about the type.
    this.checkDatatypes(key, false);
    if (data) this.checkDatatypes(data, true);
  }

  /** `a . b`: the datatype names and their tokens. */
  private parseDatatypes(): { names: string[]; toks: Token[] } {
    const names: string[] = [];
    const toks: Token[] = [];
    for (;;) {
      toks.push(this.peek());
      names.push(this.expectWord('data type').text);
      if (!this.atPunct('.')) return { names, toks };
      this.next();
    }
  }

  /**
   * Each name one nft knows (datatype_lookup_byname: "unknown datatype"), none of variable size
   * in a concatenation (nft's evaluate.c: "can not use variable sized data types (integer) in
   * concat expressions"). A map's data may also name a stateful object (`counter`, `quota`…).
   */
  private checkDatatypes(d: { names: string[]; toks: Token[] }, data: boolean): void {
    d.names.forEach((name, i) => {
      const t = d.toks[i] as Token;
      if (data && STATEFUL_DATA.has(name)) return;
      if (!DATATYPES.has(name) && !UNQUALIFIED_DATATYPES.has(name))
        this.fail(t, `unknown datatype ${name}`);
      if (d.names.length > 1 && UNQUALIFIED_DATATYPES.has(name))
        this.fail(t, `can not use variable sized data types (${name}) in concat expressions`);
    });
  }

  /** `typeof expr . expr [: [interval] expr . expr | verdict | counter …]`. */
  private parseSetTypeof(set: NamedSet): void {
    const from = this.peek();
    const key = this.parseConcat('lhs');
    set.key = {
      form: 'typeof',
      exprs: key.kind === 'concat' ? key.parts : [key],
      span: this.span(from),
    };
    if (this.atPunct(':')) {
      this.next();
      const d0 = this.peek();
      const interval = this.atWord('interval') && this.peek(1).kind === 'word';
      if (interval) this.next();
      if (
        this.atWord('verdict', 'counter', 'quota', 'limit', 'secmark', 'queue') &&
        this.isEndAt(1)
      ) {
        set.data = { form: 'type', names: [this.next().text], span: this.span(d0) };
      } else {
        const d = this.parseConcat('lhs');
        set.data = {
          form: 'typeof',
          exprs: d.kind === 'concat' ? d.parts : [d],
          span: this.span(d0),
        };
      }
      if (interval) set.data.interval = true;
    }
  }

  protected parseSetItem(set: NamedSet): void {
    const t = this.next();
    if (t.kind !== 'word') this.unexpected(t);
    switch (t.text) {
      case 'type':
        this.parseSetType(set, t);
        return;
      case 'typeof':
        this.parseSetTypeof(set);
        return;
      case 'flags':
        set.flags.push(...this.parseWordList());
        return;
      case 'timeout':
        set.timeout = this.expectWord('time').text;
        return;
      case 'gc-interval':
        set.gcInterval = this.expectWord('time').text;
        return;
      case 'size': {
        set.size = this.expectNumber();
        if (this.peek().kind === 'count') set.count = Number(this.next().text);
        return;
      }
      case 'policy':
        set.policy = this.expectWord('memory or performance').text;
        return;
      case 'auto-merge':
        set.autoMerge = true;
        return;
      case 'comment':
        set.comment = this.expectString();
        return;
      case 'elements': {
        this.expectPunct('=');
        const lit = this.parseSetLiteral('value', set.kind === 'map');
        set.elements.push(...lit.elements);
        return;
      }
      case 'counter':
      case 'quota':
      case 'limit':
      case 'last':
      case 'ct': {
        this.pos--;
        set.statements ??= [];
        let guard = 0;
        while (!this.atEnd() && guard++ < 16) {
          const before = this.pos;
          const s = this.parseStatement();
          if (!s || this.pos === before) this.unexpected(this.peek());
          set.statements.push(s);
        }
        return;
      }
      default:
        this.unexpected(t);
    }
  }

  protected parseObject(table: Table, type: ObjectType, kw: Token): void {
    const name = this.expectIdentifier('object name');
    const obj: StatefulObject = { type, name, body: [] };
    if (this.atHandle()) obj.handle = Number(this.next().text);
    if (this.atPunct('{')) {
      const open = this.next();
      if (this.atHandle()) obj.handle = Number(this.next().text);
      this.enter(open);
      let blocks = 0;
      try {
        for (;;) {
          this.skipSeparators();
          const t = this.peek();
          if (this.isPunct(t, '}')) {
            this.next();
            if (blocks === 0) break;
            // The end of a nested block (`geneve { … }` in a tunnel).
            blocks--;
            obj.body.push(['}']);
            continue;
          }
          if (t.kind === 'eof') this.fail(open, "unterminated object: missing '}'");
          if (blocks === 0 && this.isWord(t, 'comment') && this.peek(1).kind === 'string') {
            this.next();
            obj.comment = this.expectString();
            continue;
          }
          const from = this.pos;
          let depth = 0;
          let guard = 0;
          let opensBlock = false;
          while (guard++ < 100000) {
            const c = this.peek();
            if (c.kind === 'eof') this.fail(open, "unterminated object: missing '}'");
            if (this.isPunct(c, '{')) {
              if (depth === 0 && this.peek(1).kind === 'nl') {
                this.next();
                opensBlock = true;
                break;
              }
              depth++;
            } else if (this.isPunct(c, '}')) {
              if (depth === 0) break;
              depth--;
            } else if (depth === 0 && this.atEnd()) break;
            this.next();
          }
          obj.body.push(this.words(from, this.pos - 1));
          if (opensBlock) {
            if (++blocks > MAX_NESTING) this.fail(t, 'nesting too deep');
          }
        }
      } finally {
        this.leave();
      }
    }
    obj.span = this.span(kw);
    const i = table.objects.findIndex((o) => o.type === type && o.name === name);
    if (i >= 0) table.objects[i] = obj;
    else table.objects.push(obj);
  }

  protected parseFlowtable(table: Table, kw: Token): void {
    const nameTok = this.peek();
    const name = this.expectIdentifier('flowtable name');
    let ft = table.flowtables.find((f) => f.name === name);
    const fresh = !ft;
    ft ??= { name, hook: 'ingress', priority: { value: 0, text: '0' }, devices: [] };
    if (this.atHandle()) ft.handle = Number(this.next().text);
    if (this.atPunct('{')) {
      const open = this.next();
      if (this.atHandle()) ft.handle = Number(this.next().text);
      this.parseBraced(open, 'flowtable', (t) => {
        if (this.isWord(t, 'hook')) {
          this.next();
          const h = this.expectWord('hook');
          if (h.text !== 'ingress') this.fail(h, `flowtable hook must be ingress, not '${h.text}'`);
          ft.hook = 'ingress';
          if (this.atWord('priority')) ft.priority = this.parsePriority(table.family, 'ingress');
        } else if (this.isWord(t, 'priority')) {
          ft.priority = this.parsePriority(table.family, 'ingress');
        } else if (this.isWord(t, 'devices')) {
          this.next();
          this.expectPunct('=');
          ft.devices = this.parseDeviceSet();
        } else if (this.isWord(t, 'flags')) {
          this.next();
          ft.flags = this.parseWordList();
        } else if (this.isWord(t, 'counter')) {
          this.next();
          ft.counter = true;
        } else this.unexpected(t);
        if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
      });
    }
    ft.span = this.span(kw);
    if (fresh && ft.priority.text === '0' && !/\bpriority\b/.test(this.slice(kw))) {
      this.fail(nameTok, `flowtable '${name}' needs a hook and a priority`);
    }
    if (fresh) table.flowtables.push(ft as Flowtable);
  }
}

/**
 * The datatypes nft 1.0.6 accepts after `type` in a set or map (datatype.c's datatypes[], as
 * `nft -c` answers for each: test/ruleset/nft/set-datatypes.test.ts holds the list to it).
 */
const DATATYPES: ReadonlySet<string> = new Set([
  'arp_op',
  'boolean',
  'cgroupsv2',
  'classid',
  'ct_dir',
  'ct_state',
  'ct_status',
  'dccp_pkttype',
  'devgroup',
  'dscp',
  'ecn',
  'ether_addr',
  'ether_type',
  'fib_addrtype',
  'gid',
  'icmp_code',
  'icmp_type',
  'icmpv6_code',
  'icmpv6_type',
  'icmpx_code',
  'iface_index',
  'iface_type',
  'ifname',
  'igmp_type',
  'inet_proto',
  'inet_service',
  'ipv4_addr',
  'ipv6_addr',
  'mark',
  'mh_type',
  'nf_proto',
  'pkt_type',
  'realm',
  'tcp_flag',
  'time',
  'uid',
]);

/** Datatypes nft knows that have no fixed size: no key on their own, no part of a concatenation. */
const UNQUALIFIED_DATATYPES: ReadonlySet<string> = new Set([
  'bitmask',
  'integer',
  'invalid',
  'll_addr',
  'string',
  'verdict',
]);

/** What a map's data may name besides a datatype: an object map's kind of object. */
const STATEFUL_DATA: ReadonlySet<string> = new Set([
  'counter',
  'quota',
  'limit',
  'ct',
  'secmark',
  'synproxy',
  'tunnel',
]);
