/**
 * The bodies of named objects nft keeps as words (a ct timeout's policy, a tunnel's options),
 * checked as nft's grammar and the kernel read them: each function returns what is wrong, as
 * messages for the object's position.
 */

/** The states a ct timeout policy names: TCP's, and those of every other protocol. */
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
const OTHER_TIMEOUT_STATES = new Set(['unreplied', 'replied']);

/** Keys a tunnel object's body accepts (nft's tunnel_config). */
const TUNNEL_KEYS = new Set([
  'id',
  'ip',
  'ip6',
  'sport',
  'dport',
  'ttl',
  'tos',
  'erspan',
  'vxlan',
  'geneve',
]);

/** Unknown conntrack states in a ct timeout's `policy = { state : seconds, … }`. */
export function ctTimeoutProblems(body: string[][]): string[] {
  const out: string[] = [];
  const proto = body.find((l) => l[0] === 'protocol')?.[1];
  const states = proto === 'tcp' ? TCP_TIMEOUT_STATES : OTHER_TIMEOUT_STATES;
  for (const line of body) {
    if (line[0] !== 'policy') continue;
    for (const w of line) {
      const m = /^([a-z_0-9A-Z]+)$/.exec(w);
      if (!m || ['policy', '=', '{', '}', ':'].includes(w)) continue;
      const idx = line.indexOf(w);
      if (line[idx + 1] === ':' && !states.has(w)) {
        out.push(`unknown ${proto ?? ''} conntrack state '${w}' in ct timeout policy`);
      }
    }
  }
  return out;
}

/**
 * What is wrong with a tunnel object's body: nft's tunnel_config grammar, and the kernel's need
 * for an id and an address.
 */
export function tunnelProblems(o: { name: string; body: string[][] }): string[] {
  const out: string[] = [];
  let depth = 0;
  let id = false;
  const addr: Record<string, string> = {};
  for (const line of o.body) {
    const w0 = line[0] ?? '';
    if (w0 === '}') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth > 0) {
      if (line[line.length - 1] === '{') depth++;
      continue;
    }
    if (!TUNNEL_KEYS.has(w0)) {
      out.push(`tunnel ${o.name}: unexpected '${w0}'`);
      continue;
    }
    if (w0 === 'erspan' || w0 === 'vxlan' || w0 === 'geneve') {
      if (line[line.length - 1] === '{') depth++;
      continue;
    }
    if (w0 === 'ip' || w0 === 'ip6') {
      const dir = line[1];
      const v = line[2] ?? '';
      if ((dir !== 'saddr' && dir !== 'daddr') || line.length !== 3) {
        out.push(
          `tunnel ${o.name}: expecting '${w0} saddr|daddr ADDRESS', got '${line.join(' ')}'`,
        );
        continue;
      }
      if (!/^[0-9A-Za-z.:_-]+$/.test(v)) {
        out.push(`tunnel ${o.name}: ${w0} ${dir} must be a value, not '${v}'`);
        continue;
      }
      if (addr[dir] !== undefined) {
        out.push(`tunnel ${o.name}: ${dir} is already set`);
        continue;
      }
      addr[dir] = w0;
      continue;
    }
    if (line.length !== 2 || !/^(0x[0-9a-fA-F]+|\d+)$/.test(line[1] ?? '')) {
      out.push(`tunnel ${o.name}: expecting '${w0} NUMBER', got '${line.join(' ')}'`);
      continue;
    }
    if (w0 === 'id') id = true;
  }
  if (addr.saddr && addr.daddr && addr.saddr !== addr.daddr)
    out.push(`tunnel ${o.name}: specify either ip or ip6 for address`);
  if (!id) out.push(`tunnel ${o.name} has no id (the kernel needs one)`);
  if (!addr.saddr && !addr.daddr)
    out.push(`tunnel ${o.name} has no ip/ip6 address (the kernel needs one)`);
  return out;
}
