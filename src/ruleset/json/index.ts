/**
 * The `nft -j list ruleset` front end: reads libnftables JSON (libnftables-json(5)) into the
 * same model the nft text front end produces for the equivalent `nft list ruleset` listing.
 * Every table, chain, set, rule and expression keeps a span pointing at its object in the
 * JSON file; malformed JSON and schema violations raise a RulesetError with positions.
 */

import { type Diagnostic, RulesetError } from '../diagnostics.ts';
import type {
  BaseChainSpec,
  Chain,
  ChainType,
  Family,
  Flowtable,
  HookName,
  NamedSet,
  ObjectType,
  Priority,
  Rule,
  Ruleset,
  Span,
  Statement,
  Table,
  TypeSpec,
} from '../model.ts';
import { printRule } from '../printer.ts';
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
import { OBJECT_TYPES, objectBody } from './objects.ts';
import { StmtReader } from './stmt.ts';
import { type JsonNode, type JsonObject, JsonSyntaxError, parseJsonTree } from './tree.ts';
import { formatDuration, namedType, PLAIN, typeOf, type ValueType } from './valuetype.ts';

const FAMILIES: readonly Family[] = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];
const HOOKS: readonly HookName[] = [
  'prerouting',
  'input',
  'forward',
  'output',
  'postrouting',
  'ingress',
  'egress',
];
const CHAIN_TYPES: readonly ChainType[] = ['filter', 'nat', 'route'];
/** Commands that carry a ruleset element (the form `nft -j` input files use). */
const ADD_COMMANDS = ['add', 'create', 'insert'];
const OTHER_COMMANDS = ['replace', 'delete', 'destroy', 'list', 'reset', 'rename'];

/** nft's prio2str (src/rule.c): standard priorities by name within ±10, else the number. */
export function priorityText(value: number, family: Family, hook: HookName | undefined): string {
  const std: [number, string][] =
    family === 'bridge'
      ? [
          [-300, 'dstnat'],
          [-200, 'filter'],
          [100, 'out'],
          [300, 'srcnat'],
        ]
      : [
          [-300, 'raw'],
          [-150, 'mangle'],
          [-100, 'dstnat'],
          [0, 'filter'],
          [50, 'security'],
          [100, 'srcnat'],
        ];
  for (const [prio, name] of std) {
    const offset = value - prio;
    if (Math.abs(offset) > 10) continue;
    if (!priorityCompatible(name, family, hook)) break;
    return offset > 0 ? `${name} + ${offset}` : offset < 0 ? `${name} - ${-offset}` : name;
  }
  return String(value);
}

function priorityCompatible(name: string, family: Family, hook: HookName | undefined): boolean {
  if (family === 'bridge') {
    if (name === 'dstnat') return hook === 'prerouting';
    if (name === 'filter') return true;
    if (name === 'out') return hook === 'output';
    return hook === 'postrouting';
  }
  const ipLike = family === 'inet' || family === 'ip' || family === 'ip6';
  if (name === 'filter') return ipLike || family === 'arp' || family === 'netdev';
  if (name === 'raw' || name === 'mangle' || name === 'security') return ipLike;
  if (name === 'dstnat') return ipLike && (hook === 'prerouting' || hook === 'output');
  return ipLike && (hook === 'input' || hook === 'postrouting');
}

/**
 * Set flags in the order and form `nft list` prints them (src/rule.c set_print_declaration):
 * constant, dynamic, interval, timeout — and no `timeout` flag when it is the only flag and
 * the set has a default timeout.
 */
function listedSetFlags(flags: string[], hasTimeout: boolean): string[] {
  const order = ['constant', 'dynamic', 'interval', 'timeout'];
  const known = order.filter((f) => flags.includes(f));
  const rest = flags.filter((f) => !order.includes(f));
  if (hasTimeout && known.length === 1 && known[0] === 'timeout' && rest.length === 0) return [];
  return [...known, ...rest];
}

/** A set declaration's statements are printed without state: `last`, not `last used never`. */
function stateless(s: Statement): Statement {
  if (s.kind === 'other' && s.keyword === 'last') return { ...s, args: [] };
  return s;
}

