/**
 * Walking the expressions of a statement: every expression, nested ones included, once (chain
 * bindings are other rules, and not entered).
 */
import type { Expr, Statement } from '../model.ts';

/** Calls `f` on every expression of a statement (not entering chain bindings: other rules). */
export function eachExpr(s: Statement, f: (e: Expr) => void): void {
  switch (s.kind) {
    case 'match':
      walkExpr(s.left, f);
      walkExpr(s.right, f);
      if (s.mask) walkExpr(s.mask, f);
      return;
    case 'vmap':
      walkExpr(s.key, f);
      walkExpr(s.map, f);
      return;
    case 'nat':
      if (s.addr) walkExpr(s.addr, f);
      if (s.port) walkExpr(s.port, f);
      return;
    case 'mangle':
      walkExpr(s.target, f);
      walkExpr(s.value, f);
      return;
    case 'setop':
      walkExpr(s.key, f);
      if (s.data) walkExpr(s.data, f);
      return;
    default:
      return;
  }
}

export function walkExpr(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.kind) {
    case 'hash':
      if (e.expr) walkExpr(e.expr, f);
      return;
    case 'prefix':
      walkExpr(e.expr, f);
      return;
    case 'range':
      walkExpr(e.low, f);
      walkExpr(e.high, f);
      return;
    case 'list':
      for (const x of e.items) walkExpr(x, f);
      return;
    case 'set':
      for (const el of e.elements) {
        walkExpr(el.key, f);
        if (el.value) walkExpr(el.value, f);
      }
      return;
    case 'concat':
      for (const x of e.parts) walkExpr(x, f);
      return;
    case 'binop':
      walkExpr(e.left, f);
      walkExpr(e.right, f);
      return;
    case 'map':
      walkExpr(e.key, f);
      walkExpr(e.map, f);
      return;
    default:
      return;
  }
}
