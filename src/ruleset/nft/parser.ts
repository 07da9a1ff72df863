/**
 * A recursive-descent parser for nft text: `nft list ruleset` listings and `nft -f` scripts
 * (blocks, `add`/`insert`/`create`/`delete`/`flush` commands, `define`, `include`).
 *
 * The grammar follows nft's src/parser_bison.y where listings need it. Every loop consumes at
 * least one token or stops, so every parse is bounded. Errors are positioned Diagnostics; the
 * parser resynchronises at the next rule or line to report several errors per file.
 *
 * This module reads commands and scripts (NftParser, the top of the chain of classes described
 * in cursor.ts).
 */

import { chainNamed } from '../chains.ts';
import type {
  Chain,
  Expr,
  Family,
  NamedSet,
  ObjectType,
  Ruleset,
  Table,
  TypeSpec,
} from '../model.ts';
import { BlockParser } from './blocks.ts';
import { exprKey, MAX_INCLUDE_DEPTH } from './cursor.ts';
import type { Token } from './lexer.ts';
import { FAMILIES } from './vocabulary.ts';

export class NftParser extends BlockParser {
  parseScript(): void {
    this.parseItemsToEnd(() => {
      this.parseCommand();
      const e = this.peek();
      if (e.kind === 'handle') this.next();
      if (!this.atEnd() && this.peek().kind !== 'eof') this.unexpected(this.peek(), 'end of line');
      if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
    });
  }

  protected parseFamilyOpt(): Family {
    const t = this.peek();
    // A family's word is always a keyword to nft, never a name: `table ip {` is family ip
    // without a name ("unexpected '{', expecting string").
    if (this.isWordIn(t, FAMILIES)) {
      this.next();
      return t.text as Family;
    }
    return 'ip';
  }

  protected findTable(family: Family, name: string, at: Token): Table {
    const t = this.st.ruleset.tables.find((x) => x.family === family && x.name === name);
    if (!t)
      this.fail(at, `No such file or directory; table '${name}' (family ${family}) does not exist`);
    return t;
  }

  protected getOrCreateTable(family: Family, name: string, at: Token): Table {
    let t = this.st.ruleset.tables.find((x) => x.family === family && x.name === name);
    if (!t) {
      t = {
        family,
        name,
        flags: [],
        chains: [],
        sets: [],
        objects: [],
        flowtables: [],
        span: this.span(at),
      };
      this.st.ruleset.tables.push(t);
    }
    return t;
  }

  protected findChain(table: Table, name: string, at: Token): Chain {
    const c = chainNamed(table, name);
    if (!c)
      this.fail(
        at,
        `No such file or directory; chain '${name}' does not exist in table ${table.family} ${table.name}`,
      );
    return c;
  }

  protected findSet(table: Table, name: string, at: Token): NamedSet {
    const s = table.sets.find((x) => x.name === name);
    if (!s)
      this.fail(
        at,
        `No such file or directory; set '${name}' does not exist in table ${table.family} ${table.name}`,
      );
    return s;
  }

  protected parseCommand(): void {
    const t = this.peek();
    if (t.kind !== 'word') this.unexpected(t, 'a command');
    switch (t.text) {
      case 'table':
      case 'chain':
      case 'rule':
      case 'set':
      case 'map':
      case 'element':
      case 'flowtable':
      case 'counter':
      case 'quota':
      case 'limit':
      case 'ct':
      case 'secmark':
      case 'synproxy':
        this.parseAdd('add', t);
        return;
      case 'add':
      case 'create':
      case 'insert':
      case 'replace':
        this.next();
        this.parseAdd(t.text, t);
        return;
      case 'delete':
      case 'destroy':
        this.next();
        this.parseDelete(t);
        return;
      case 'flush':
        this.next();
        this.parseFlush(t);
        return;
      case 'list':
      case 'reset':
      case 'describe':
      case 'monitor':
      case 'export':
        // These print or reset state of a running kernel; a ruleset file for nfwalk has none.
        this.fail(t, `'${t.text}' commands are not supported in a ruleset file`);
        break;
      case 'define':
      case 'redefine':
        this.next();
        this.parseDefine(t.text === 'redefine');
        return;
      case 'undefine': {
        this.next();
        const n = this.expectWord('variable name');
        if (!this.st.defines.delete(n.text)) this.fail(n, `undefined variable '${n.text}'`);
        return;
      }
      case 'include':
        this.next();
        this.parseInclude(t);
        return;
      default:
        this.fail(t, `syntax error, unexpected ${this.describe(t)}`);
    }
  }

  protected parseDefine(redefine: boolean): void {
    this.refuseNonIdentifier('variable name');
    const n = this.expectWord('variable name');
    this.expectPunct('=');
    const value = this.parseNegativeNumber() ?? this.parseRhs('value', false);
    if (!redefine && this.st.defines.has(n.text)) {
      this.fail(n, `redefinition of symbol '${n.text}'`);
    }
    this.st.defines.set(n.text, value);
  }

