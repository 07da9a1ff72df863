/**
 * Checks nft makes after parsing (its evaluation step) that need the whole ruleset: jump and
 * goto targets exist, `@set` references name a set of the table (a map where a map is
 * needed, a verdict map for `vmap`), map elements carry data and set elements do not, and
 * a few value checks (no ranges assigned, no prefixes on non-addresses, names that fit).
 * Every finding is a positioned Diagnostic.
 */
import { hasChain } from '../chains.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { integerValue } from '../literals.ts';
import type {
  Chain,
  Expr,
  NamedSet,
  Rule,
  Ruleset,
  SetElement,
  Span,
  Statement,
  Table,
} from '../model.ts';
import { TRANSPORT_NUMBERS, TRANSPORT_PROTOCOLS } from '../transport.ts';
import { JumpGraph } from '../validate.ts';
import { eachExpr } from './expr-walk.ts';
import { Located } from './nodes.ts';
import { ctTimeoutProblems, tunnelProblems } from './object-bodies.ts';

/** nft's NFT_NAME_MAXLEN is 256 including the terminating NUL. */
const MAX_NAME = 255;
/** The largest key nft can build in registers: 16 registers of 32 bits. */
const MAX_KEY_BITS = 512;

/** Meta keys of string type (interface names). */
const STRING_META = new Set([
  'iifname',
  'oifname',
  'ibrname',
  'obrname',
  'iifkind',
  'oifkind',
  'sdifname',
]);

/** Network protocols of the context, under the names `ether type`/`meta nfproto` use. */
const NETWORK_NAMES: Record<string, string> = {
  ip: 'ip',
  ipv4: 'ip',
  '0x0800': 'ip',
  ip6: 'ip6',
  ipv6: 'ip6',
  '0x86dd': 'ip6',
  arp: 'arp',
  '0x0806': 'arp',
};
/** Statements that refer to a named object: the word before `name` or the ct key. */
const OBJREF_TYPES: Record<string, string> = {
  counter: 'counter',
  quota: 'quota',
  limit: 'limit',
  synproxy: 'synproxy',
  tunnel: 'tunnel',
  secmark: 'secmark',
  helper: 'ct helper',
  timeout: 'ct timeout',
  expectation: 'ct expectation',
};

/** Data types of object maps declared with `type`. */
const OBJMAP_DATA_TYPES: Record<string, string> = {
  counter: 'counter',
  quota: 'quota',
  limit: 'limit',
  secmark: 'secmark',
  synproxy: 'synproxy',
  tunnel: 'tunnel',
};

function unquote(word: string): string {
  const w = word.replace(/[,}]+$/, '');
  return w.length >= 2 && w.startsWith('"') && w.endsWith('"') ? w.slice(1, -1) : w;
}

/**
 * A finding of a chain's rules checked as its block closed (src/ruleset/nft/check-stream.ts):
 * a diagnostic, or a reference to what the script had not declared yet, checked again at the
 * end in its place among the findings.
 */
export type Finding = Diagnostic | PendingTarget | (() => void);

/**
 * A jump or goto to a chain not declared yet (a listing's jumps mostly lead further down): the
 * node holding the verdict, its span read only if the chain is still missing at the end.
 */
class PendingTarget {
  readonly target: string;
  readonly at: { span?: Span | undefined };
  constructor(target: string, at: { span?: Span | undefined }) {
    this.target = target;
    this.at = at;
  }
}

export class Validator {
  readonly diags: Diagnostic[] = [];
  /** Where findings go: `diags`, or the bucket of the chain being streamed. */
  private out: Finding[] = this.diags;
  /** Streaming: a reference not found yet is checked again at the end, not reported. */
  private deferring = false;
  private table!: Table;
  private setsByName = new Map<string, NamedSet>();
  /** The number of sets `setsByName` was made from (streaming: sets declared since). */
  private setsCounted = -1;
  /** Where an error without a span of its own is reported: the node being checked (its span
   * is read only then; the nft front end makes rule spans when first read). */
  private fallback?: { span?: Span | undefined };
  /** The rule being checked, whose span comes before the fallback's. */
  private rule?: Rule;
  /** Each table's jump graph, built from the statements as they are checked. */
  readonly graphs = new Map<Table, JumpGraph>();
  private graph?: JumpGraph;

