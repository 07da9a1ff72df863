import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../src/ruleset/diagnostics.ts';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { parseScenario } from '../../src/scenario/load.ts';

/** A valid scenario, the base every test mutates. */
export const VALID = `title: RADIUS through Docker
lang: en
ruleset: rules.nft
host:
  interfaces:
    - name: lo
      addresses: [127.0.0.1/8]
    - name: ens192
      addresses: [10.254.10.252/24, "2001:db8::1/64"]
    - name: docker1
      kind: bridge
      addresses: [172.20.0.1/24]
  routes:
    - to: default
      via: 10.254.10.1
  sysctl:
    net.ipv4.ip_forward: 1
  listens: [tcp/22]
hosts:
  - name: client
    interface: ens192
    addresses: [10.254.10.105, "2001:db8::105"]
  - name: radius
    interface: docker1
    mac: 02:42:AC:14:00:04
    addresses: [172.20.0.4]
    listens: [udp/1812]
packets:
  - from: client
    to: 10.254.10.252
    protocol: udp
    sport: 40000
    dport: 1812
`;

/** A scratch folder with a ruleset file; removed by the returned cleanup. */
export function scratch(): {
  dir: string;
  write(name: string, text: string): string;
  done(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'nfw-scenario-'));
  writeFileSync(join(dir, 'rules.nft'), 'table ip t {}\n');
  return {
    dir,
    write(name, text) {
      const p = join(dir, name);
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
    done() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The diagnostics a scenario text (named x.yaml, in `dir`) is refused with. */
export function scenarioErrors(text: string, dir: string): Diagnostic[] {
  try {
    parseScenario(text, 'x.yaml', dir);
  } catch (e) {
    if (e instanceof ScenarioError) return [...e.diagnostics];
    throw e;
  }
  throw new Error('expected the scenario to be refused');
}