  /**
   * `-10`: a define's value is the one place nft's grammar has a negative number
   * (initializer_expr's `'-' NUM`), for a chain priority given as a variable.
   */
  private parseNegativeNumber(): Expr | undefined {
    const t = this.peek();
    const n = this.peek(1);
    if (!this.isPunct(t, '-') || n.kind !== 'word' || n.sp || !/^\d/.test(n.text)) return undefined;
    this.next();
    this.next();
    return { kind: 'value', text: `-${n.text}`, span: this.span(t) };
  }

  /** The items of an included file inside a table block. */
  parseTableItems(table: Table): void {
    this.parseItemsToEnd(() => {
      this.parseTableItem(table);
      if (this.atHandle()) this.next();
      if (!this.atEnd()) this.unexpected(this.peek(), 'end of line');
      if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
    });
  }

  protected parseInclude(kw: Token, table?: Table, chain?: Chain): void {
    const p = this.peek();
    if (p.kind !== 'string') this.unexpected(p, 'quoted path');
    this.next();
    const host = this.st.include;
    if (!host) this.fail(p, `include "${p.text}": includes are not available for this input`);
    if (this.st.includeStack.length >= MAX_INCLUDE_DEPTH) this.fail(p, 'include nesting too deep');
    const r = host.read(p.text, this.file);
    if ('error' in r) this.fail(p, r.error);
    for (const f of r.files) {
      if (this.st.includeStack.includes(f.path))
        this.fail(p, `include loop: ${f.path} includes itself`);
      if (!this.st.ruleset.files.some((x) => x.path === f.path)) this.st.ruleset.files.push(f);
      this.st.includeStack.push(f.path);
      try {
        const sub = new NftParser(f.text, f.path, this.st);
        if (table && chain) sub.parseChainItems(table, chain);
        else if (table) sub.parseTableItems(table);
        else sub.parseScript();
      } finally {
        this.st.includeStack.pop();
      }
    }
    void kw;
  }