  error(span: Span | undefined, message: string): void {
    const s = span ?? this.rule?.span ?? this.fallback?.span;
    this.out.push({
      file: s?.file ?? '',
      line: s?.line ?? 1,
      col: s?.col ?? 1,
      ...(s ? { endLine: s.endLine, endCol: s.endCol } : {}),
      message,
      severity: 'error',
    });
  }

  /**
   * `streamed`: the findings of each chain's rules, checked as they were read (checkStreamed);
   * they take the place of checking the rules here, and no jump graph is built.
   */
  run(rs: Ruleset, streamed?: ReadonlyMap<Chain, Finding[]>): void {
    this.deferring = false;
    this.out = this.diags;
    this.rule = undefined;
    for (const t of rs.tables) {
      this.table = t;
      this.setsByName = new Map(t.sets.map((x) => [x.name, x]));
      this.setsCounted = t.sets.length;
      this.fallback = t;
      this.checkName(t.name, 'table', t.span);
      for (const s of t.sets) this.checkSet(s);
      for (const o of t.objects) {
        this.fallback = o.span ? o : t;
        if (o.type === 'ct timeout')
          for (const m of ctTimeoutProblems(o.body)) this.error(o.span, m);
        if (o.type === 'tunnel') for (const m of tunnelProblems(o)) this.error(o.span, m);
        if (t.family === 'arp' && o.type.startsWith('ct '))
          this.error(o.span, `${o.type} objects are not supported in arp tables`);
      }
      for (const f of t.flowtables) this.checkName(f.name, 'flowtable', f.span);
      this.graph = streamed ? undefined : new JumpGraph(t, false);
      if (this.graph) this.graphs.set(t, this.graph);
      for (let i = 0; i < t.chains.length; i++) {
        const c = t.chains[i] as Chain;
        this.checkChain(c, i, streamed);
      }
    }
  }

  /**
   * Checks rules of `chain` as its block closes, into `out`: a chain, set or object they name
   * that is not declared yet is looked up again when `out` is replayed by run.
   */
  checkStreamed(table: Table, chain: Chain, rules: Rule[], out: Finding[]): void {
    if (this.table !== table || this.setsCounted !== table.sets.length) {
      this.setsByName = new Map(table.sets.map((x) => [x.name, x]));
      this.setsCounted = table.sets.length;
    }
    this.table = table;
    this.fallback = chain.span ? chain : table;
    this.graph = undefined;
    this.deferring = true;
    this.out = out;
    this.checkRules(rules);
    this.out = this.diags;
    this.deferring = false;
  }

  /** A reference not declared yet, checked again at the end: its span is fixed now. */
  private defer(span: Span | undefined, check: (at: Span | undefined) => void): void {
    const at = span ?? this.rule?.span ?? this.fallback?.span;
    this.out.push(() => check(at));
  }

  private checkName(name: string, what: string, span: Span | undefined): void {
    if (name.length > MAX_NAME)
      this.error(span, `${what} name is too long (${name.length} characters, at most ${MAX_NAME})`);
    if (name.length === 0) this.error(span, `${what} name is empty`);
  }

  /** `position`: the chain's place in the table (its node in the jump graph). */
  private checkChain(
    c: Chain,
    position: number,
    streamed: ReadonlyMap<Chain, Finding[]> | undefined,
  ): void {
    this.fallback = c.span ? c : this.table;
    this.checkName(c.name, 'chain', c.span);
    if (c.base?.devices.some((d) => d === '')) this.error(c.span, 'empty device name');
    if (!streamed) {
      this.checkRules(c.rules, position);
      return;
    }
    // Most chains have no findings: no empty array made for each.
    const found = streamed.get(c);
    if (found === undefined) return;
    for (const f of found) {
      if (typeof f === 'function') f();
      else if (f instanceof PendingTarget) this.checkTarget(f.target, f.at);
      else this.diags.push(f);
    }
  }

  /** `position`: the chain's, for its own rules; none for the rules of a chain binding. */
  private checkRules(rules: Rule[], position?: number): void {
    for (const r of rules) {
      const saved = this.rule;
      this.rule = r;
      for (const s of r.statements) {
        this.checkStatement(s);
        if (position !== undefined) this.graph?.addStatement(position, s);
      }
      this.checkProtocolContext(r.statements);
      if (this.table.family === 'arp') this.checkNoConntrack(r.statements);
      this.rule = saved;
    }
  }

