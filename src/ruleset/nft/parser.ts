/**
 * A recursive-descent parser for nft text: `nft list ruleset` listings and `nft -f` scripts
 * (blocks, `add`/`insert`/`create`/`delete`/`flush` commands, `define`, `include`).
 *
 * The grammar follows nft's src/parser_bison.y where listings need it. Every loop consumes at
 * least one token or stops, so every parse is bounded. Errors are positioned Diagnostics; the
 * parser resynchronises at the next rule or line to report several errors per file.
 */
import type { Diagnostic } from '../diagnostics.ts';
import type {
  BaseChainSpec,
  Chain,
  CounterStmt,
  Expr,
  Family,
  Flowtable,
  HookName,
  LogStmt,
  NamedSet,
  NatStmt,
  ObjectType,
  OtherStmt,
  Priority,
  RejectStmt,
  Rule,
  Ruleset,
  SetElement,
  SetExpr,
  SetOpStmt,
  Span,
  StatefulObject,
  Statement,
  Table,
  TypeSpec,
  Verdict,
  VerdictKind,
} from '../model.ts';
import { printExpr } from '../printer.ts';
import { priorityAllowed, resolvePriority } from '../priority.ts';
import { lexStream, type Token, type TokenStream } from './lexer.ts';
import {
  CHAIN_TYPES,
  CT_KEYS,
  EXTHDR_PROTOS,
  FAMILIES,
  HOOKS,
  META_KEYS,
  META_SHORT,
  OPTION_FIELDS,
  PAYLOAD_FIELDS,
  RT_KEYS,
  TUNNEL_PROTOS,
  VERDICT_WORDS,
} from './vocabulary.ts';

/** Internal: aborts the current command or rule; caught at the nearest resync point. */
class ParseFail {
  readonly diag: Diagnostic;
  constructor(diag: Diagnostic) {
    this.diag = diag;
  }
}

/** What the parser needs from the outside world for `include`. */
export interface IncludeHost {
  /**
   * Resolves and reads an included file. Returns the files (a glob may match several) or an
   * error message for a positioned diagnostic.
   */
  read(
    path: string,
    fromFile: string,
  ): { files: { path: string; text: string }[] } | { error: string };
}

export interface ParseState {
  ruleset: Ruleset;
  defines: Map<string, Expr>;
  diagnostics: Diagnostic[];
  include?: IncludeHost;
  includeStack: string[];
}

/** Expression contexts: what a bare word means. */
type Ctx = 'lhs' | 'value' | 'expr';

const MAX_ERRORS = 100;
const FIB_FLAGS = new Set(['saddr', 'daddr', 'mark', 'iif', 'oif']);
const SOCKET_KEYS = new Set(['transparent', 'mark', 'wildcard', 'cgroupv2']);
const MAX_INCLUDE_DEPTH = 16;
const MAX_NESTING = 64;

function isNumeric(text: string): boolean {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(text);
}

function cloneExpr<T>(e: T): T {
  return structuredClone(e);
}

/**
 * A table's chains by name, so that declaring the 50,000th chain does not scan the 49,999
 * before it (kube-proxy-sized listings were quadratic). Rebuilt whenever the chain list
 * changed other than by the push this index saw; the first chain of a name wins, as find did.
 */
const chainIndexes = new WeakMap<
  Table,
  { list: Chain[]; size: number; byName: Map<string, Chain> }
>();

/** Every word and sign of NftParser.BINOP_LEVELS, to leave parseBinop's loop at once. */
const BINOP_WORDS = new Set(['|', 'or', '^', 'xor', '&', 'and', '<<', '>>', 'lshift', 'rshift']);

function chainNamed(table: Table, name: string): Chain | undefined {
  let ix = chainIndexes.get(table);
  if (!ix || ix.list !== table.chains || ix.size !== table.chains.length) {
    // One chain pushed since the last look: add it; anything else: rebuild.
    if (ix && ix.list === table.chains && ix.size + 1 === table.chains.length) {
      const added = table.chains[ix.size] as Chain;
      if (!ix.byName.has(added.name)) ix.byName.set(added.name, added);
      ix.size++;
    } else {
      const byName = new Map<string, Chain>();
      for (const c of table.chains) if (!byName.has(c.name)) byName.set(c.name, c);
      ix = { list: table.chains, size: table.chains.length, byName };
      chainIndexes.set(table, ix);
    }
  }
  return ix.byName.get(name);
}

export class NftParser {
  private readonly toks: TokenStream;
  private pos = 0;
  private readonly text: string;
  private readonly file: string;
  private readonly st: ParseState;
  private depth = 0;

