/**
 * The service names of this machine, as nft resolves a port written as a name: getaddrinfo,
 * whose NSS `services` database is /etc/services (every name and alias, any protocol). Read by
 * the CLI for `check` (src/ruleset/literals.ts useServiceNames); undefined when there is no
 * such file, and then names are not checked.
 */
import { readFileSync } from 'node:fs';

export function readServiceNames(file = '/etc/services'): Set<string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    // `name port/protocol [aliases...] [# comment]`
    const words = (line.split('#')[0] as string).trim().split(/\s+/);
    if (words.length < 2 || !/^\d+\/\w+$/.test(words[1] as string)) continue;
    names.add(words[0] as string);
    for (const alias of words.slice(2)) names.add(alias);
  }
  return names;
}