  private checkSet(s: NamedSet): void {
    this.fallback = s.span ? s : this.table;
    this.checkName(s.name, s.kind, s.span);
    if (s.key.form === 'typeof') for (const e of s.key.exprs) this.checkTypeofExpr(e);
    if (s.data?.form === 'typeof') for (const e of s.data.exprs) this.checkTypeofExpr(e);
    if (s.data?.form === 'type' && s.data.names.length > 1 && s.data.names.includes('verdict')) {
      this.error(s.data.span ?? s.span, 'a verdict cannot be part of a concatenation');
    }
    for (const st of s.statements ?? []) {
      if (st.kind === 'counter' && st.name !== undefined)
        this.error(st.span, 'a set statement cannot refer to a named object');
      if (st.kind === 'other' && st.args[0] === 'name')
        this.error(st.span, 'a set statement cannot refer to a named object');
    }
    const isVerdictMap = s.data?.form === 'type' && s.data.names[0] === 'verdict';
    const isClassidMap =
      s.data?.form === 'type' && s.data.names.length === 1 && s.data.names[0] === 'classid';
    const objType = this.objectMapType(s);
    for (const el of s.elements) {
      if (objType && el.value?.kind === 'value')
        this.checkObjectExists(objType, el.value.text, el.value.span ?? el.span);
      if (el.key.kind === 'binop' && (el.key.op === '<<' || el.key.op === '>>')) {
        this.error(el.key.span ?? el.span, 'a set element must be a constant value');
      }
      if (s.kind === 'map' && !el.value)
        this.error(el.span, `element of map '${s.name}' has no data (expecting key : value)`);
      if (s.kind === 'set' && el.value)
        this.error(
          el.span,
          `element of set '${s.name}' has data, but '${s.name}' is a set, not a map`,
        );
      this.checkExpr(el.key);
      if (el.value) {
        this.checkExpr(el.value);
        if (isVerdictMap) this.checkVerdictExpr(el.value);
        if (
          isClassidMap &&
          el.value.kind === 'value' &&
          !/^(root|none|(0x)?[0-9a-fA-F]{1,4}:(0x)?[0-9a-fA-F]{0,4})$/.test(el.value.text)
        ) {
          this.error(
            el.value.span ?? el.span,
            `'${el.value.text}' is not a class id (major:minor)`,
          );
        }
      }
    }
  }

  private checkTypeofExpr(e: Expr): void {
    if (e.kind === 'value' || e.kind === 'set' || e.kind === 'range' || e.kind === 'prefix') {
      this.error(e.span, 'typeof needs an expression (a header field, meta, ct…), not a constant');
    }
  }

  /**
   * nft's protocol context (evaluate.c, __expr_evaluate_payload): a match on `ip protocol`,
   * `ip6 nexthdr`, `meta l4proto` (or `meta nfproto`, `ether type` for the network layer), or
   * a header field of a protocol, fixes the protocol of that layer for the rest of the rule; a
   * header field of another protocol on the same layer is "conflicting protocols specified".
   */
  private checkProtocolContext(stmts: Statement[]): void {
    const fam = this.table.family;
    this.l3 = fam === 'ip' || fam === 'ip6' ? fam : undefined;
    this.l4 = undefined;
    for (const s of stmts) {
      eachExpr(s, this.checkLayer);
      const l3 = this.l3;
      const l4 = this.l4;
      if (s.kind !== 'match' || s.op !== '==' || s.right.kind !== 'value') continue;
      const l = s.left;
      const v = s.right.text;
      const isL4 =
        (l.kind === 'payload' &&
          ((l.protocol === 'ip' && l.field === 'protocol') ||
            (l.protocol === 'ip6' && l.field === 'nexthdr'))) ||
        (l.kind === 'meta' && l.key === 'l4proto');
      if (isL4) {
        const name = TRANSPORT_NUMBERS[v] ?? (v === 'ipv6-icmp' ? 'icmpv6' : v);
        if (l4 === undefined && TRANSPORT_PROTOCOLS.has(name)) this.l4 = name;
        else if (l4 === undefined) this.l4 = `#${v}`;
        continue;
      }
      const isL3 =
        (l.kind === 'payload' && l.protocol === 'ether' && l.field === 'type') ||
        (l.kind === 'meta' && (l.key === 'nfproto' || l.key === 'protocol'));
      if (isL3 && l3 === undefined) this.l3 = NETWORK_NAMES[v.toLowerCase()];
    }
  }

  /** The rule's network and transport protocols so far (checkProtocolContext). */
  private l3: string | undefined;
  private l4: string | undefined;

