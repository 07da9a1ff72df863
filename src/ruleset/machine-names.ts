/**
 * Names nft reads from files of the machine it runs on, read by the CLI for `check`
 * (src/ruleset/literals.ts useNameTables): a port written as a name is resolved by getaddrinfo,
 * whose NSS `services` database is /etc/services (every name and alias, any protocol); a packet
 * mark written as a name comes from iproute2's /etc/iproute2/rt_marks (nft's mark_tbl, its
 * rt_symbol_table_init). Without the file nft knows no such name, and neither does this.
 */
import { readFileSync } from 'node:fs';

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** The words of a line before its `#` comment. */
function words(line: string): string[] {
  return (line.split('#')[0] as string).trim().split(/\s+/);
}

export function readServiceNames(file = '/etc/services'): Set<string> {
  const names = new Set<string>();
  for (const line of lines(file)) {
    // `name port/protocol [aliases...]`
    const w = words(line);
    if (w.length < 2 || !/^\d+\/\w+$/.test(w[1] as string)) continue;
    for (const name of [w[0], ...w.slice(2)]) names.add(name as string);
  }
  return names;
}

export function readMarkNames(file = '/etc/iproute2/rt_marks'): Set<string> {
  const names = new Set<string>();
  for (const line of lines(file)) {
    // `number name`
    const w = words(line);
    if (w.length >= 2 && /^(0x[0-9a-f]+|\d+)$/i.test(w[0] as string)) names.add(w[1] as string);
  }
  return names;
}