  constructor(text: string, file: string, state: ParseState) {
    this.text = text;
    this.file = file;
    this.st = state;
    const { stream, errors } = lexStream(text, file);
    this.toks = stream;
    for (const e of errors) {
      this.st.diagnostics.push({
        file,
        line: e.line,
        col: e.col,
        endLine: e.line,
        endCol: e.col + 1,
        message: e.message,
        severity: 'error',
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Token helpers

  private peek(k = 0): Token {
    return this.toks.get(Math.min(this.pos + k, this.toks.length - 1));
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  private prev(): Token {
    return this.toks.get(Math.max(0, this.pos - 1));
  }

  private isWord(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && (words.length === 0 || words.includes(t.text));
  }

  private isPunct(t: Token, ...p: string[]): boolean {
    return t.kind === 'punct' && p.includes(t.text);
  }

  private atWord(...words: string[]): boolean {
    return this.isWord(this.peek(), ...words);
  }

  private atPunct(...p: string[]): boolean {
    return this.isPunct(this.peek(), ...p);
  }

  /** End of a rule or a chain/table body item. */
  private atEnd(): boolean {
    const t = this.peek();
    return (
      t.kind === 'nl' ||
      t.kind === 'eof' ||
      t.kind === 'handle' ||
      t.kind === 'count' ||
      (t.kind === 'punct' && (t.text === ';' || t.text === '}'))
    );
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'nl') return 'end of line';
    if (t.kind === 'string') return `string "${t.text}"`;
    if (t.kind === 'handle') return 'comment';
    return `'${t.text}'`;
  }

  private fail(t: Token, message: string): never {
    throw new ParseFail({
      file: t.file,
      line: t.line,
      col: t.col,
      endLine: t.line,
      endCol: t.col + Math.max(1, t.end - t.offset),
      message,
      severity: 'error',
    });
  }

  private unexpected(t: Token, expected?: string): never {
    this.fail(
      t,
      `syntax error, unexpected ${this.describe(t)}${expected ? `, expecting ${expected}` : ''}`,
    );
  }

  private expectWord(what = 'identifier'): Token {
    const t = this.peek();
    if (t.kind !== 'word') this.unexpected(t, what);
    return this.next();
  }

  /** A name: a word or a quoted string. */
  private expectName(what = 'identifier'): string {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string') {
      this.next();
      return t.text;
    }
    if (this.isPunct(t, '$')) {
      const e = this.parseVariable();
      if (e.kind === 'value') return e.text;
      this.fail(t, 'variable does not hold a name');
    }
    this.unexpected(t, what);
  }

  private expectPunct(p: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, p)) this.unexpected(t, `'${p}'`);
    return this.next();
  }

  private keyword(w: string): Token {
    const t = this.peek();
    if (!this.isWord(t, w)) this.unexpected(t, `'${w}'`);
    return this.next();
  }

  private skipNewlines(): void {
    let guard = 0;
    while (this.peek().kind === 'nl' && guard++ < 1e7) this.next();
  }

  private skipSeparators(): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'nl' || t.kind === 'count' || this.isPunct(t, ';')) this.next();
      else break;
    }
  }

  private span(from: Token, to: Token = this.prev()): Span {
    const last = to.offset >= from.offset ? to : from;
    return {
      file: from.file,
      line: from.line,
      col: from.col,
      endLine: last.line,
      endCol: last.col + (last.end - last.offset),
      offset: from.offset,
      end: last.end,
    };
  }

  private slice(from: Token, to: Token = this.prev()): string {
    return this.text.slice(from.offset, Math.max(from.offset, to.end));
  }

  /** The tokens from..to (inclusive indexes) as words, adjacent tokens glued. */
  private words(fromIdx: number, toIdx: number): string[] {
    const out: string[] = [];
    for (let i = fromIdx; i <= toIdx; i++) {
      const t = this.toks.get(i);
      if (t.kind === 'nl') continue;
      let s = t.kind === 'string' ? `"${t.text}"` : t.text;
      const n = i + 1 < this.toks.length ? this.toks.get(i + 1) : undefined;
      if (this.isPunct(t, '$') && n?.kind === 'word' && !n.sp && i < toIdx) {
        // Variables are resolved here too: the words hold what nft would list.
        const v = this.st.defines.get(n.text);
        if (v) {
          s = printExpr(v);
          i++;
        }
      }
      if (out.length > 0 && !t.sp) out[out.length - 1] += s;
      else out.push(s);
    }
    return out;
  }

  private record(d: Diagnostic): void {
    if (this.st.diagnostics.length < MAX_ERRORS) this.st.diagnostics.push(d);
  }

  /**
   * After an error: skip to the end of the current line or `;` at this brace depth. Stops
   * before a `}` that closes an enclosing block.
   */
  private resync(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') {
        if (depth === 0) return;
        depth--;
      }
      if (depth === 0 && (t.kind === 'nl' || this.isPunct(t, ';'))) {
        this.next();
        return;
      }
      this.next();
    }
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) this.fail(t, 'nesting too deep');
  }

  private leave(): void {
    this.depth--;
  }

  // -------------------------------------------------------------------------------------------
  // Script level

  parseScript(): void {
    let lastPos = -1;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (this.pos === lastPos) {
        // No progress: drop one token (never loops).
        this.next();
        continue;
      }
      lastPos = this.pos;
      try {
        this.parseCommand();
        const e = this.peek();
        if (e.kind === 'handle') this.next();
        if (!this.atEnd() && this.peek().kind !== 'eof')
          this.unexpected(this.peek(), 'end of line');
        if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
      } catch (err) {
        if (!(err instanceof ParseFail)) throw err;
        this.record(err.diag);
        this.resync();
      }
    }
  }

  private parseFamilyOpt(): Family {
    const t = this.peek();
    // `table ip` alone names a table called "ip" in family ip? nft reads the keyword as family.
    if (
      this.isWord(t, ...FAMILIES) &&
      (this.peek(1).kind === 'word' || this.peek(1).kind === 'string')
    ) {
      this.next();
      return t.text as Family;
    }
    return 'ip';
  }

  private findTable(family: Family, name: string, at: Token): Table {
    const t = this.st.ruleset.tables.find((x) => x.family === family && x.name === name);
    if (!t)
      this.fail(at, `No such file or directory; table '${name}' (family ${family}) does not exist`);
    return t;
  }

  private getOrCreateTable(family: Family, name: string, at: Token): Table {
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

  private findChain(table: Table, name: string, at: Token): Chain {
    const c = chainNamed(table, name);
    if (!c)
      this.fail(
        at,
        `No such file or directory; chain '${name}' does not exist in table ${table.family} ${table.name}`,
      );
    return c;
  }

  private findSet(table: Table, name: string, at: Token): NamedSet {
    const s = table.sets.find((x) => x.name === name);
    if (!s)
      this.fail(
        at,
        `No such file or directory; set '${name}' does not exist in table ${table.family} ${table.name}`,
      );
    return s;
  }

  private parseCommand(): void {
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
        return this.fail(t, `'${t.text}' commands are not supported in a ruleset file`);
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

  private parseDefine(redefine: boolean): void {
    const n = this.expectWord('variable name');
    this.expectPunct('=');
    const value = this.parseRhs('value', false);
    if (!redefine && this.st.defines.has(n.text)) {
      this.fail(n, `redefinition of symbol '${n.text}'`);
    }
    this.st.defines.set(n.text, value);
  }

  /** The items of an included file inside a table block. */
  parseTableItems(table: Table): void {
    let lastPos = -1;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (this.pos === lastPos) {
        this.next();
        continue;
      }
      lastPos = this.pos;
      try {
        this.parseTableItem(table);
        if (this.peek().kind === 'handle') this.next();
        if (!this.atEnd()) this.unexpected(this.peek(), 'end of line');
        if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
      } catch (err) {
        if (!(err instanceof ParseFail)) throw err;
        this.record(err.diag);
        this.resync();
      }
    }
  }

  private parseInclude(kw: Token, table?: Table, chain?: Chain): void {
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

  private parseFlush(kw: Token): void {
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
        const table = this.findTable(fam, this.expectName('table name'), nameTok);
        for (const c of table.chains) c.rules = [];
        return;
      }
      case 'chain': {
        const { chain } = this.parseChainRef();
        chain.rules = [];
        return;
      }
      case 'set':
      case 'map': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectName('table name'), tt);
        const st = this.peek();
        this.findSet(table, this.expectName('set name'), st).elements = [];
        return;
      }
      default:
        this.fail(what, `flush ${what.text}: not supported`);
    }
    void kw;
  }

  private parseChainRef(): { table: Table; chain: Chain; chainTok: Token } {
    const fam = this.parseFamilyOpt();
    const tt = this.peek();
    const table = this.findTable(fam, this.expectName('table name'), tt);
    const chainTok = this.peek();
    const chain = this.findChain(table, this.expectName('chain name'), chainTok);
    return { table, chain, chainTok };
  }

  private parseDelete(kw: Token): void {
    const what = this.expectWord('object type');
    const fam = this.parseFamilyOpt();
    const tt = this.peek();
    const tname = this.expectName('table name');
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
    const name = this.expectName('name');
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

  private skipRest(): void {
    while (!this.atEnd()) this.next();
  }

  /** `add table|chain|rule|set|map|element|…` and the bare block forms (`table x { … }`). */
  private parseAdd(verb: string, kw: Token): void {
    const what = this.expectWord('table, chain, rule, set, map or element');
    switch (what.text) {
      case 'table': {
        const fam = this.parseFamilyOpt();
        const nameTok = this.peek();
        const name = this.expectName('table name');
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
        const table = this.findTable(fam, this.expectName('table name'), tt);
        const ct = this.peek();
        const name = this.expectName('chain name');
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
        const table = this.findTable(fam, this.expectName('table name'), tt);
        this.parseSetDecl(table, what.text, kw);
        return;
      }
      case 'element': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectName('table name'), tt);
        const st = this.peek();
        const set = this.findSet(table, this.expectName('set name'), st);
        const lit = this.parseSetLiteral('value', set.kind === 'map');
        set.elements.push(...lit.elements);
        return;
      }
      case 'flowtable': {
        const fam = this.parseFamilyOpt();
        const tt = this.peek();
        const table = this.findTable(fam, this.expectName('table name'), tt);
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
        const table = this.findTable(fam, this.expectName('table name'), tt);
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
  private parseAddRule(verb: string): void {
    const { chain } = this.parseChainRef();
    let at: number | undefined;
    if (this.atWord('index', 'position', 'handle')) {
      const k = this.next();
      const n = this.expectWord('number');
      if (!isNumeric(n.text)) this.unexpected(n, 'number');
      if (k.text === 'index') at = Number(n.text);
      else {
        const i = chain.rules.findIndex((r) => r.handle === Number(n.text));
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
  }

  // -------------------------------------------------------------------------------------------
  // Tables

  private parseTableBlock(table: Table): void {
    const open = this.expectPunct('{');
    if (this.peek().kind === 'handle') table.handle = Number(this.next().text);
    this.enter(open);
    try {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (this.isPunct(t, '}')) {
          this.next();
          return;
        }
        if (t.kind === 'eof') this.fail(open, "unterminated block: missing '}'");
        const before = this.pos;
        try {
          this.parseTableItem(table);
          if (this.peek().kind === 'handle') this.next();
          if (!this.atEnd()) this.unexpected(this.peek(), 'end of line');
        } catch (err) {
          if (!(err instanceof ParseFail)) throw err;
          this.record(err.diag);
          this.resync();
          if (this.pos === before) this.next();
        }
      }
    } finally {
      this.leave();
    }
  }

  private parseTableItem(table: Table): void {
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
        const name = this.expectName('chain name');
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

  private expectString(): string {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.text;
    }
    if (this.isPunct(t, '$')) {
      const e = this.parseVariable();
      if (e.kind === 'value') return e.text;
    }
    this.unexpected(t, 'string');
  }

  /** `a,b,c` (flags). */
  private parseWordList(): string[] {
    const out: string[] = [this.expectWord('flag').text];
    while (this.atPunct(',')) {
      this.next();
      this.skipNewlines();
      out.push(this.expectWord('flag').text);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Chains

  private parseChainDecl(table: Table, name: string, kw: Token): void {
    let chain = chainNamed(table, name);
    if (!chain) {
      chain = { name, rules: [] };
      table.chains.push(chain);
    }
    if (this.peek().kind === 'handle') chain.handle = Number(this.next().text);
    if (!this.atPunct('{')) {
      chain.span ??= this.span(kw);
      return;
    }
    const open = this.next();
    if (this.peek().kind === 'handle') chain.handle = Number(this.next().text);
    this.enter(open);
    try {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (this.isPunct(t, '}')) {
          this.next();
          break;
        }
        if (t.kind === 'eof') this.fail(open, "unterminated chain: missing '}'");
        const before = this.pos;
        try {
          this.parseChainItem(table, chain);
        } catch (err) {
          if (!(err instanceof ParseFail)) throw err;
          this.record(err.diag);
          this.resync();
          if (this.pos === before) this.next();
        }
      }
    } finally {
      this.leave();
    }
    chain.span = this.span(kw);
  }

  /** The items of an included file inside a chain block. */
  parseChainItems(table: Table, chain: Chain): void {
    let lastPos = -1;
    for (;;) {
      this.skipSeparators();
      if (this.peek().kind === 'eof') return;
      if (this.pos === lastPos) {
        this.next();
        continue;
      }
      lastPos = this.pos;
      try {
        this.parseChainItem(table, chain);
        if (this.isPunct(this.peek(), '}')) this.unexpected(this.peek());
      } catch (err) {
        if (!(err instanceof ParseFail)) throw err;
        this.record(err.diag);
        this.resync();
      }
    }
  }

  private parseChainItem(table: Table, chain: Chain): void {
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
      const rule = this.parseRule();
      chain.rules.push(rule);
      return;
    }
    if (this.peek().kind === 'handle') this.next();
    if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
  }

  private isEndAt(k: number): boolean {
    const t = this.peek(k);
    return t.kind === 'nl' || t.kind === 'eof' || t.kind === 'handle' || this.isPunct(t, ';', '}');
  }

  private parseDeviceSet(): string[] {
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

  private parseBaseSpec(table: Table, chain: Chain): void {
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

  private parsePriority(family: Family, hook: HookName | undefined): Priority {
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

  // -------------------------------------------------------------------------------------------
  // Sets and maps

  private parseSetDecl(table: Table, kind: string, kw: Token): void {
    const nt = this.peek();
    const name = this.expectName('set name');
    const existing = table.sets.find((s) => s.name === name);
    // The declaration is read on its own, then merged into an existing set of that name.
    const set: NamedSet = {
      kind: kind as 'set' | 'map',
      name,
      key: { form: 'type', names: [] },
      flags: [],
      elements: [],
    };
    if (this.peek().kind === 'handle') set.handle = Number(this.next().text);
    const open = this.expectPunct('{');
    if (this.peek().kind === 'handle') set.handle = Number(this.next().text);
    this.enter(open);
    try {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (this.isPunct(t, '}')) {
          this.next();
          break;
        }
        if (t.kind === 'eof') this.fail(open, "unterminated set: missing '}'");
        const before = this.pos;
        try {
          this.parseSetItem(set);
          if (!this.atEnd()) this.unexpected(this.peek(), "';' or end of line");
        } catch (err) {
          if (!(err instanceof ParseFail)) throw err;
          this.record(err.diag);
          this.resync();
          if (this.pos === before) this.next();
        }
      }
    } finally {
      this.leave();
    }
    const typed =
      (set.key.form === 'type' && set.key.names.length > 0) ||
      (set.key.form === 'typeof' && set.key.exprs.length > 0);
    if (existing) {
      this.mergeSet(existing, set, typed, nt);
      return;
    }
    if (!typed) this.fail(nt, `set '${name}' has no type`);
    if (set.kind === 'map' && !set.data) this.fail(nt, `map '${name}' has no data type`);
    set.span = this.span(kw);
    table.sets.push(set);
  }

  /** A second declaration of a set: nft accepts it only when it agrees with the first. */
  private mergeSet(old: NamedSet, decl: NamedSet, typed: boolean, at: Token): void {
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

  private parseSetItem(set: NamedSet): void {
    const t = this.next();
    if (t.kind !== 'word') this.unexpected(t);
    switch (t.text) {
      case 'type': {
        const from = t;
        const names = [this.expectWord('data type').text];
        while (this.atPunct('.')) {
          this.next();
          names.push(this.expectWord('data type').text);
        }
        set.key = { form: 'type', names, span: this.span(from) };
        if (this.atPunct(':')) {
          this.next();
          const d0 = this.peek();
          const interval = this.atWord('interval') && this.peek(1).kind === 'word';
          if (interval) this.next();
          const dn = [this.expectWord('data type').text];
          while (this.atPunct('.')) {
            this.next();
            dn.push(this.expectWord('data type').text);
          }
          set.data = { form: 'type', names: dn, span: this.span(d0) };
          if (interval) set.data.interval = true;
        }
        return;
      }
      case 'typeof': {
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
        return;
      }
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
        const n = this.expectWord('number');
        if (!isNumeric(n.text)) this.unexpected(n, 'number');
        set.size = Number(n.text);
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

  /**
   * `{ a, b, c }` — elements of an anonymous set, a named set's `elements = { … }`, a map
   * literal (`{ 80 : 8080 }`) or a verdict map (`{ 22 : accept }`).
   */
  private parseSetLiteral(keyCtx: Ctx, isMap = false): SetExpr {
    const open = this.peek();
    if (this.isPunct(open, '$')) {
      const v = this.parseVariable();
      if (v.kind === 'set') return v;
      return { kind: 'set', elements: [{ key: v }], span: v.span };
    }
    this.expectPunct('{');
    this.enter(open);
    const elements: SetElement[] = [];
    try {
      for (;;) {
        this.skipNewlines();
        if (this.atPunct('}')) {
          this.next();
          break;
        }
        const before = this.pos;
        const elemFrom = this.peek();
        const saved = this.pos;
        const v = this.atPunct('$') ? this.parseVariable() : undefined;
        if (v?.kind !== 'set') this.pos = saved;
        if (v?.kind === 'set') {
          const tail = this.parseElementTail({ kind: 'symbol', name: '*' }, elemFrom, isMap);
          // `{ $ifs : drop }`: every element of the variable gets the data.
          for (const el of v.elements) {
            const e: SetElement = { ...el };
            if (tail.value) e.value = cloneExpr(tail.value);
            elements.push(e);
          }
        } else {
          let key: Expr;
          if (this.atPunct('*')) {
            const s = this.next();
            key = { kind: 'symbol', name: '*', span: this.span(s) };
          } else key = this.parseRhs(keyCtx, true);
          if (key.kind === 'set') elements.push(...key.elements);
          else elements.push(this.parseElementTail(key, elemFrom, isMap));
        }
        this.skipNewlines();
        if (this.atPunct(',')) this.next();
        else if (!this.atPunct('}')) this.unexpected(this.peek(), "',' or '}'");
        if (this.pos === before) this.unexpected(this.peek());
      }
    } finally {
      this.leave();
    }
    return { kind: 'set', elements, span: this.span(open) };
  }

  private parseElementTail(key: Expr, from: Token, isMap: boolean): SetElement {
    const el: SetElement = { key };
    let guard = 0;
    while (guard++ < 64) {
      const t = this.peek();
      if (this.isWord(t, 'timeout')) {
        this.next();
        el.timeout = this.expectWord('time').text;
      } else if (this.isWord(t, 'expires')) {
        this.next();
        el.expires = this.expectWord('time').text;
      } else if (this.isWord(t, 'comment')) {
        this.next();
        el.comment = this.expectString();
      } else if (this.isWord(t, 'counter', 'quota', 'limit', 'last', 'ct')) {
        const s = this.parseStatement();
        if (!s) break;
        el.statements ??= [];
        el.statements.push(s);
      } else break;
    }
    if (this.atPunct(':')) {
      this.next();
      const v = this.peek();
      if (this.isWord(v, ...VERDICT_WORDS) || this.isWord(v, 'queue')) {
        const verdict = this.parseVerdict();
        el.value = { kind: 'verdict', verdict, span: this.span(v) };
      } else el.value = this.parseRhs('value', true);
    } else if (isMap && !this.atEnd() && !this.atPunct(',')) {
      // fall through: the caller reports the unexpected token
    }
    el.span = this.span(from);
    return el;
  }

  private parseVerdict(allowBinding = false): Verdict {
    const t = this.next();
    const kind = t.text as VerdictKind;
    if ((kind === 'jump' || kind === 'goto') && allowBinding && this.atPunct('{')) {
      return { kind, binding: this.parseBinding() };
    }
    if (kind === 'jump' || kind === 'goto') {
      const target = this.expectName('chain name');
      return { kind, target };
    }
    return { kind };
  }

  /** The rules of a chain binding, `jump { … }`. */
  private parseBinding(): Rule[] {
    const open = this.expectPunct('{');
    this.enter(open);
    const rules: Rule[] = [];
    try {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (this.isPunct(t, '}')) {
          this.next();
          break;
        }
        if (t.kind === 'eof') this.fail(open, "unterminated chain binding: missing '}'");
        const rule = this.parseRule();
        rule.index = rules.length;
        rules.push(rule);
      }
    } finally {
      this.leave();
    }
    return rules;
  }

  // -------------------------------------------------------------------------------------------
  // Objects and flowtables

  private parseObject(table: Table, type: ObjectType, kw: Token): void {
    const name = this.expectName('object name');
    const obj: StatefulObject = { type, name, body: [] };
    if (this.peek().kind === 'handle') obj.handle = Number(this.next().text);
    if (this.atPunct('{')) {
      const open = this.next();
      if (this.peek().kind === 'handle') obj.handle = Number(this.next().text);
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

  private parseFlowtable(table: Table, kw: Token): void {
    const nameTok = this.peek();
    const name = this.expectName('flowtable name');
    let ft = table.flowtables.find((f) => f.name === name);
    const fresh = !ft;
    ft ??= { name, hook: 'ingress', priority: { value: 0, text: '0' }, devices: [] };
    if (this.peek().kind === 'handle') ft.handle = Number(this.next().text);
    if (this.atPunct('{')) {
      const open = this.next();
      if (this.peek().kind === 'handle') ft.handle = Number(this.next().text);
      this.enter(open);
      try {
        for (;;) {
          this.skipSeparators();
          const t = this.peek();
          if (this.isPunct(t, '}')) {
            this.next();
            break;
          }
          if (t.kind === 'eof') this.fail(open, "unterminated flowtable: missing '}'");
          if (this.isWord(t, 'hook')) {
            this.next();
            const h = this.expectWord('hook');
            if (h.text !== 'ingress')
              this.fail(h, `flowtable hook must be ingress, not '${h.text}'`);
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
        }
      } finally {
        this.leave();
      }
    }
    ft.span = this.span(kw);
    if (fresh && ft.priority.text === '0' && !/\bpriority\b/.test(this.slice(kw))) {
      this.fail(nameTok, `flowtable '${name}' needs a hook and a priority`);
    }
    if (fresh) table.flowtables.push(ft as Flowtable);
  }

  // -------------------------------------------------------------------------------------------
  // Rules and statements

  private parseRule(): Rule {
    const from = this.peek();
    const statements: Statement[] = [];
    let comment: string | undefined;
    let guard = 0;
    while (!this.atEnd()) {
      if (guard++ > 10000) this.fail(this.peek(), 'rule too long');
      const t = this.peek();
      if (this.isWord(t, 'comment') && this.peek(1).kind === 'string') {
        this.next();
        comment = this.expectString();
        continue;
      }
      const before = this.pos;
      const s = this.parseStatement();
      if (!s || this.pos === before) this.unexpected(t);
      statements.push(s);
    }
    if (statements.length === 0) this.unexpected(this.peek(), 'a statement');
    const last = this.prev();
    const rule: Rule = {
      index: 0,
      statements,
      text: this.slice(from, last),
      span: this.span(from, last),
    };
    if (comment !== undefined) rule.comment = comment;
    if (this.peek().kind === 'handle') rule.handle = Number(this.next().text);
    return rule;
  }

  private withSpan<T extends Statement>(s: T, from: Token): T {
    s.span = this.span(from);
    s.text = this.slice(from);
    return s;
  }

  /** One statement, or undefined at the end of the rule. */
  private parseStatement(): Statement | undefined {
    const t = this.peek();
    if (this.atEnd()) return undefined;
    if (t.kind === 'word') {
      switch (t.text) {
        case 'accept':
        case 'drop':
        case 'continue':
        case 'return':
        case 'jump':
        case 'goto':
          return this.withSpan({ kind: 'verdict', verdict: this.parseVerdict(true) }, t);
        case 'counter':
          return this.parseCounter();
        case 'log':
          return this.parseLog();
        case 'reject':
          return this.parseReject();
        case 'snat':
        case 'dnat':
        case 'masquerade':
        case 'redirect':
          return this.parseNat();
        case 'notrack':
          this.next();
          return this.withSpan({ kind: 'notrack' }, t);
        case 'limit':
        case 'quota':
        case 'queue':
        case 'dup':
        case 'fwd':
        case 'tproxy':
        case 'synproxy':
        case 'flow':
        case 'meter':
        case 'last':
        case 'xt':
          return this.parseOther();
        case 'add':
        case 'update':
        case 'delete':
          if (this.isPunct(this.peek(1), '@')) return this.parseSetOp();
          break;
        case 'set':
          if (this.isWord(this.peek(1), 'add', 'update', 'delete')) return this.parseOldSetOp();
          break;
        case 'ct':
          if (this.isWord(this.peek(1), 'count')) return this.parseOther();
          break;
        case 'tunnel':
          if (this.isWord(this.peek(1), 'name')) return this.parseOther();
          break;
        default:
          break;
      }
    }
    return this.parseExprStatement();
  }

  /** `name "x"` or `name KEY map { … }` of counter, quota, limit, synproxy, tunnel. */
  private parseObjectRef(): Expr {
    const t = this.peek();
    const e = this.parseRhs('expr', false, true);
    if (e.kind !== 'value' && e.kind !== 'map') {
      this.fail(t, 'expecting an object name or a map lookup (KEY map { … })');
    }
    return e;
  }

  private parseCounter(): Statement {
    const t = this.next();
    const s: CounterStmt = { kind: 'counter' };
    if (this.atWord('name')) {
      this.next();
      const from = this.pos - 1;
      const e = this.parseObjectRef();
      if (e.kind === 'value') {
        s.name = e.text;
        return this.withSpan(s, t);
      }
      return this.withSpan(
        { kind: 'other', keyword: 'counter', args: this.words(from, this.pos - 1) },
        t,
      );
    }
    if (this.atWord('packets')) {
      this.next();
      s.packets = this.expectNumber();
    }
    if (this.atWord('bytes')) {
      this.next();
      s.bytes = this.expectNumber();
    }
    return this.withSpan(s, t);
  }

  private expectNumber(): number {
    const n = this.peek();
    if (n.kind !== 'word' || !isNumeric(n.text)) this.unexpected(n, 'number');
    this.next();
    return Number(n.text);
  }

  private parseLog(): Statement {
    const t = this.next();
    const s: LogStmt = { kind: 'log', options: [] };
    let guard = 0;
    while (guard++ < 32) {
      const k = this.peek();
      if (this.isWord(k, 'prefix')) {
        this.next();
        let v = '';
        // nft joins adjacent strings and variables in a prefix.
        let first = true;
        while (first || this.peek().kind === 'string' || this.atPunct('$')) {
          first = false;
          if (this.atPunct('$')) {
            const e = this.parseVariable();
            v += e.kind === 'value' ? e.text : '';
          } else v += this.expectString();
        }
        s.options.push({ key: 'prefix', value: v });
      } else if (this.isWord(k, 'level', 'group', 'snaplen', 'queue-threshold')) {
        this.next();
        s.options.push({ key: k.text, value: this.expectWord('value').text });
      } else if (this.isWord(k, 'flags')) {
        this.next();
        const f = this.expectWord('log flags');
        let v = f.text;
        if (f.text === 'tcp' || f.text === 'ip') v += ` ${this.parseWordList().join(',')}`;
        s.options.push({ key: 'flags', value: v });
      } else break;
    }
    const keys = s.options.map((o) => o.key);
    if (keys.includes('group') && keys.includes('level')) {
      this.fail(t, 'log: level and group are mutually exclusive');
    }
    return this.withSpan(s, t);
  }

  private parseReject(): Statement {
    const t = this.next();
    const s: RejectStmt = { kind: 'reject' };
    if (this.atWord('with')) {
      this.next();
      const k = this.expectWord('icmp, icmpv6, icmpx or tcp');
      if (k.text === 'tcp') {
        this.keyword('reset');
        s.with = { type: 'tcp reset' };
      } else if (k.text === 'icmp' || k.text === 'icmpv6' || k.text === 'icmpx') {
        if (this.atWord('type')) this.next();
        const c = this.expectWord('reject code');
        s.with = { type: k.text, code: c.text };
      } else this.unexpected(k, 'icmp, icmpv6, icmpx or tcp');
    }
    return this.withSpan(s, t);
  }

  private parseNat(): Statement {
    const t = this.next();
    const s: NatStmt = { kind: 'nat', type: t.text as NatStmt['type'], flags: [] };
    if (
      this.atWord('ip', 'ip6') &&
      (this.isWord(this.peek(1), 'to', 'prefix', 'addr') || this.isEndAt(1))
    ) {
      s.family = this.next().text as 'ip' | 'ip6';
    }
    if (this.atWord('prefix')) {
      this.next();
      s.prefix = true;
    }
    if (
      this.atWord('addr') &&
      this.isPunct(this.peek(1), '.') &&
      this.isWord(this.peek(2), 'port')
    ) {
      this.next();
      this.next();
      this.next();
      s.addrPortMap = true;
    }
    if (this.atWord('to')) {
      this.next();
      this.parseAddrPort(s, t.text === 'masquerade' || t.text === 'redirect');
    } else if ((t.text === 'snat' || t.text === 'dnat') && !this.atEnd()) {
      // nft accepts the address without `to` (`dnat 10.0.0.2:22`).
      this.parseAddrPort(s, false);
    } else if (t.text === 'snat' || t.text === 'dnat') {
      this.unexpected(this.peek(), "'to'");
    }
    this.parseNatFlags(s.flags);
    if (s.addr?.kind === 'map' && !s.port) {
      const m = s.addr.map;
      if (m.kind === 'set' && m.elements.some((e) => e.value?.kind === 'concat'))
        s.addrPortMap = true;
    }
    return this.withSpan(s, t);
  }

  private parseNatFlags(flags: string[]): void {
    let guard = 0;
    while (this.atWord('random', 'fully-random', 'persistent', 'netmap') && guard++ < 8) {
      flags.push(this.next().text);
      if (this.atPunct(',')) this.next();
    }
  }

  /** `ADDR`, `ADDR:PORT`, `[V6]:PORT`, `:PORT`, ranges and map lookups. */
  private parseAddrPort(s: { addr?: Expr; port?: Expr }, portOnly: boolean): void {
    if (this.atPunct(':')) {
      this.next();
      s.port = this.parsePortExpr();
      return;
    }
    if (portOnly) {
      s.port = this.parsePortExpr();
      return;
    }
    if (this.atPunct('[')) {
      const open = this.next();
      const a = this.parseRhsItem('expr', false);
      this.expectPunct(']');
      if (this.atPunct('-') && this.isPunct(this.peek(1), '[')) {
        this.next();
        this.next();
        const b = this.parseRhsItem('expr', false);
        this.expectPunct(']');
        s.addr = { kind: 'range', low: a, high: b, span: this.span(open) };
      } else s.addr = a;
      if (this.atPunct(':')) {
        this.next();
        s.port = this.parsePortExpr();
      }
      return;
    }
    s.addr = this.parseRhs('expr', false, true);
    if (this.atPunct(':') && !this.peek().sp) {
      this.next();
      s.port = this.parsePortExpr();
    }
  }

  private parsePortExpr(): Expr {
    return this.parseRhs('expr', false, true);
  }

  /** Statements the model keeps as keyword + words. */
  private parseOther(): Statement {
    const t = this.next();
    let keyword = t.text;
    const startIdx = this.pos;
    switch (t.text) {
      case 'limit': {
        if (this.atWord('name')) {
          this.next();
          this.parseObjectRef();
          break;
        }
        this.consumeWords([
          'rate',
          'over',
          'until',
          'burst',
          'packets',
          'bytes',
          'kbytes',
          'mbytes',
          'gbytes',
          'second',
          'minute',
          'hour',
          'day',
          'week',
          'inv',
        ]);
        break;
      }
      case 'tunnel':
        this.keyword('name');
        this.parseObjectRef();
        break;
      case 'quota': {
        if (this.atWord('name')) {
          this.next();
          this.parseObjectRef();
          break;
        }
        this.consumeWords(['over', 'until', 'used', 'bytes', 'kbytes', 'mbytes', 'gbytes']);
        break;
      }
      case 'last': {
        if (this.atWord('used')) {
          this.next();
          this.expectWord('time');
        }
        break;
      }
      case 'queue': {
        let guard = 0;
        while (guard++ < 16) {
          if (this.atWord('flags')) {
            this.next();
            this.parseWordList();
          } else if (this.atWord('num', 'to')) {
            this.next();
            this.parseRhs('expr', false, true);
          } else if (this.atWord('bypass', 'fanout')) {
            this.next();
            if (this.atPunct(',')) this.next();
          } else break;
        }
        break;
      }
      case 'dup':
      case 'fwd': {
        if (this.atWord('ip', 'ip6')) this.next();
        for (const k of ['to', 'device']) {
          if (!this.atWord(k)) continue;
          this.next();
          const e = this.parseRhs('expr', false, true);
          if (e.kind === 'range' || e.kind === 'prefix') {
            this.fail(
              this.prev(),
              `${t.text} ${k}: a ${e.kind} is not allowed here, expecting a single value`,
            );
          }
        }
        break;
      }
      case 'tproxy': {
        if (this.atWord('ip', 'ip6')) this.next();
        this.keyword('to');
        const tmp: { addr?: Expr; port?: Expr } = {};
        this.parseAddrPort(tmp, false);
        for (const e of [tmp.addr, tmp.port]) {
          if (e && (e.kind === 'range' || e.kind === 'prefix')) {
            this.fail(
              this.prev(),
              `tproxy: a ${e.kind} is not allowed here, expecting an address and port`,
            );
          }
        }
        break;
      }
      case 'synproxy': {
        if (this.atWord('name')) {
          this.next();
          this.parseObjectRef();
          break;
        }
        let guard = 0;
        while (guard++ < 8) {
          if (this.atWord('mss', 'wscale')) {
            this.next();
            this.expectNumber();
          } else if (this.atWord('timestamp', 'sack-perm')) this.next();
          else break;
        }
        break;
      }
      case 'flow': {
        const op = this.expectWord('add or offload');
        if (op.text === 'table') {
          keyword = 'meter';
          this.meterBody();
          break;
        }
        keyword = `flow ${op.text}`;
        this.expectPunct('@');
        this.expectName('flowtable name');
        return this.withSpan(
          { kind: 'other', keyword, args: this.words(startIdx + 1, this.pos - 1) },
          t,
        );
      }
      case 'meter':
        this.meterBody();
        break;
      case 'ct': {
        this.keyword('count');
        keyword = 'ct count';
        if (this.atWord('over')) this.next();
        this.expectNumber();
        return this.withSpan(
          { kind: 'other', keyword, args: this.words(startIdx + 1, this.pos - 1) },
          t,
        );
      }
      case 'xt': {
        this.expectWord('match or target');
        this.expectName('extension name');
        break;
      }
      default:
        this.unexpected(t);
    }
    const s: OtherStmt = { kind: 'other', keyword, args: this.words(startIdx, this.pos - 1) };
    return this.withSpan(s, t);
  }

  private meterBody(): void {
    this.expectName('meter name');
    if (this.atWord('size')) {
      this.next();
      this.expectNumber();
    }
    const open = this.expectPunct('{');
    this.parseConcat('lhs');
    let guard = 0;
    while (!this.atPunct('}') && guard++ < 32) {
      if (this.atEnd() && !this.atPunct('}')) this.unexpected(this.peek(), "'}'");
      if (this.atWord('timeout')) {
        this.next();
        this.expectWord('time');
        continue;
      }
      const before = this.pos;
      const st = this.parseStatement();
      if (!st || this.pos === before) this.unexpected(this.peek());
    }
    this.expectPunct('}');
    void open;
  }

  private consumeWords(allowed: string[]): void {
    let guard = 0;
    let any = false;
    while (guard++ < 32) {
      const t = this.peek();
      if (
        t.kind === 'word' &&
        (allowed.includes(t.text) || /^\d/.test(t.text) || /^[a-z]+\/[a-z]+$/.test(t.text))
      ) {
        this.next();
        any = true;
      } else if (this.isPunct(t, '/') && any) this.next();
      else if (any && !t.sp && t.kind === 'word') this.next();
      else break;
    }
  }

  private parseSetOp(): Statement {
    const t = this.next();
    this.expectPunct('@');
    const set = this.expectName('set name');
    this.expectPunct('{');
    this.enter(t);
    try {
      this.skipNewlines();
      const key = this.parseConcat('lhs');
      const statements: Statement[] = [];
      let data: Expr | undefined;
      let guard = 0;
      while (!this.atPunct('}') && guard++ < 32) {
        this.skipNewlines();
        if (this.atPunct('}')) break;
        if (this.atWord('timeout', 'expires')) {
          // Element timeouts: kept as an `other` statement of the element.
          const from = this.next();
          const v = this.expectWord('time');
          statements.push(
            this.withSpan({ kind: 'other', keyword: from.text, args: [v.text] }, from),
          );
          continue;
        }
        if (this.atPunct(':')) {
          this.next();
          data = this.parseRhs('expr', true);
          this.skipNewlines();
          break;
        }
        const before = this.pos;
        const s = this.parseStatement();
        if (!s || this.pos === before) this.unexpected(this.peek(), "'}'");
        statements.push(s);
      }
      this.expectPunct('}');
      const op: SetOpStmt = {
        kind: 'setop',
        op: t.text as 'add' | 'update' | 'delete',
        set,
        key,
        statements,
      };
      if (data) op.data = data;
      return this.withSpan(op, t);
    } finally {
      this.leave();
    }
  }

  /** The pre-1.0 form `set add ip saddr @s` / `set update ip saddr timeout 10s @s`. */
  private parseOldSetOp(): Statement {
    const t = this.next();
    const op = this.next().text as 'add' | 'update' | 'delete';
    const key = this.parseConcat('lhs');
    const statements: Statement[] = [];
    if (this.atWord('timeout')) {
      const from = this.next();
      const v = this.expectWord('time');
      statements.push(this.withSpan({ kind: 'other', keyword: 'timeout', args: [v.text] }, from));
    }
    this.expectPunct('@');
    const set = this.expectName('set name');
    return this.withSpan({ kind: 'setop', op, set, key, statements }, t);
  }

  private parseExprStatement(): Statement {
    const t = this.peek();
    const left = this.parseConcat('lhs');
    const n = this.peek();
    if (this.isWord(n, 'set')) {
      this.next();
      const value = this.parseRhs('expr', false, true);
      return this.withSpan({ kind: 'mangle', target: left, value }, t);
    }
    if (this.isWord(n, 'vmap')) {
      this.next();
      const m = this.peek();
      let map: Expr;
      if (this.isPunct(m, '@')) map = this.parsePrimary('value');
      else map = this.parseSetLiteral('value', true);
      return this.withSpan({ kind: 'vmap', key: left, map }, t);
    }
    if (this.isWord(n, 'map')) {
      this.unexpected(n);
    }
    let op: '==' | '!=' | '<' | '>' | '<=' | '>=' | undefined;
    if (this.isPunct(n, '==', '!=', '<', '>', '<=', '>=')) {
      op = this.next().text as typeof op;
    } else if (this.isWord(n, 'eq', 'ne', 'lt', 'gt', 'le', 'ge')) {
      op = ({ eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' } as const)[n.text as 'eq'];
      this.next();
    } else if (this.isPunct(n, '!')) {
      this.next();
      op = '!=';
    }
    if (this.atEnd()) {
      if (op) this.unexpected(this.peek(), 'a value');
      this.fail(t, 'syntax error: expression without a value to compare with');
    }
    let right: Expr;
    if (this.atWord('exists', 'missing')) {
      const s = this.next();
      right = { kind: 'symbol', name: s.text as 'exists' | 'missing', span: this.span(s) };
    } else right = this.parseRhs('value', false);
    const stmt: Statement = { kind: 'match', left, op: op ?? '==', right };
    if (!op) stmt.implicitOp = true;
    if (this.atPunct('/') && this.peek().sp) {
      this.next();
      stmt.mask = this.parseRhs('value', false);
    }
    return this.withSpan(stmt, t);
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /** LHS expressions: concatenations of binops over primaries. */
  private parseConcat(ctx: Ctx): Expr {
    const from = this.peek();
    const first = this.parseBinop(ctx);
    if (!this.atPunct('.')) return first;
    const parts = [first];
    while (this.atPunct('.')) {
      this.next();
      parts.push(this.parseBinop(ctx));
    }
    return { kind: 'concat', parts, span: this.span(from) };
  }

  private static readonly BINOP_LEVELS: readonly (readonly [string, string][])[] = [
    [
      ['|', '|'],
      ['or', '|'],
    ],
    [
      ['^', '^'],
      ['xor', '^'],
    ],
    [
      ['&', '&'],
      ['and', '&'],
    ],
    [
      ['<<', '<<'],
      ['>>', '>>'],
      ['lshift', '<<'],
      ['rshift', '>>'],
    ],
  ];

  private parseBinop(ctx: Ctx, level = 0): Expr {
    if (level >= NftParser.BINOP_LEVELS.length) return this.parsePrimary(ctx);
    const from = this.peek();
    let left = this.parseBinop(ctx, level + 1);
    const ops = NftParser.BINOP_LEVELS[level] as readonly [string, string][];
    let guard = 0;
    for (;;) {
      const t = this.peek();
      if ((t.kind !== 'punct' && t.kind !== 'word') || !BINOP_WORDS.has(t.text)) break;
      let hit: readonly [string, string] | undefined;
      for (const o of ops) if (o[0] === t.text) hit = o;
      if (!hit || guard++ > 1000) break;
      // `or`/`and` words only as operators when a value follows.
      if (t.kind === 'word' && this.isEndAt(1)) break;
      this.next();
      const right = this.parseBinop(ctx === 'lhs' ? 'expr' : ctx, level + 1);
      left = { kind: 'binop', op: hit[1] as '&', left, right, span: this.span(from) };
    }
    return left;
  }

  /**
   * A right-hand side: a set, `@set`, or concatenations of values with ranges, prefixes,
   * binops and (outside braces) comma flag lists; `map` lookups in 'expr' context.
   */
  private parseRhs(ctx: Ctx, inSet: boolean, noList = false): Expr {
    const from = this.peek();
    if (this.atPunct('{')) {
      const s = this.parseSetLiteral(ctx === 'lhs' ? 'lhs' : 'value');
      return this.maybeMap(s, from, ctx);
    }
    const first = this.parseRhsItem(ctx, inSet);
    let e: Expr = first;
    if (this.atPunct('.')) {
      const parts = [first];
      while (this.atPunct('.')) {
        this.next();
        parts.push(this.parseRhsItem(ctx, inSet));
      }
      e = { kind: 'concat', parts, span: this.span(from) };
    }
    if (!inSet && !noList && this.atPunct(',') && e.kind !== 'concat') {
      const items: Expr[] = [e];
      while (this.atPunct(',')) {
        this.next();
        items.push(this.parseRhsItem(ctx, inSet));
      }
      e = { kind: 'list', items, span: this.span(from) };
    }
    return this.maybeMap(e, from, ctx);
  }

  private maybeMap(e: Expr, from: Token, ctx: Ctx): Expr {
    if (ctx !== 'value' && this.atWord('map')) {
      this.next();
      const m = this.peek();
      const map = this.isPunct(m, '@')
        ? this.parsePrimary('value')
        : this.parseSetLiteral('value', true);
      return { kind: 'map', key: e, map, span: this.span(from) };
    }
    return e;
  }

  private parseRhsItem(ctx: Ctx, inSet: boolean): Expr {
    const from = this.peek();
    const low = this.parseBinop(ctx);
    if (this.atPunct('-') && (low.kind === 'value' || low.kind === 'variable')) {
      this.next();
      const high = this.parseBinop(ctx);
      return { kind: 'range', low, high, span: this.span(from) };
    }
    if (this.atPunct('/') && !this.peek().sp && low.kind === 'value') {
      const n = this.peek(1);
      if (n.kind === 'word' && !n.sp && /^\d+$/.test(n.text)) {
        this.next();
        this.next();
        return { kind: 'prefix', expr: low, length: Number(n.text), span: this.span(from) };
      }
    }
    void inSet;
    return low;
  }

  private parseVariable(): Expr {
    const d = this.expectPunct('$');
    const n = this.peek();
    if (n.kind !== 'word' || n.sp) this.unexpected(n, 'variable name');
    this.next();
    const v = this.st.defines.get(n.text);
    if (!v) this.fail(n, `undefined variable '${n.text}'`);
    void d;
    return cloneExpr(v);
  }

  private parsePrimary(ctx: Ctx): Expr {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return this.glueValue({ kind: 'value', text: t.text, quoted: true, span: this.span(t) }, t);
    }
    if (t.kind === 'punct') {
      switch (t.text) {
        case '$':
          return this.parseVariable();
        case '(': {
          this.next();
          this.enter(t);
          try {
            const e = this.parseRhs(ctx === 'lhs' ? 'expr' : ctx, false, true);
            this.expectPunct(')');
            return e;
          } finally {
            this.leave();
          }
        }
        case '@': {
          this.next();
          const n = this.peek();
          if (this.isWord(n, 'll', 'nh', 'th', 'ih') && this.isPunct(this.peek(1), ',')) {
            this.next();
            this.next();
            const off = this.expectNumber();
            this.expectPunct(',');
            const len = this.expectNumber();
            return {
              kind: 'raw',
              base: n.text as 'll',
              offset: off,
              length: len,
              span: this.span(t),
            };
          }
          const name = this.expectName('set name');
          return { kind: 'setref', name, span: this.span(t) };
        }
        case '*':
          this.next();
          return { kind: 'symbol', name: '*', span: this.span(t) };
        case '-': {
          // A negative number.
          const n = this.peek(1);
          if (n.kind === 'word' && !n.sp && /^\d/.test(n.text)) {
            this.next();
            this.next();
            return { kind: 'value', text: `-${n.text}`, span: this.span(t) };
          }
          break;
        }
        case '{':
          if (ctx !== 'lhs') return this.parseSetLiteral('value');
          break;
        default:
          break;
      }
      this.unexpected(t);
    }
    if (t.kind !== 'word') this.unexpected(t, 'an expression');
    const kw = this.parseKeywordExpr(ctx);
    if (kw) return kw;
    if (ctx === 'lhs' && /^[A-Za-z_]/.test(t.text)) {
      // A bare word where an expression must start (`foo bar`, a misspelt keyword).
      this.fail(t, `syntax error, unexpected '${t.text}'`);
    }
    this.next();
    return this.glueValue({ kind: 'value', text: t.text, span: this.span(t) }, t);
  }

  /** `1:2` (a class id) and `"a"` glued to following words stay one value. */
  private glueValue(v: Expr, from: Token): Expr {
    if (v.kind !== 'value') return v;
    let guard = 0;
    while (guard++ < 8) {
      const c = this.peek();
      const n = this.peek(1);
      if (
        this.isPunct(c, ':') &&
        !c.sp &&
        n.kind === 'word' &&
        !n.sp &&
        !v.quoted &&
        /^[0-9a-fA-F]+$/.test(v.text) &&
        /^[0-9a-fA-F]+$/.test(n.text)
      ) {
        this.next();
        this.next();
        v.text += `:${n.text}`;
        v.span = this.span(from);
      } else break;
    }
    return v;
  }

  /** Expression keywords: payload, meta, ct, fib, rt, socket, osf, ipsec, numgen, hashes. */
  private parseKeywordExpr(ctx: Ctx): Expr | undefined {
    const t = this.peek();
    const w = t.text;
    const n1 = this.peek(1);
    const lhs = ctx === 'lhs';
    if (ctx === 'value') return undefined;
    if (
      w === 'rt' &&
      n1.kind === 'word' &&
      (RT_KEYS.has(n1.text) || n1.text === 'ip' || n1.text === 'ip6')
    ) {
      this.next();
      let family: 'ip' | 'ip6' | undefined;
      if (this.atWord('ip', 'ip6')) family = this.next().text as 'ip';
      const k = this.expectWord('rt key');
      const e: Expr = { kind: 'rt', key: k.text, span: this.span(t) };
      if (family) e.family = family;
      return e;
    }
    if (Object.hasOwn(PAYLOAD_FIELDS, w)) return this.parsePayload(ctx);
    if (w === 'exthdr' && n1.kind === 'word') {
      this.next();
      const p = this.next();
      const field = this.atWord(...(PAYLOAD_FIELDS[p.text] ?? [])) ? ` ${this.next().text}` : '';
      return {
        kind: 'payload',
        protocol: 'exthdr',
        field: `${p.text}${field}`,
        exthdr: true,
        span: this.span(t),
      };
    }
    if (w === 'meta' && n1.kind === 'word' && (lhs || META_KEYS.has(n1.text))) {
      this.next();
      const k = this.next();
      if (!META_KEYS.has(k.text)) this.fail(k, `unknown meta key '${k.text}'`);
      return { kind: 'meta', key: k.text, span: this.span(t) };
    }
    if (META_SHORT.has(w)) {
      this.next();
      return { kind: 'meta', key: w, short: true, span: this.span(t) };
    }
    if (
      w === 'ct' &&
      n1.kind === 'word' &&
      (lhs || CT_KEYS.has(n1.text) || n1.text === 'original' || n1.text === 'reply')
    ) {
      this.next();
      let dir: 'original' | 'reply' | undefined;
      if (this.atWord('original', 'reply')) dir = this.next().text as 'original';
      let family: 'ip' | 'ip6' | undefined;
      if (this.atWord('ip', 'ip6') && this.isWord(this.peek(1), 'saddr', 'daddr'))
        family = this.next().text as 'ip';
      const k = this.expectWord('ct key');
      if (!CT_KEYS.has(k.text) || k.text === 'ip' || k.text === 'ip6')
        this.fail(k, `unknown ct key '${k.text}'`);
      const e: Expr = { kind: 'ct', key: k.text, span: this.span(t) };
      if (dir) e.dir = dir;
      if (family) e.family = family;
      return e;
    }
    if (w === 'fib' && n1.kind === 'word') {
      this.next();
      const flag = () => {
        const f = this.expectWord('fib flag');
        if (!FIB_FLAGS.has(f.text))
          this.fail(f, `unknown fib flag '${f.text}', expecting saddr, daddr, mark, iif or oif`);
        return f.text;
      };
      const flags = [flag()];
      while (this.atPunct('.')) {
        this.next();
        flags.push(flag());
      }
      const r = this.expectWord('oif, oifname, type or check');
      if (!['oif', 'oifname', 'type', 'check'].includes(r.text))
        this.unexpected(r, 'oif, oifname, type or check');
      return { kind: 'fib', flags, result: r.text as 'oif', span: this.span(t) };
    }
    if (
      w === 'rt' &&
      n1.kind === 'word' &&
      (RT_KEYS.has(n1.text) || n1.text === 'ip' || n1.text === 'ip6')
    ) {
      this.next();
      let family: 'ip' | 'ip6' | undefined;
      if (this.atWord('ip', 'ip6')) family = this.next().text as 'ip';
      const k = this.expectWord('rt key');
      const e: Expr = { kind: 'rt', key: k.text, span: this.span(t) };
      if (family) e.family = family;
      return e;
    }
    if (w === 'socket' && n1.kind === 'word') {
      this.next();
      const key = this.next();
      if (!SOCKET_KEYS.has(key.text)) this.fail(key, `unknown socket key '${key.text}'`);
      const words = [key.text];
      if (words[0] === 'cgroupv2' && this.atWord('level')) {
        this.next();
        words.push('level', this.expectWord('level').text);
      }
      return { kind: 'socket', words, span: this.span(t) };
    }
    if (w === 'osf' && n1.kind === 'word') {
      this.next();
      const words: string[] = [];
      if (this.atWord('ttl')) {
        this.next();
        words.push('ttl', this.expectWord('ttl mode').text);
      }
      words.push(this.expectWord('name or version').text);
      return { kind: 'osf', words, span: this.span(t) };
    }
    if (w === 'ipsec' && this.isWord(n1, 'in', 'out')) {
      this.next();
      const words = [this.next().text];
      if (this.atWord('spnum')) {
        this.next();
        words.push('spnum', this.expectWord('number').text);
      }
      if (this.atWord('ip', 'ip6')) words.push(this.next().text);
      words.push(this.expectWord('ipsec key').text);
      return { kind: 'ipsec', words, span: this.span(t) };
    }
    if (w === 'numgen' && this.isWord(n1, 'inc', 'random')) {
      this.next();
      const mode = this.next().text as 'inc' | 'random';
      this.keyword('mod');
      const mod = this.expectNumber();
      const e: Expr = { kind: 'numgen', mode, mod, span: this.span(t) };
      if (this.atWord('offset')) {
        this.next();
        e.offset = this.expectNumber();
      }
      e.span = this.span(t);
      return e;
    }
    if ((w === 'jhash' || w === 'symhash') && n1.kind !== 'nl') {
      this.next();
      let expr: Expr | undefined;
      if (w === 'jhash') expr = this.parseConcat('lhs');
      this.keyword('mod');
      const mod = this.expectNumber();
      const e: Expr = { kind: 'hash', fn: w, mod, span: this.span(t) };
      if (expr) e.expr = expr;
      if (this.atWord('seed')) {
        this.next();
        e.seed = this.expectWord('seed').text;
      }
      if (this.atWord('offset')) {
        this.next();
        e.offset = this.expectNumber();
      }
      e.span = this.span(t);
      return e;
    }
    return undefined;
  }

  private parsePayload(ctx: Ctx): Expr | undefined {
    const t = this.peek();
    let proto = t.text;
    let k = 1;
    // Inner headers of tunnels: `vxlan ip saddr`.
    if (
      TUNNEL_PROTOS.has(proto) &&
      this.peek(1).kind === 'word' &&
      Object.hasOwn(PAYLOAD_FIELDS, this.peek(1).text) &&
      !(PAYLOAD_FIELDS[proto] ?? []).includes(this.peek(1).text)
    ) {
      k = 2;
    }
    const inner = k === 2 ? this.peek(1).text : proto;
    const f = this.peek(k);
    const fields = PAYLOAD_FIELDS[inner] ?? [];
    // Options and chunks.
    if (
      this.isWord(f, 'option', 'chunk') &&
      (inner === 'tcp' || inner === 'ip' || inner === 'sctp' || inner === 'dccp')
    ) {
      for (let i = 0; i <= k; i++) this.next();
      if (k === 2) proto = `${proto} ${inner}`;
      const o = this.peek();
      if (this.isPunct(o, '@')) {
        // `tcp option @255,8,8`
        this.next();
        const a = this.expectNumber();
        this.expectPunct(',');
        const b = this.expectNumber();
        this.expectPunct(',');
        const c = this.expectNumber();
        return {
          kind: 'payload',
          protocol: `${proto} ${f.text}`,
          field: `@${a},${b},${c}`,
          exthdr: true,
          span: this.span(t),
        };
      }
      const name = this.expectWord('option name').text;
      let field = name;
      if (
        this.atWord(...OPTION_FIELDS) && !this.isEndAt(1)
          ? true
          : this.atWord(...OPTION_FIELDS) && ctx !== 'value'
      ) {
        field += ` ${this.next().text}`;
      }
      return {
        kind: 'payload',
        protocol: `${proto} ${f.text}`,
        field,
        exthdr: true,
        span: this.span(t),
      };
    }
    const fieldOk =
      f.kind === 'word' && (fields.includes(f.text) || /^[a-z-]+\[\d+\]$/.test(f.text));
    if (!fieldOk) {
      if (ctx !== 'lhs') return undefined;
      if (f.kind !== 'word') return undefined;
      // An unknown field: nft rejects it.
      this.fail(f, `unknown field '${f.text}' for protocol ${inner}`);
    }
    for (let i = 0; i <= k; i++) this.next();
    let field = f.text;
    if (
      inner === 'arp' &&
      (field === 'saddr' || field === 'daddr') &&
      this.atWord('ip', 'ether', 'ip6')
    ) {
      field += ` ${this.next().text}`;
    }
    if (k === 2) proto = `${proto} ${inner}`;
    const e: Expr = { kind: 'payload', protocol: proto, field, span: this.span(t) };
    if (EXTHDR_PROTOS.has(inner)) e.exthdr = true;
    return e;
  }
}

/** A stable key for comparing set elements. */
function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'span' ? undefined : v));
}

function flattenNames(e: Expr): string[] {
  if (e.kind === 'value') return [e.text];
  if (e.kind === 'set') return e.elements.flatMap((x) => flattenNames(x.key));
  if (e.kind === 'list') return e.items.flatMap(flattenNames);
  return [];
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

export type { TypeSpec };