  /** A header field against the rule's protocols: made once, not a closure per rule. */
  private readonly checkLayer = (e: Expr): void => {
    if (e.kind !== 'payload') return;
    const p = e.protocol;
    if (TRANSPORT_PROTOCOLS.has(p)) {
      if (this.l4 !== undefined && this.l4 !== p) {
        this.error(e.span, `conflicting protocols specified: ${this.l4} vs. ${p}`);
      }
      this.l4 ??= p;
    } else if (p === 'ip' || p === 'ip6' || p === 'arp') {
      if (this.l3 !== undefined && this.l3 !== p) {
        this.error(e.span, `conflicting protocols specified: ${this.l3} vs. ${p}`);
      }
      this.l3 ??= p;
    }
  };

  /** The kernel has no conntrack for ARP: nft_ct refuses arp tables ("Protocol error"). */
  private checkNoConntrack(stmts: Statement[]): void {
    for (const s of stmts) {
      let found: Expr | undefined;
      eachExpr(s, (e) => {
        if (e.kind === 'ct' && !found) found = e;
      });
      if (found) this.error(found.span ?? s.span, 'conntrack (ct) is not available in arp tables');
    }
  }

  /** Object references (`counter name "x"`, `ct helper set ip saddr map { … : "x" }`) name an object of that type in the table. */
  private checkObjectRefs(s: Statement): void {
    // Most statements refer to no object: leave before making anything.
    if (s.kind !== 'counter' && s.kind !== 'other' && s.kind !== 'mangle') return;
    if (s.kind === 'counter' && s.name === undefined) return;
    let type: string | undefined;
    const names: { name: string; span?: Span }[] = [];
    if (s.kind === 'counter' && s.name !== undefined) {
      type = 'counter';
      names.push({ name: s.name, span: s.span });
    } else if (s.kind === 'other' && s.args[0] === 'name' && OBJREF_TYPES[s.keyword]) {
      type = OBJREF_TYPES[s.keyword];
      const a = s.args;
      if (a.length === 2) names.push({ name: unquote(a[1] as string), span: s.span });
      else if (a.includes('map') && a[a.indexOf('map') + 1] === '{') {
        for (let i = 0; i < a.length - 1; i++)
          if (a[i] === ':') names.push({ name: unquote(a[i + 1] as string), span: s.span });
      }
    } else if (
      s.kind === 'mangle' &&
      s.target.kind === 'ct' &&
      (s.target.key === 'helper' || s.target.key === 'timeout' || s.target.key === 'expectation')
    ) {
      type = OBJREF_TYPES[s.target.key];
      const v = s.value;
      if (v.kind === 'value') names.push({ name: v.text, span: v.span ?? s.span });
      else if (v.kind === 'map' && v.map.kind === 'set') {
        for (const el of v.map.elements)
          if (el.value?.kind === 'value')
            names.push({ name: el.value.text, span: el.value.span ?? el.span ?? s.span });
      }
    }
    if (!type) return;
    for (const n of names) this.checkObjectExists(type, n.name, n.span);
  }

  private checkObjectExists(type: string, name: string, span: Span | undefined): void {
    if (name.startsWith('$')) return;
    if (!this.table.objects.some((o) => o.type === type && o.name === name)) {
      if (this.deferring) {
        this.defer(span, (at) => this.checkObjectExists(type, name, at));
        return;
      }
      this.error(
        span,
        `${type} '${name}' does not exist in table ${this.table.family} ${this.table.name}`,
      );
    }
  }

  /** The object type an object map's data names (`type ipv4_addr : quota`, `typeof … : ct helper`). */
  private objectMapType(s: NamedSet): string | undefined {
    const d = s.data;
    if (!d) return undefined;
    if (d.form === 'type')
      return d.names.length === 1 ? OBJMAP_DATA_TYPES[d.names[0] as string] : undefined;
    const e = d.exprs[0];
    if (
      d.exprs.length === 1 &&
      e?.kind === 'ct' &&
      ['helper', 'timeout', 'expectation'].includes(e.key)
    )
      return `ct ${e.key}`;
    return undefined;
  }

  /** The set of this name, given to `then` (later, when streaming and not declared yet). */
  private findSet(name: string, span: Span | undefined, then?: (set: NamedSet) => void): void {
    const s = this.setsByName.get(name);
    if (s) then?.(s);
    else if (this.deferring) this.defer(span, (at) => this.findSet(name, at, then));
    else
      this.error(
        span,
        `set '${name}' does not exist in table ${this.table.family} ${this.table.name}`,
      );
  }