interface TableState {
  table: Table;
  chains: Map<string, { chain: Chain; nextIndex: number }>;
  sets: Map<
    string,
    { set: NamedSet; types: { key: ValueType; data?: ValueType }; rawFlags: string[] }
  >;
  reader: StmtReader;
}

class Reader {
  private readonly tables = new Map<string, TableState>();
  /**
   * The metainfo names an nft older than 1.1: its JSON lacks the `dynamic` set flag, and its
   * listings differ in small ways (see StmtContext.legacy).
   */
  private legacy = false;
  readonly ruleset: Ruleset;

  constructor(file: string, text: string) {
    this.ruleset = { format: 'nft-json', files: [{ path: file, text }], tables: [] };
  }

  private tableState(o: JsonObject, what: string, tableKey = 'table'): TableState {
    const family = reqStr(o, 'family', what);
    const name = reqStr(o, tableKey, what);
    const t = this.tables.get(`${family} ${name}`);
    if (!t)
      throw new SchemaError(`${what}: table ${family} ${name} is not defined before it`, o.span);
    return t;
  }

  element(n: JsonNode): void {
    let { key, value } = single(n, 'ruleset element');
    let command: string | undefined;
    if (ADD_COMMANDS.includes(key)) {
      command = key;
      ({ key, value } = single(value, `"${key}" command`));
    } else if (key === 'flush') {
      this.flush(value);
      return;
    } else if (OTHER_COMMANDS.includes(key))
      throw new SchemaError(
        `the "${key}" command is not supported in a ruleset file (only add, create, insert and flush ruleset)`,
        n.span,
      );
    const what = `"${key}"`;
    switch (key) {
      case 'metainfo': {
        const o = asObject(value, what);
        const version = optional(o, 'version');
        const m = version?.type === 'string' ? /^(\d+)\.(\d+)/.exec(version.value as string) : null;
        if (m) this.legacy = Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 1);
        const v = optional(o, 'json_schema_version');
        if (v !== undefined && num(v, `${what} "json_schema_version"`) > 1)
          throw new SchemaError(
            `JSON schema version ${String((v as { value: number }).value)} is newer than the supported version 1`,
            v.span,
          );
        return;
      }
      case 'table':
        this.table(asObject(value, what));
        break;
      case 'chain':
        this.chain(asObject(value, what));
        break;
      case 'rule':
        this.rule(asObject(value, what), command);
        break;
      case 'set':
      case 'map':
        this.set(key, asObject(value, what));
        break;
      case 'element':
        this.elements(asObject(value, what));
        break;
      case 'flowtable':
        this.flowtable(asObject(value, what));
        break;
      default:
        if (!(OBJECT_TYPES as readonly string[]).includes(key))
          throw new SchemaError(`unknown ruleset element "${key}"`, n.span);
        this.object(key as ObjectType, asObject(value, what));
    }
  }

  /**
   * A set that rules add to or update from the packet path is `dynamic` (the kernel's EVAL
   * flag, which nft sets on every set a dynset statement uses). nft 1.0.x JSON leaves the
   * flag out while its text listing shows it (seen with 1.0.6 on this machine); the
   * current JSON lists it, so this applies only to JSON that names a version before 1.1.
   */
  markDynamicSets(): void {
    if (!this.legacy) return;
    for (const t of this.tables.values()) {
      const used = new Set<string>();
      const visit = (s: Statement): void => {
        if (s.kind !== 'setop') return;
        // Only the set statement (not the map one: `add @m { k : v }`) sets the flag.
        if (s.op !== 'delete' && s.data === undefined) used.add(s.set);
        s.statements.forEach(visit);
      };
      for (const c of t.table.chains) for (const r of c.rules) r.statements.forEach(visit);
      for (const { set, rawFlags } of t.sets.values()) {
        if (!used.has(set.name) || rawFlags.includes('dynamic')) continue;
        set.flags = listedSetFlags([...rawFlags, 'dynamic'], set.timeout !== undefined);
      }
    }
  }

  /** `{ "flush": { "ruleset": null | { "family": f } } }`: forget the tables read so far. */
  private flush(value: JsonNode): void {
    const { key, value: arg } = single(value, '"flush" command');
    if (key !== 'ruleset')
      throw new SchemaError(
        `"flush ${key}" is not supported in a ruleset file (only flush ruleset)`,
        value.span,
      );
    let family: string | undefined;
    if (arg.type !== 'null')
      family = optStr(asObject(arg, '"flush ruleset"'), 'family', '"flush ruleset"');
    for (const [k, t] of this.tables) {
      if (family !== undefined && t.table.family !== family) continue;
      this.tables.delete(k);
      this.ruleset.tables.splice(this.ruleset.tables.indexOf(t.table), 1);
    }
  }

  private table(o: JsonObject): void {
    const what = '"table"';
    const familyNode = required(o, 'family', what);
    const family = oneOf(
      str(familyNode, `${what} "family"`),
      FAMILIES,
      `${what} "family"`,
      familyNode,
    );
    const name = reqStr(o, 'name', what);
    const key = `${family} ${name}`;
    if (this.tables.has(key)) return; // `add table` of an existing table is a no-op in nft.
    const table: Table = {
      family,
      name,
      flags: strList(optional(o, 'flags'), `${what} flag`),
      chains: [],
      sets: [],
      objects: [],
      flowtables: [],
      span: o.span,
    };
    const handle = optNum(o, 'handle', what);
    if (handle !== undefined) table.handle = handle;
    const comment = optStr(o, 'comment', what);
    if (comment !== undefined) table.comment = comment;
    const state: TableState = {
      table,
      chains: new Map(),
      sets: new Map(),
      reader: new StmtReader({
        family,
        legacy: this.legacy,
        setTypes: (set) => state.sets.get(set)?.types,
      }),
    };
    this.tables.set(key, state);
    this.ruleset.tables.push(table);
  }

  private chain(o: JsonObject): void {
    const what = '"chain"';
    const t = this.tableState(o, what);
    const name = reqStr(o, 'name', what);
    if (t.chains.has(name)) return;
    const chain: Chain = { name, rules: [], span: o.span };
    const handle = optNum(o, 'handle', what);
    if (handle !== undefined) chain.handle = handle;
    const comment = optStr(o, 'comment', what);
    const hookNode = optional(o, 'hook');
    if (hookNode !== undefined) {
      const family = t.table.family;
      const hook = oneOf(str(hookNode, `${what} "hook"`), HOOKS, `${what} "hook"`, hookNode);
      const typeNode = required(o, 'type', what);
      const type = oneOf(str(typeNode, `${what} "type"`), CHAIN_TYPES, `${what} "type"`, typeNode);
      const prio = num(required(o, 'prio', what), `${what} "prio"`);
      const priority: Priority = { value: prio, text: priorityText(prio, family, hook) };
      const devices = strList(optional(o, 'dev'), `${what} device`);
      const base: BaseChainSpec = { type, hook, priority, devices };
      if (devices.length > 1) base.devicesSet = true;
      chain.base = base;
      const policy = optStr(o, 'policy', what) ?? 'accept';
      chain.policy = oneOf(policy, ['accept', 'drop'] as const, `${what} "policy"`, o);
      chain.policyWritten = true;
    }
    if (comment !== undefined) chain.comment = comment;
    const flags = strList(optional(o, 'flags'), `${what} flag`);
    if (flags.length > 0) chain.flags = flags;
    t.chains.set(name, { chain, nextIndex: 0 });
    t.table.chains.push(chain);
  }

  /**
   * A rule, appended to its chain; `insert` puts it first. In `nft -j list` output (no
   * command) the handle is the rule's own; in an add/insert command it would position the
   * rule, which this reader does not do: it says so rather than misplace the rule.
   */
  private rule(o: JsonObject, command?: string): void {
    const what = '"rule"';
    const t = this.tableState(o, what);
    const chainName = reqStr(o, 'chain', what);
    const c = t.chains.get(chainName);
    if (!c)
      throw new SchemaError(
        `${what}: chain ${chainName} is not defined in table ${t.table.family} ${t.table.name}`,
        o.span,
      );
    const exprs = asArray(required(o, 'expr', what), `${what} "expr"`);
    if (exprs.items.length === 0)
      throw new SchemaError(`${what}: a rule needs at least one statement`, exprs.span);
    if (command !== undefined) {
      for (const k of ['handle', 'index', 'position']) {
        const at = optional(o, k);
        if (at !== undefined)
          throw new SchemaError(
            `${what}: placing a rule by "${k}" in an "${command}" command is not supported`,
            at.span,
          );
      }
    }
    const statements: Statement[] = exprs.items.map((s) => t.reader.read(s));
    const rule: Rule = { index: c.nextIndex++, statements, text: '', span: o.span };
    const handle = command === undefined ? optNum(o, 'handle', what) : undefined;
    if (handle !== undefined) rule.handle = handle;
    const comment = optStr(o, 'comment', what);
    if (comment !== undefined) rule.comment = comment;
    rule.text = printRule(rule);
    if (command === 'insert') {
      c.chain.rules.unshift(rule);
      c.chain.rules.forEach((r, i) => {
        r.index = i;
      });
    } else c.chain.rules.push(rule);
  }

  private typeSpec(
    n: JsonNode,
    what: string,
    reader: StmtReader,
  ): { spec: TypeSpec; type: ValueType } {
    if (n.type === 'object') {
      const { key, value } = single(n, what);
      if (key !== 'typeof')
        throw new SchemaError(`${what}: a type name or { "typeof": … } was expected`, n.span);
      const e = reader.exprs.read(value);
      const exprs = e.kind === 'concat' ? e.parts : [e];
      return { spec: { form: 'typeof', exprs, span: n.span }, type: typeOf(e) };
    }
    const names = strList(n, what);
    return { spec: { form: 'type', names, span: n.span }, type: namedType(names) };
  }

  private set(kind: 'set' | 'map', o: JsonObject): void {
    const what = `"${kind}"`;
    const t = this.tableState(o, what);
    const name = reqStr(o, 'name', what);
    if (t.sets.has(name)) return;
    const key = this.typeSpec(required(o, 'type', what), `${what} "type"`, t.reader);
    const types: { key: ValueType; data?: ValueType } = { key: key.type };
    const set: NamedSet = {
      kind,
      name,
      key: key.spec,
      flags: [],
      elements: [],
      span: o.span,
    };
    const handle = optNum(o, 'handle', what);
    if (handle !== undefined) set.handle = handle;
    if (kind === 'map') {
      const data = this.typeSpec(required(o, 'map', what), `${what} "map"`, t.reader);
      set.data = data.spec;
      types.data = data.type;
    }
    const timeout = optional(o, 'timeout');
    if (timeout !== undefined)
      set.timeout = formatDuration(BigInt(intRaw(timeout, `${what} "timeout"`)) * 1000n);
    const rawFlags = strList(optional(o, 'flags'), `${what} flag`);
    set.flags = listedSetFlags(rawFlags, set.timeout !== undefined);
    const gc = optional(o, 'gc-interval');
    if (gc !== undefined)
      set.gcInterval = formatDuration(BigInt(intRaw(gc, `${what} "gc-interval"`)) * 1000n);
    const size = optNum(o, 'size', what);
    if (size !== undefined) set.size = size;
    const policy = optStr(o, 'policy', what);
    if (policy !== undefined) set.policy = policy;
    if (optBool(o, 'auto-merge', what)) set.autoMerge = true;
    const stmts = optional(o, 'stmt');
    if (stmts !== undefined)
      set.statements = asArray(stmts, `${what} "stmt"`)
        .items.map((s) => t.reader.read(s))
        .map(stateless);
    const comment = optStr(o, 'comment', what);
    if (comment !== undefined) set.comment = comment;
    const elem = optional(o, 'elem');
    if (elem !== undefined) {
      set.elements = t.reader.exprs.elements(
        elem,
        types.key,
        kind === 'map' ? (types.data ?? PLAIN) : undefined,
      );
    }
    // nft 1.1 lists `size N  # count M`, M the number of elements the kernel holds: the JSON
    // lists every element, so M is their number (a set with elements added later is recounted).
    if (set.size !== undefined && set.elements.length > 0) set.count = set.elements.length;
    t.sets.set(name, { set, types, rawFlags });
    t.table.sets.push(set);
  }

  private elements(o: JsonObject): void {
    const what = '"element"';
    const t = this.tableState(o, what);
    const name = reqStr(o, 'name', what);
    const entry = t.sets.get(name);
    if (!entry)
      throw new SchemaError(
        `${what}: set ${name} is not defined in table ${t.table.family} ${t.table.name}`,
        o.span,
      );
    const { set, types } = entry;
    set.elements.push(
      ...t.reader.exprs.elements(
        required(o, 'elem', what),
        types.key,
        set.kind === 'map' ? (types.data ?? PLAIN) : undefined,
      ),
    );
    if (set.size !== undefined && set.elements.length > 0) set.count = set.elements.length;
  }

  private object(type: ObjectType, o: JsonObject): void {
    const what = `"${type}"`;
    const t = this.tableState(o, what);
    const obj = {
      type,
      name: reqStr(o, 'name', what),
      body: objectBody(type, o, this.legacy),
      span: o.span,
    } as Table['objects'][number];
    const handle = optNum(o, 'handle', what);
    if (handle !== undefined) obj.handle = handle;
    const comment = optStr(o, 'comment', what);
    if (comment !== undefined) obj.comment = comment;
    t.table.objects.push(obj);
  }

  private flowtable(o: JsonObject): void {
    const what = '"flowtable"';
    const t = this.tableState(o, what);
    const hookNode = required(o, 'hook', what);
    const hook = oneOf(str(hookNode, `${what} "hook"`), HOOKS, `${what} "hook"`, hookNode);
    const prio = num(required(o, 'prio', what), `${what} "prio"`);
    const ft: Flowtable = {
      name: reqStr(o, 'name', what),
      hook,
      priority: { value: prio, text: priorityText(prio, 'netdev', hook) },
      devices: strList(optional(o, 'dev'), `${what} device`),
      span: o.span,
    };
    const handle = optNum(o, 'handle', what);
    if (handle !== undefined) ft.handle = handle;
    const flags = strList(optional(o, 'flags'), `${what} flag`);
    if (flags.length > 0) ft.flags = flags;
    if (optBool(o, 'counter', what)) ft.counter = true;
    t.table.flowtables.push(ft);
  }
}