  protected parseFlush(kw: Token): void {
    const what = this.expectWord('ruleset, table, chain, set or map');
    switch (what.text) {
      case 'ruleset': {
        let fam: Family | undefined;
        if (this.isWord(this.peek(), ...FAMILIES)) fam = this.next().text as Family;
        this.st.ruleset.tables = fam ? this.st.ruleset.tables.filter((x) => x.family !== fam) : [];
        return;
      }
      case 'table': {
        const fam = this.parseFamilyOpt();
        const nameTok = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), nameTok);
        for (const c of table.chains) {
          c.rules = [];
          this.st.rules?.flushed(c);
        }
        return;
      }
      case 'chain': {
        const { chain } = this.parseChainRef();
        chain.rules = [];
        this.st.rules?.flushed(chain);
        return;
      }
      case 'set':
      case 'map': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        const st = this.peek();
        this.findSet(table, this.expectIdentifier('set name'), st).elements = [];
        return;
      }
      default:
        this.fail(what, `flush ${what.text}: not supported`);
    }
    void kw;
  }

  protected parseChainRef(): { table: Table; chain: Chain; chainTok: Token } {
    const fam = this.parseFamilyOpt();
    const tt = this.peek();
    const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
    const chainTok = this.peek();
    const chain = this.findChain(table, this.expectIdentifier('chain name'), chainTok);
    return { table, chain, chainTok };
  }

  protected parseDelete(kw: Token): void {
    const what = this.expectWord('object type');
    // A whole table goes with every chain, set and object its rules could name; anything
    // less could remove what a rule checked already named.
    if (what.text !== 'element' && what.text !== 'table') this.st.rules?.readsBack();
    const fam = this.parseFamilyOpt();
    const tt = this.peek();
    const tname = this.expectIdentifier('table name');
    const destroy = kw.text === 'destroy';
    const table = this.st.ruleset.tables.find((x) => x.family === fam && x.name === tname);
    if (!table) {
      if (destroy) {
        this.skipRest();
        return;
      }
      this.findTable(fam, tname, tt);
      return;
    }
    if (what.text === 'table') {
      this.st.ruleset.tables = this.st.ruleset.tables.filter((x) => x !== table);
      return;
    }
    const nt = this.peek();
    const name = this.expectIdentifier('name');
    switch (what.text) {
      case 'chain': {
        const i = table.chains.findIndex((c) => c.name === name);
        if (i < 0 && !destroy) this.findChain(table, name, nt);
        if (i >= 0) table.chains.splice(i, 1);
        return;
      }
      case 'set':
      case 'map': {
        const i = table.sets.findIndex((s) => s.name === name);
        if (i < 0 && !destroy) this.findSet(table, name, nt);
        if (i >= 0) table.sets.splice(i, 1);
        return;
      }
      case 'rule': {
        const chain = this.findChain(table, name, nt);
        this.keyword('handle');
        const h = this.expectWord('handle number');
        const i = chain.rules.findIndex((r) => r.handle === Number(h.text));
        if (i < 0) this.fail(h, `rule with handle ${h.text} not found`);
        chain.rules.splice(i, 1);
        return;
      }
      case 'element': {
        const set = this.findSet(table, name, nt);
        const lit = this.parseSetLiteral('value');
        const keys = new Set(lit.elements.map((e) => exprKey(e.key)));
        set.elements = set.elements.filter((e) => !keys.has(exprKey(e.key)));
        return;
      }
      default:
        this.fail(what, `${kw.text} ${what.text}: not supported`);
    }
  }

  protected skipRest(): void {
    while (!this.atEnd()) this.next();
  }

  /** `add table|chain|rule|set|map|element|…` and the bare block forms (`table x { … }`). */
  protected parseAdd(verb: string, kw: Token): void {
    const what = this.expectWord('table, chain, rule, set, map or element');
    switch (what.text) {
      case 'table': {
        const fam = this.parseFamilyOpt();
        const nameTok = this.peek();
        const name = this.expectIdentifier('table name');
        const exists = this.st.ruleset.tables.some((x) => x.family === fam && x.name === name);
        if (verb === 'create' && exists) this.fail(nameTok, `table '${name}' already exists`);
        const table = this.getOrCreateTable(fam, name, what);
        if (this.atPunct('{')) {
          this.parseTableBlock(table);
          table.span = this.span(kw === what ? what : kw);
        }
        return;
      }
      case 'chain': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        const ct = this.peek();
        const name = this.expectIdentifier('chain name');
        if (verb === 'create' && chainNamed(table, name)) {
          this.fail(ct, `chain '${name}' already exists`);
        }
        this.parseChainDecl(table, name, kw);
        return;
      }
      case 'rule':
        this.parseAddRule(verb);
        return;
      case 'set':
      case 'map': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        this.parseSetDecl(table, what.text, kw);
        return;
      }
      case 'element': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        const st = this.peek();
        const set = this.findSet(table, this.expectIdentifier('set name'), st);
        const lit = this.parseSetLiteral('value', set.kind === 'map');
        set.elements.push(...lit.elements);
        return;
      }
      case 'flowtable': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        this.parseFlowtable(table, kw);
        return;
      }
      case 'counter':
      case 'quota':
      case 'limit':
      case 'secmark':
      case 'synproxy':
      case 'ct': {
        let type: ObjectType = what.text as ObjectType;
        if (what.text === 'ct') {
          const sub = this.expectWord('helper, timeout or expectation');
          if (!['helper', 'timeout', 'expectation'].includes(sub.text))
            this.unexpected(sub, 'helper, timeout or expectation');
          type = `ct ${sub.text}` as ObjectType;
        }
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectIdentifier('table name'), tt);
        this.parseObject(table, type, kw);
        return;
      }
      default:
        // `add TABLE CHAIN statements`: nft reads a rule when the keyword is left out.
        if (verb === 'add' || verb === 'insert' || verb === 'replace') {
          this.pos--;
          this.parseAddRule(verb);
          return;
        }
        this.fail(what, `${verb} ${what.text}: not supported`);
    }
  }

  /** `add|insert|replace rule [family] table chain [index N|position H|handle H] statements`. */
  protected parseAddRule(verb: string): void {
    const { table, chain } = this.parseChainRef();
    let at: number | undefined;
    const appends = verb !== 'insert' && verb !== 'replace';
    if (this.st.rules && (!appends || this.atWord('index', 'position', 'handle'))) {
      this.st.rules.readsBack();
    }
    if (this.atWord('index', 'position', 'handle')) {
      const k = this.next();
      const n = this.peek();
      const value = this.expectNumber();
      if (k.text === 'index') at = value;
      else {
        const i = chain.rules.findIndex((r) => r.handle === value);
        if (i < 0) this.fail(n, `rule with handle ${n.text} not found`);
        at = verb === 'insert' ? i : i + 1;
        if (verb === 'replace') {
          const rule = this.parseRule();
          chain.rules[i] = rule;
          return;
        }
      }
    }
    const rule = this.parseRule();
    if (at === undefined) at = verb === 'insert' ? 0 : chain.rules.length;
    chain.rules.splice(Math.min(at, chain.rules.length), 0, rule);
    if (appends) this.st.rules?.added(table, chain, chain.rules.length - 1);
  }
}

/** Numbers each chain's rules by position: the trace's rule index. */
export function numberRules(rs: Ruleset): void {
  for (const t of rs.tables) {
    for (const c of t.chains) {
      c.rules.forEach((r, i) => {
        r.index = i;
      });
    }
  }
}

export type { IncludeHost, ParseState } from './cursor.ts';
export type { TypeSpec };
