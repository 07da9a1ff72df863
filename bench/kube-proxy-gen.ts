/**
 * A kube-proxy-like nft ruleset (iptables-mode shape, listed as nft prints it) of N services:
 * one `ip daddr A tcp dport P counter jump svc_N` rule per service in chain `services`, and a
 * chain per service with its `dnat`. Base chains as a node has them: nat prerouting and output
 * jumping to `services`, nat postrouting masquerading marked packets, a filter forward chain.
 * At N = 50,000 the listing is about 7 MB and 250,000 lines.
 *
 *   node bench/kube-proxy-gen.ts N [out.nft]      (writes the ruleset and a scenario beside it)
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Service i's ClusterIP (10.96.0.0/12 holds a million), port and endpoint. */
export function service(i: number): { addr: string; port: number; endpoint: string } {
  const n = i + 1;
  return {
    addr: `10.${96 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`,
    port: 80 + (i % 7) * 1000 + (i % 3),
    endpoint: `10.244.${(n >> 8) & 0xff}.${n & 0xff || 1}`,
  };
}

export function kubeProxyRuleset(n: number): string {
  const out: string[] = [];
  out.push('table ip kube-nfwalk {');
  out.push('\tchain prerouting {');
  out.push('\t\ttype nat hook prerouting priority dstnat; policy accept;');
  out.push('\t\tcounter packets 0 bytes 0 jump services');
  out.push('\t}');
  out.push('');
  out.push('\tchain output {');
  out.push('\t\ttype nat hook output priority -100; policy accept;');
  out.push('\t\tcounter packets 0 bytes 0 jump services');
  out.push('\t}');
  out.push('');
  out.push('\tchain postrouting {');
  out.push('\t\ttype nat hook postrouting priority srcnat; policy accept;');
  out.push('\t\tmeta mark & 0x00004000 == 0x00004000 counter packets 0 bytes 0 masquerade');
  out.push('\t}');
  out.push('');
  out.push('\tchain forward {');
  out.push('\t\ttype filter hook forward priority filter; policy drop;');
  out.push('\t\tct state established,related counter packets 0 bytes 0 accept');
  out.push('\t\tip daddr 10.244.0.0/16 counter packets 0 bytes 0 accept');
  out.push('\t}');
  out.push('');
  out.push('\tchain services {');
  for (let i = 0; i < n; i++) {
    const s = service(i);
    out.push(`\t\tip daddr ${s.addr} tcp dport ${s.port} counter packets 0 bytes 0 jump svc_${i}`);
  }
  out.push('\t}');
  for (let i = 0; i < n; i++) {
    const s = service(i);
    out.push('');
    out.push(`\tchain svc_${i} {`);
    out.push(`\t\tip protocol tcp dnat to ${s.endpoint}:8080`);
    out.push('\t}');
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** A scenario: a client on eth0 opens a TCP connection to the last service. */
export function kubeProxyScenario(n: number, rulesetFile: string): string {
  const last = service(n - 1);
  return `title: "kube-proxy-like ruleset with ${n} services"
ruleset: ${basename(rulesetFile)}
host:
  name: node1
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: eth0
      addresses: [192.168.0.2/24]
    - name: eth1
      addresses: [10.244.0.254/16]
  sysctl:
    net.ipv4.ip_forward: 1
hosts:
  - name: client
    interface: eth0
    addresses: [192.168.0.50]
  - name: backend
    interface: eth1
    addresses: [${last.endpoint}]
    listens: [tcp/8080]
packets:
  - from: client
    to: ${last.addr}
    protocol: tcp
    sport: 40000
    dport: ${last.port}
`;
}

if (import.meta.main) {
  const n = Number(process.argv[2]);
  if (!Number.isInteger(n) || n < 1) {
    console.error('usage: node bench/kube-proxy-gen.ts N [out.nft]');
    process.exit(2);
  }
  const out = process.argv[3];
  const text = kubeProxyRuleset(n);
  if (out) {
    writeFileSync(out, text);
    writeFileSync(out.replace(/\.nft$/, '.yaml'), kubeProxyScenario(n, out));
  } else process.stdout.write(text);
}
