/**
 * Whatever conversations a scenario asks for, the walk ends: no exception, no runaway packet
 * list, every packet's events finite. Random conversations over the kernel-checked fixtures.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import { readRuleset } from '../../src/pipeline-files.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import type { PacketSpec } from '../../src/scenario/model.ts';

const dir = new URL('./fixtures/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('the walk always ends', () => {
  for (const f of files) {
    it(f, async () => {
      const sc = loadScenario(join(dir, f));
      const ruleset = readRuleset(sc);
      const senders = ['host', ...sc.hosts.map((m) => m.name)];
      const targets = [
        ...sc.host.interfaces.flatMap((i) => i.addresses.map((a) => a.address)),
        ...sc.hosts.flatMap((m) => m.addresses),
        '10.99.0.1',
        'fd99::1',
      ];
      const spec = fc.record({
        from: fc.constantFrom(...senders),
        to: fc.constantFrom(...targets),
        protocol: fc.constantFrom('udp', 'tcp', 'icmp', 'icmpv6') as fc.Arbitrary<
          PacketSpec['protocol']
        >,
        sport: fc.integer({ min: 1, max: 65535 }),
        dport: fc.constantFrom(22, 53, 80, 5000, 6000, 7001, 8053, 8081, 9999, 12345),
      });
      fc.assert(
        fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), (packets) => {
          const specs = packets.map((p) =>
            p.protocol === 'icmp' || p.protocol === 'icmpv6'
              ? { from: p.from, to: p.to, protocol: p.protocol }
              : p,
          );
          const t = simulate({ ...sc, packets: specs }, ruleset);
          expect(t.conversations.length).toBeLessThanOrEqual(specs.length);
          for (const c of t.conversations) {
            expect(c.packets.length).toBeLessThanOrEqual(6);
            for (const p of c.packets) expect(p.events.length).toBeLessThan(2000);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
