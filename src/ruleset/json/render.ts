/**
 * The nft text of a rule read from JSON (`Rule.text`), as `nft list ruleset` prints it.
 *
 * Stand-in until the shared printer (src/ruleset/printer.ts) lands: statement texts only,
 * expressions through text.ts.
 */

import type { Rule, Statement } from '../model.ts';
import { exprText, verdictText } from './text.ts';

export function stmtText(s: Statement): string {
  const e = (x: Parameters<typeof exprText>[0]): string => exprText(x, stmtText);
  switch (s.kind) {
    case 'match': {
      const op = s.implicitOp ? ' ' : ` ${s.op} `;
      const right = s.mask ? `${e(s.right)} / ${e(s.mask)}` : e(s.right);
      return `${e(s.left)}${op}${right}`;
    }
    case 'verdict':
      return verdictText(s.verdict);
    case 'vmap':
      return `${e(s.key)} vmap ${e(s.map)}`;
    case 'counter':
      if (s.name !== undefined) return `counter name ${JSON.stringify(s.name)}`;
      return s.packets === undefined
        ? 'counter'
        : `counter packets ${s.packets} bytes ${s.bytes ?? 0}`;
    case 'nat': {
      let out: string = s.type;
      if (s.addr || s.port) {
        if (s.family) out += ` ${s.family}`;
        if (s.prefix) out += ' prefix';
        out += ' to';
      }
      if (s.addr) {
        let a = e(s.addr);
        if (s.port && s.addr.kind === 'value' && a.includes(':')) a = `[${a}]`;
        if (s.port && s.addr.kind === 'range' && e(s.addr.low).includes(':'))
          a = `[${e(s.addr.low)}]-[${e(s.addr.high)}]`;
        out += ` ${a}`;
      }
      if (s.port) out += `${s.addr ? '' : ' '}:${e(s.port)}`;
      if (s.flags.length > 0) out += ` ${s.flags.join(',')}`;
      return out;
    }
    case 'reject':
      if (!s.with) return 'reject';
      return s.with.code === undefined
        ? `reject with ${s.with.type}`
        : `reject with ${s.with.type} ${s.with.code}`;
    case 'log':
      return ['log', ...s.options.map((o) => `${o.key} ${o.value}`)].join(' ');
    case 'mangle':
      return `${e(s.target)} set ${e(s.value)}`;
    case 'notrack':
      return 'notrack';
    case 'setop': {
      const inner = s.key.kind === 'set' ? e(s.key).slice(2, -2) : e(s.key);
      const stmts = s.statements.map((x) => ` ${stmtText(x)}`).join('');
      const data = s.data ? ` : ${e(s.data)}` : '';
      return `${s.op} @${s.set} { ${inner}${stmts}${data} }`;
    }
    case 'other':
      return [s.keyword, ...s.args].join(' ');
    case 'unsupported':
      return s.text ?? `# unsupported: ${s.what}`;
  }
}

export function ruleText(rule: Rule): string {
  let out = rule.statements.map(stmtText).join(' ');
  if (rule.comment !== undefined) out += ` comment ${JSON.stringify(rule.comment)}`;
  return out;
}
