/**
 * The host's bridges as the scenario describes them: every machine behind a bridge gets a
 * port (its veth on the host), and the bridge's forwarding database has a static entry for
 * the machine's MAC on that port (so nothing is flooded, as in the kernel runs nfwalk is
 * compared with). MAC addresses not given by the scenario are made up deterministically.
 */
import type { Machine, Scenario } from '../scenario/model.ts';

export interface BridgePort {
  name: string;
  bridge: string;
  machine: Machine;
}

export class Bridges {
  private readonly scenario: Scenario;
  private readonly bridges: Set<string>;
  readonly ports: BridgePort[] = [];

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    this.bridges = new Set(
      scenario.host.interfaces.filter((i) => i.kind === 'bridge').map((i) => i.name),
    );
    scenario.hosts.forEach((m, i) => {
      if (this.bridges.has(m.interface)) {
        this.ports.push({ name: m.port ?? `veth${i}`, bridge: m.interface, machine: m });
      }
    });
  }

  isBridge(dev: string): boolean {
    return this.bridges.has(dev);
  }

  portOf(machine: Machine): BridgePort | undefined {
    return this.ports.find((p) => p.machine === machine);
  }

  /** The static FDB: which port of `bridge` has `mac` behind it. */
  fdbLookup(bridge: string, mac: string): BridgePort | undefined {
    return this.ports.find((p) => p.bridge === bridge && this.machineMac(p.machine) === mac);
  }

  machineMac(m: Machine): string {
    if (m.mac) return m.mac;
    const i = this.scenario.hosts.indexOf(m);
    return `02:00:00:01:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`;
  }

  /** The host device's MAC (a bridge's own address is what frames for the host carry). */
  deviceMac(dev: string): string {
    const i = this.scenario.host.interfaces.findIndex((x) => x.name === dev);
    return `02:00:00:00:00:${hex(i < 0 ? 0xff : i)}`;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
