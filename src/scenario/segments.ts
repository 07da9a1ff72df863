/**
 * A tcp conversation's `segments:` (an extension of v1, docs/spec/scenario-format.md): each a
 * mapping of `dir`, `flags`, and optionally `payload`, `seq`, `ack`.
 */
import type { SegmentSpec } from './model.ts';
import {
  keysOf,
  requiredOf,
  SEGMENT,
  SEGMENT_DIRS,
  SEGMENT_FLAGS,
  SEGMENT_OFFSET,
} from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

const KEYS = keysOf(SEGMENT);

export function readSegments(
  r: Reader,
  entry: Entry,
  protocol: string | undefined,
): SegmentSpec[] | undefined {
  if (protocol !== undefined && protocol !== 'tcp') {
    r.error(entry.key, `${entry.path}: only a tcp conversation lists segments, not ${protocol}`);
    return undefined;
  }
  const list = r.seq(entry);
  if (!list) return undefined;
  if (list.items.length === 0) r.error(list.node, `${entry.path} must list at least one segment`);
  const out: SegmentSpec[] = [];
  list.items.forEach((item, i) => {
    const path = `${entry.path}[${i}]`;
    const m = r.map(item, path, KEYS, requiredOf(SEGMENT), list.node);
    if (!m) return;
    const dirEntry = m.get('dir');
    const dir = dirEntry ? r.string(dirEntry) : undefined;
    if (dirEntry && dir !== undefined && !(SEGMENT_DIRS as readonly string[]).includes(dir)) {
      r.error(dirEntry.value, `${dirEntry.path} must be request or reply, not "${dir}"`);
    }
    const flags = readFlags(r, m.get('flags'));
    const number = (key: string, min: number, max: number) => {
      const e = m.get(key);
      return e ? r.integer(e, min, max) : 0;
    };
    const payload = number('payload', 0, 1400);
    const seq = number('seq', -SEGMENT_OFFSET, SEGMENT_OFFSET);
    const ack = number('ack', -SEGMENT_OFFSET, SEGMENT_OFFSET);
    if (dir !== 'request' && dir !== 'reply') return;
    if (!flags || payload === undefined || seq === undefined || ack === undefined) return;
    const span = r.span(item);
    out.push({ dir, flags, payload, seq, ack, ...(span ? { span } : {}) });
  });
  return out;
}

function readFlags(r: Reader, e: Entry | undefined): string[] | undefined {
  if (!e) return undefined;
  const list = r.seq(e);
  if (!list) return undefined;
  const flags: string[] = [];
  list.items.forEach((node, i) => {
    const f = r.stringNode(node, `${e.path}[${i}]`);
    if (f === undefined) return;
    if (!(SEGMENT_FLAGS as readonly string[]).includes(f)) {
      r.error(node, `${e.path}[${i}]: "${f}" is not a TCP flag (${SEGMENT_FLAGS.join(', ')})`);
    } else if (flags.includes(f)) r.error(node, `${e.path}[${i}]: "${f}" is listed twice`);
    else flags.push(f);
  });
  return flags;
}
