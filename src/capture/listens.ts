/** The host's listening sockets from `ss -Hlntu`, as scenario `listens` (tcp/22, udp/53). */

export interface CapturedListens {
  listens: string[];
  /** Sockets bound only to a loopback address (they do not answer on other interfaces). */
  loopbackOnly: string[];
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** Parses `ss -Hlntu` lines: netid state recv-q send-q local peer. */
export function readListens(text: string): CapturedListens {
  const open = new Set<string>();
  const loop = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const proto = f[0];
    if (proto !== 'tcp' && proto !== 'udp') continue;
    const local = f[4]!;
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const port = Number(local.slice(colon + 1));
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
    const address = local
      .slice(0, colon)
      .replace(/%.*$/, '')
      .replace(/^\[|\]$/g, '');
    const key = `${proto}/${port}`;
    if (isLoopback(address)) loop.add(key);
    else open.add(key);
  }
  const order = (a: string, b: string) => {
    const [pa, na] = a.split('/');
    const [pb, nb] = b.split('/');
    return pa === pb ? Number(na) - Number(nb) : pa! < pb! ? -1 : 1;
  };
  return {
    listens: [...open].sort(order),
    loopbackOnly: [...loop].filter((k) => !open.has(k)).sort(order),
  };
}
