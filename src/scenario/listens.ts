/** `listens: [tcp/22, udp/1812]`: the sockets a machine (or the host) has open. */
import type { Listen } from './model.ts';
import type { Entry, Reader } from './yaml-reader.ts';

export function readListens(r: Reader, entry: Entry | undefined): Listen[] {
  if (!entry) return [];
  const list = r.seq(entry);
  if (!list) return [];
  const out: Listen[] = [];
  list.items.forEach((item, i) => {
    const path = `${entry.path}[${i}]`;
    const text = r.stringNode(item, path, list.node);
    if (text === undefined) return;
    const m = /^(tcp|udp)\/(\d{1,5})$/.exec(text.trim());
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      r.error(item, `${path}: "${text}" is not a socket like tcp/22 or udp/1812 (port 1 to 65535)`);
      return;
    }
    const listen: Listen = { protocol: m[1] as 'tcp' | 'udp', port };
    if (out.some((l) => l.protocol === listen.protocol && l.port === listen.port)) {
      r.error(item, `${path}: ${text} is listed twice`);
      return;
    }
    out.push(listen);
  });
  return out;
}
