/**
 * Checks nft makes after parsing (its evaluation step) that need the whole ruleset: jump and
 * goto targets exist, `@set` references name a set of the table (a map where a map is
 * needed, a verdict map for `vmap`), map elements carry data and set elements do not, and
 * a few value checks (no ranges assigned, no prefixes on non-addresses, names that fit).
 * Every finding is a positioned Diagnostic.
 */
import type { Diagnostic } from '../diagnostics.ts';
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

/** nft's NFT_NAME_MAXLEN is 256 including the terminating NUL. */
const MAX_NAME = 255;
/** The largest key nft can build in registers: 16 registers of 32 bits. */
const MAX_KEY_BITS = 512;

const TCP_TIMEOUT_STATES = new Set([
  'syn_sent',
  'syn_recv',
  'established',
  'fin_wait',
  'close_wait',
  'last_ack',
  'time_wait',
  'close',
  'syn_sent2',
  'retrans',
  'unack',
]);
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
const OTHER_TIMEOUT_STATES = new Set(['unreplied', 'replied']);

class Validator {
  readonly diags: Diagnostic[] = [];
  private table!: Table;
  private chainNames = new Set<string>();
  private setsByName = new Map<string, NamedSet>();
  private fallback?: Span;

  error(span: Span | undefined, message: string): void {
    const s = span ?? this.fallback;
    this.diags.push({
      file: s?.file ?? '',
      line: s?.line ?? 1,
      col: s?.col ?? 1,
      ...(s ? { endLine: s.endLine, endCol: s.endCol } : {}),
      message,
      severity: 'error',
    });
  }

  run(rs: Ruleset): void {
    for (const t of rs.tables) {
      this.table = t;
      this.chainNames = new Set(t.chains.map((c) => c.name));
      this.setsByName = new Map(t.sets.map((x) => [x.name, x]));
      this.fallback = t.span;
      this.checkName(t.name, 'table', t.span);
      for (const s of t.sets) this.checkSet(s);
      for (const o of t.objects) {
        this.fallback = o.span ?? t.span;
        if (o.type === 'ct timeout') this.checkCtTimeout(o.body, o.span);
      }
      for (const f of t.flowtables) this.checkName(f.name, 'flowtable', f.span);
      for (const c of t.chains) this.checkChain(c);
    }
  }

  private checkName(name: string, what: string, span: Span | undefined): void {
    if (name.length > MAX_NAME)
      this.error(span, `${what} name is too long (${name.length} characters, at most ${MAX_NAME})`);
    if (name.length === 0) this.error(span, `${what} name is empty`);
  }

  private checkChain(c: Chain): void {
    this.fallback = c.span ?? this.table.span;
    this.checkName(c.name, 'chain', c.span);
    if (c.base?.devices.some((d) => d === '')) this.error(c.span, 'empty device name');
    this.checkRules(c.rules);
  }

  private checkRules(rules: Rule[]): void {
    for (const r of rules) {
      const saved = this.fallback;
      this.fallback = r.span ?? saved;
      for (const s of r.statements) this.checkStatement(s);
      this.fallback = saved;
    }
  }

  private checkSet(s: NamedSet): void {
    this.fallback = s.span ?? this.table.span;
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
    for (const el of s.elements) {
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

  private checkCtTimeout(body: string[][], span: Span | undefined): void {
    const proto = body.find((l) => l[0] === 'protocol')?.[1];
    const states = proto === 'tcp' ? TCP_TIMEOUT_STATES : OTHER_TIMEOUT_STATES;
    for (const line of body) {
      if (line[0] !== 'policy') continue;
      for (const w of line) {
        const m = /^([a-z_0-9A-Z]+)$/.exec(w);
        if (!m || ['policy', '=', '{', '}', ':'].includes(w)) continue;
        const idx = line.indexOf(w);
        if (line[idx + 1] === ':' && !states.has(w)) {
          this.error(span, `unknown ${proto ?? ''} conntrack state '${w}' in ct timeout policy`);
        }
      }
    }
  }

  private findSet(name: string, span: Span | undefined): NamedSet | undefined {
    const s = this.setsByName.get(name);
    if (!s)
      this.error(
        span,
        `set '${name}' does not exist in table ${this.table.family} ${this.table.name}`,
      );
    return s;
  }

  private checkTarget(target: string | undefined, span: Span | undefined): void {
    if (target === undefined) return;
    if (target.length > MAX_NAME) {
      this.error(span, `chain name is too long (${target.length} characters, at most ${MAX_NAME})`);
      return;
    }
    if (!this.chainNames.has(target)) {
      this.error(
        span,
        `chain '${target}' does not exist in table ${this.table.family} ${this.table.name}`,
      );
    }
  }

  private checkVerdictExpr(e: Expr): void {
    if (e.kind === 'verdict') {
      this.checkTarget(e.verdict.target, e.span);
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
    switch (s.kind) {
      case 'match':
        this.checkExpr(s.left);
        this.checkExpr(s.right);
        if (s.mask) this.checkExpr(s.mask);
        this.checkWidths(s.left, s.right);
        return;
      case 'verdict':
        this.checkTarget(s.verdict.target, s.span);
        if (s.verdict.binding) this.checkRules(s.verdict.binding);
        return;
      case 'vmap':
        this.checkExpr(s.key);
        if (s.map.kind === 'setref') {
          const set = this.findSet(s.map.name, s.map.span);
          if (
            set &&
            !(set.kind === 'map' && set.data?.form === 'type' && set.data.names[0] === 'verdict')
          ) {
            this.error(s.map.span, `'${s.map.name}' is not a verdict map`);
          }
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
        if (e.expr.kind === 'value' && !/[.:]/.test(e.expr.text)) {
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
          const set = this.findSet(e.map.name, e.map.span);
          if (set && set.kind !== 'map')
            this.error(e.map.span, `'${e.map.name}' is a set, a map is needed here`);
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

  /** Constants wider than the raw payload they are compared with (`@th,260,118` vs 0x…). */
  private checkWidths(left: Expr, right: Expr): void {
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
export function validateRuleset(rs: Ruleset): Diagnostic[] {
  const v = new Validator();
  v.run(rs);
  return v.diags;
}