  /** `at`: the statement or expression holding the verdict (its span is read for an error). */
  private checkTarget(target: string | undefined, at: { span?: Span | undefined }): void {
    if (target === undefined) return;
    if (target.length > MAX_NAME) {
      this.error(
        at.span,
        `chain name is too long (${target.length} characters, at most ${MAX_NAME})`,
      );
      return;
    }
    if (!hasChain(this.table, target)) {
      if (this.deferring) {
        // A node that keeps its place (Located) always has a span: it is made when read.
        if (at instanceof Located) this.out.push(new PendingTarget(target, at));
        else this.defer(at.span, (span) => this.checkTarget(target, { span }));
        return;
      }
      this.error(
        at.span,
        `chain '${target}' does not exist in table ${this.table.family} ${this.table.name}`,
      );
    }
  }

  private checkVerdictExpr(e: Expr): void {
    if (e.kind === 'verdict') {
      this.checkTarget(e.verdict.target, e);
      if (e.verdict.binding) this.checkRules(e.verdict.binding);
    }
  }

  private checkMapLiteral(m: Expr, verdicts: boolean): void {
    if (m.kind !== 'set') return;
    for (const el of m.elements) {
      if (!el.value)
        this.error(el.span ?? m.span, 'map element has no data (expecting key : value)');
      else if (verdicts) this.checkVerdictExpr(el.value);
    }
  }

  private checkStatement(s: Statement): void {
    this.checkObjectRefs(s);
    switch (s.kind) {
      case 'match':
        // nft types a constant by what it is compared with: on the left there is nothing to
        // type it by ("No symbol type information"), as in `ip6 daddr 2001:db8::1::2 accept`,
        // whose second `::2` starts a statement of its own.
        if (s.left.kind === 'value')
          this.error(
            s.left.span ?? s.span,
            `'${s.left.text}' cannot start a match: a constant is compared with a header field, meta or ct expression`,
          );
        this.checkExpr(s.left);
        this.checkExpr(s.right);
        if (s.mask) this.checkExpr(s.mask);
        this.checkWidths(s.left, s.right);
        return;
      case 'verdict':
        this.checkTarget(s.verdict.target, s);
        if (s.verdict.binding) this.checkRules(s.verdict.binding);
        return;
      case 'vmap':
        this.checkExpr(s.key);
        if (s.map.kind === 'setref') {
          const ref = s.map;
          this.findSet(ref.name, ref.span, (set) => {
            if (
              !(set.kind === 'map' && set.data?.form === 'type' && set.data.names[0] === 'verdict')
            ) {
              this.error(ref.span, `'${ref.name}' is not a verdict map`);
            }
          });
        } else {
          this.checkMapLiteral(s.map, true);
          if (s.map.kind === 'set') for (const el of s.map.elements) this.checkExpr(el.key);
        }
        this.checkWidths(s.key, s.map);
        return;
      case 'nat':
        if (s.addr) this.checkExpr(s.addr);
        if (s.port) this.checkExpr(s.port);
        return;
      case 'mangle':
        if (s.target.kind === 'meta' && STRING_META.has(s.target.key) && s.value.kind === 'binop') {
          this.error(
            s.value.span ?? s.span,
            `bitwise operation assigned to ${s.target.key}, which is a string`,
          );
        }
        this.checkExpr(s.target);
        this.checkExpr(s.value);
        if (s.value.kind === 'range')
          this.error(
            s.value.span ?? s.span,
            'a range cannot be assigned; expecting a single value',
          );
        if (s.value.kind === 'set')
          this.error(s.value.span ?? s.span, 'a set cannot be assigned; expecting a single value');
        return;
      case 'setop':
        this.findSet(s.set, s.span);
        this.checkExpr(s.key);
        return;
      default:
        return;
    }
  }

