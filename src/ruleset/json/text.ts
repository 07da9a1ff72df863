/**
 * The nft text of expressions, for the parts of a statement the model keeps as words
 * (OtherStmt args such as `queue … to jhash tcp dport mod 4`, `limit name tcp dport map {…}`).
 */

import type { Expr, SetElement, Statement, Verdict } from '../model.ts';

const PRECEDENCE: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4 };

export function verdictText(v: Verdict): string {
  return v.target === undefined ? v.kind : `${v.kind} ${v.target}`;
}

function elementText(el: SetElement, stmtText: (s: Statement) => string): string {
  let out = exprText(el.key, stmtText);
  if (el.timeout !== undefined) out += ` timeout ${el.timeout}`;
  if (el.expires !== undefined) out += ` expires ${el.expires}`;
  if (el.comment !== undefined) out += ` comment ${JSON.stringify(el.comment)}`;
  for (const s of el.statements ?? []) out += ` ${stmtText(s)}`;
  if (el.value !== undefined) out += ` : ${exprText(el.value, stmtText)}`;
  return out;
}

export function exprText(e: Expr, stmtText: (s: Statement) => string = () => ''): string {
  const t = (x: Expr): string => exprText(x, stmtText);
  switch (e.kind) {
    case 'payload':
      return e.field === '' ? e.protocol : `${e.protocol} ${e.field}`;
    case 'raw':
      return `@${e.base},${e.offset},${e.length}`;
    case 'meta':
      return e.short ? e.key : `meta ${e.key}`;
    case 'ct':
      return ['ct', e.dir, e.family, e.key].filter((w) => w !== undefined).join(' ');
    case 'fib':
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'rt':
      return ['rt', e.family, e.key].filter((w) => w !== undefined).join(' ');
    case 'socket':
    case 'osf':
    case 'ipsec':
    case 'tunnel':
    case 'xfrm':
      return [e.kind, ...e.words].join(' ');
    case 'numgen':
      return `numgen ${e.mode} mod ${e.mod}${e.offset ? ` offset ${e.offset}` : ''}`;
    case 'hash': {
      let out = e.fn === 'jhash' && e.expr ? `jhash ${t(e.expr)}` : e.fn;
      out += ` mod ${e.mod}`;
      if (e.seed !== undefined) out += ` seed ${e.seed}`;
      if (e.offset) out += ` offset ${e.offset}`;
      return out;
    }
    case 'value':
      return e.quoted ? JSON.stringify(e.text) : e.text;
    case 'variable':
      return `$${e.name}`;
    case 'prefix':
      return `${t(e.expr)}/${e.length}`;
    case 'range':
      return `${t(e.low)}-${t(e.high)}`;
    case 'list':
      return e.items.map(t).join(',');
    case 'set':
      return `{ ${e.elements.map((el) => elementText(el, stmtText)).join(', ')} }`;
    case 'setref':
      return `@${e.name}`;
    case 'concat':
      return e.parts.map(t).join(' . ');
    case 'binop': {
      const p = PRECEDENCE[e.op]!;
      const side = (x: Expr, right: boolean): string => {
        const s = t(x);
        if (x.kind !== 'binop') return s;
        const q = PRECEDENCE[x.op]!;
        return q < p || (right && q === p) ? `(${s})` : s;
      };
      return `${side(e.left, false)} ${e.op} ${side(e.right, true)}`;
    }
    case 'map':
      return `${t(e.key)} map ${t(e.map)}`;
    case 'verdict':
      return verdictText(e.verdict);
    case 'symbol':
      return e.name;
  }
}