function diagnostic(message: string, span: Span): Diagnostic {
  return {
    file: span.file,
    line: span.line,
    col: span.col,
    endLine: span.endLine,
    endCol: span.endCol,
    message,
    severity: 'error',
  };
}

/**
 * Reads `nft -j list ruleset` output (or a JSON command file of add/create commands) into the
 * ruleset model. Throws RulesetError with every error found (one per ruleset element).
 */
export function parseNftJson(text: string, file: string): Ruleset {
  const sources = new Map([[file, text]]);
  let root: JsonNode;
  try {
    root = parseJsonTree(text, file);
  } catch (e) {
    if (e instanceof JsonSyntaxError)
      throw new RulesetError([diagnostic(`invalid JSON: ${e.message}`, e.span)], sources);
    throw e;
  }
  const reader = new Reader(file, text);
  const errors: Diagnostic[] = [];
  try {
    const top = asObject(root, 'the JSON document');
    const list = asArray(required(top, 'nftables', 'the JSON document'), '"nftables"');
    for (const item of list.items) {
      try {
        reader.element(item);
      } catch (e) {
        if (!(e instanceof SchemaError)) throw e;
        errors.push(diagnostic(e.message, e.span));
      }
    }
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    errors.push(diagnostic(e.message, e.span));
  }
  if (errors.length > 0) throw new RulesetError(errors, sources);
  reader.markDynamicSets();
  return reader.ruleset;
}