  private checkExpr(e: Expr): void {
    switch (e.kind) {
      case 'prefix':
        // A number takes a prefix too (`tcp dport 22/8`); its width is literal-check's.
        if (
          e.expr.kind === 'value' &&
          !/[.:]/.test(e.expr.text) &&
          integerValue(e.expr.text) === undefined
        ) {
          this.error(e.span, `'${e.expr.text}/${e.length}' is not an address prefix`);
        }
        this.checkExpr(e.expr);
        return;
      case 'setref':
        this.findSet(e.name, e.span);
        return;
      case 'map':
        this.checkExpr(e.key);
        if (e.map.kind === 'setref') {
          const ref = e.map;
          this.findSet(ref.name, ref.span, (set) => {
            if (set.kind !== 'map')
              this.error(ref.span, `'${ref.name}' is a set, a map is needed here`);
          });
        } else {
          this.checkMapLiteral(e.map, false);
          if (e.map.kind === 'set') {
            for (const el of e.map.elements) {
              this.checkExpr(el.key);
              if (el.value) this.checkExpr(el.value);
            }
          }
        }
        return;
      case 'binop':
        if (e.left.kind === 'meta' && STRING_META.has(e.left.key)) {
          this.error(e.span, `bitwise operation on ${e.left.key}, which is a string`);
        }
        this.checkExpr(e.left);
        this.checkExpr(e.right);
        if (
          (e.op === '<<' || e.op === '>>') &&
          e.right.kind === 'value' &&
          /^\d+$/.test(e.right.text)
        ) {
          if (Number(e.right.text) >= 128)
            this.error(e.right.span ?? e.span, `shift amount ${e.right.text} is too large`);
        }
        return;
      case 'concat': {
        let bits = 0;
        for (const p of e.parts) {
          this.checkExpr(p);
          if (p.kind === 'raw') bits += p.length;
        }
        if (bits > MAX_KEY_BITS)
          this.error(e.span, `concatenation is too long (${bits} bits, at most ${MAX_KEY_BITS})`);
        return;
      }
      case 'raw':
        this.checkRawMask(e);
        if (e.length > MAX_KEY_BITS)
          this.error(
            e.span,
            `raw payload of ${e.length} bits is too long (at most ${MAX_KEY_BITS})`,
          );
        return;
      case 'set':
        for (const el of e.elements) {
          this.checkExpr(el.key);
          if (el.value) this.checkExpr(el.value);
        }
        return;
      case 'range':
        this.checkExpr(e.low);
        this.checkExpr(e.high);
        return;
      case 'list':
        for (const i of e.items) this.checkExpr(i);
        return;
      case 'hash':
        if (e.expr) this.checkExpr(e.expr);
        return;
      default:
        return;
    }
  }

  /**
   * A raw payload off byte boundaries is read whole bytes and masked in one register
   * (expr_evaluate_bits): the mask, its length plus the shift, has to fit in 128 bits.
   */
  private checkRawMask(e: { offset: number; length: number; span?: Span }): void {
    if (e.offset % 8 === 0 && e.length % 8 === 0) return;
    let shift = Math.ceil(e.length / 8) * 8 - ((e.offset % 8) + e.length);
    while (shift < 0) shift += 8;
    const masklen = e.length + shift;
    if (masklen > 128) this.error(e.span, `mask length ${masklen} exceeds allowed maximum of 128`);
  }

  /** Constants wider than the raw payload they are compared with (`@th,260,118` vs 0x…). */
  private checkWidths(left: Expr, right: Expr): void {
    // Only raw payloads have a width to overflow: leave before making lists for the rest.
    if (left.kind !== 'raw' && left.kind !== 'concat') return;
    const lparts = left.kind === 'concat' ? left.parts : [left];
    const elems: SetElement[] = right.kind === 'set' ? right.elements : [{ key: right }];
    for (const el of elems) {
      const rparts = el.key.kind === 'concat' ? el.key.parts : [el.key];
      lparts.forEach((l, i) => {
        if (l.kind !== 'raw') return;
        const r = rparts[i];
        const vals = r?.kind === 'range' ? [r.low, r.high] : r ? [r] : [];
        for (const v of vals) {
          if (v.kind !== 'value' || !/^0x[0-9a-fA-F]+$/.test(v.text)) continue;
          const bits = BigInt(v.text).toString(2).length;
          if (bits > l.length)
            this.error(v.span ?? el.span, `value ${v.text} does not fit in ${l.length} bits`);
        }
      });
    }
  }
}

/** Runs the checks; returns the diagnostics (empty when the ruleset is consistent). */
/**
 * Runs the checks: the diagnostics (empty when the ruleset is consistent), and each table's
 * jump graph for the kernel's jump-depth check (src/ruleset/validate.ts).
 */
export function validateRuleset(rs: Ruleset): {
  diagnostics: Diagnostic[];
  graphs: ReadonlyMap<Table, JumpGraph>;
} {
  const v = new Validator();
  v.run(rs);
  return { diagnostics: v.diags, graphs: v.graphs };
}
