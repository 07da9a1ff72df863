/**
 * The text `nfwalk trace` prints: one line per event, indented under its conversation and
 * packet. It reads the events' facts (the trace JSON, docs/spec/trace-json.md, which it does not
 * change) and words them for a reader: rules numbered as the pages number them (from 1), a rule
 * whose text already ends in its verdict not followed by it again, each NAT rewrite as
 * before ⇒ after named by the statement it applies or undoes, no label repeating the message.
 */
import type { Endpoints, NatEvent, Trace, TraceEvent } from '../netfilter/trace.ts';

/** The readable form of a trace. */
export function formatTrace(trace: Trace): string {
  const lines: string[] = [];
  for (const c of trace.conversations) {
    lines.push(`conversation ${c.index}`);
    for (const p of c.packets) {
      lines.push(`  ${p.role}`);
      for (const e of p.events) lines.push(`    ${eventLine(e)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function eventLine(e: TraceEvent): string {
  switch (e.type) {
    case 'enter': {
      const p = e.packet;
      const dev = `iif=${p.iif ?? '-'} oif=${p.oif ?? '-'}`;
      return `enter  ${e.family} ${e.table} ${e.chain} (hook ${e.hook}, priority ${e.priority})  ${p.protocol} ${endpoint(p.saddr, p.sport)} → ${endpoint(p.daddr, p.dport)}  ${dev}`;
    }
    case 'rule': {
      const said = e.text.trimEnd().endsWith(` ${e.verdict}`) || e.text.trim() === e.verdict;
      return `rule   ${e.family} ${e.table} ${e.chain} #${e.index + 1}: ${e.text}${said ? '' : `  → ${e.verdict}`}`;
    }
    case 'policy':
      return `policy ${e.family} ${e.table} ${e.chain}: ${e.verdict}`;
    case 'nat':
      return `${label('nat')} ${natText(e)}`;
    default:
      return `${label(e.type)} ${withoutLabel(e.type, e.message)}`;
  }
}

const label = (type: string) => type.padEnd(6);

/** The message without a first word that repeats the label (`conntrack: …` under conntrack). */
function withoutLabel(type: string, message: string): string {
  for (const prefix of [`${type}: `, `${type} `]) {
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  }
  return message;
}

const endpoint = (a: string, port?: number | null) =>
  port === undefined || port === null ? a : `${a}:${port}`;

/** A rewrite as the half it changes, before ⇒ after; other NAT steps keep their message. */
function natText(e: NatEvent): string {
  const d = e.detail;
  if (d.step !== 'rewrite') return e.message;
  const fallback = d.manip === 'src' ? 'snat' : 'dnat';
  const statement = d.statement === null || d.statement === 'null-binding' ? fallback : d.statement;
  const name = d.reverse ? `undoes ${statement}` : statement;
  const side = (x: Endpoints, which: 'src' | 'dst') =>
    which === 'src' ? endpoint(x.saddr, x.sport) : endpoint(x.daddr, x.dport);
  const changed = d.manip === 'src' ? 'source' : 'destination';
  const other = d.manip === 'src' ? `to ${side(d.after, 'dst')}` : `from ${side(d.after, 'src')}`;
  return `${name}: ${changed} ${side(d.before, d.manip)} ⇒ ${side(d.after, d.manip)} (${other})`;
}
