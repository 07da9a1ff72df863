/**
 * Whether this machine can run scenarios on its kernel: root, ip, nft, python3 (the sockets),
 * and br_netfilter (loaded with modprobe when it is not). Returns the reason it cannot.
 */
import { existsSync } from 'node:fs';
import { run } from './exec.ts';

const PATH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...PATH_DIRS];
  for (const d of dirs) {
    if (d && existsSync(`${d}/${name}`)) return `${d}/${name}`;
  }
  return undefined;
}

/** The python3 the socket scripts run with (the system one first: shims may need $HOME). */
export function python(): string | undefined {
  return (
    ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p)) ?? findTool('python3')
  );
}

export async function kernelUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the kernel harness needs Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the kernel harness needs root (network namespaces, nft)';
  }
  for (const tool of ['ip', 'nft', 'bridge', 'sysctl']) {
    if (!findTool(tool)) return `the kernel harness needs \`${tool}\`, which is not installed`;
  }
  if (!python()) return "the kernel harness needs python3 (it opens the scenario's sockets)";
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    const modprobe = findTool('modprobe');
    if (modprobe) await run([modprobe, 'br_netfilter']).catch(() => undefined);
    if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
      return 'the kernel harness needs the br_netfilter module (modprobe br_netfilter failed)';
    }
  }
  return undefined;
}
