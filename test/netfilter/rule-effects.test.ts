/**
 * What a rule leaves behind in the walk: the evaluator's run-time state starts afresh with
 * each simulate(), `note` effects (limit, numgen…) become trace events, and statements that
 * ran before a failing match keep their effect (kernel-checked in
 * fixtures/mark-before-failed-match.yaml).
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/netfilter/simulate.ts';
import type { EnterEvent } from '../../src/netfilter/trace.ts';
import { compact, infoEvents, nft, packetEvents, router, udp } from './helpers.ts';

const infos = infoEvents;

describe('rule effects in the walk', () => {
  it('starts each simulate() with fresh numgen counters and dynamic set elements', () => {
    const rs = nft(`table ip t {
  set seen { type ipv4_addr; flags dynamic; }
  chain fw {
    type filter hook forward priority 0; policy accept;
    ip saddr @seen counter
    udp dport 53 add @seen { ip saddr }
    numgen inc mod 2 0 counter
  }
}`);
    const sc = router({ packets: [udp('client', '10.2.0.5', 40000, 53)] });
    const first = compact(packetEvents(simulate(sc, rs), 0, 0));
    const second = compact(packetEvents(simulate(sc, rs), 0, 0));
    // The first run: the set is empty, numgen draws 0. A leak would make the second run see
    // the address in @seen and numgen draw 1.
    expect(first).toContain('rule t fw #2 continue');
    expect(first).not.toContain('rule t fw #0 continue');
    expect(second).toEqual(first);
  });

  it('reports limit and numgen assumptions as note events with their kind', () => {
    const rs = nft(`table ip t {
  chain fw {
    type filter hook forward priority 0; policy accept;
    limit rate 10/second counter
    limit rate over 10/second drop
    numgen random mod 4 0-3 counter
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    const notes = infos(packetEvents(t, 0, 0), 'note');
    const kinds = notes.flatMap((n) =>
      'index' in n.detail
        ? [[n.detail.kind, n.detail.index, n.detail.matched, 'over' in n.detail && n.detail.over]]
        : [],
    );
    expect(kinds).toEqual([
      ['limit', 0, true, false],
      // `limit … over` does not match under the assumption: said, though the rule is no event.
      ['limit', 1, false, true],
      ['numgen', 2, true, false],
    ]);
    expect(notes[0]?.message).toContain('rule 0 of chain fw: limit rate 10/second');
  });

  it('keeps a meta mark and a ct mark set before a match that fails', () => {
    const rs = nft(`table ip t {
  chain fw {
    type filter hook forward priority 0; policy accept;
    meta mark set 7 ct mark set 5 ip saddr 10.9.9.9 accept
    meta mark 7 ct mark 5 counter
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    expect(compact(packetEvents(t, 0, 0))).toEqual([
      'enter ip t fw ens1>ens2 10.1.0.5:40000>10.2.0.5:53',
      'rule t fw #1 continue',
      'policy t fw accept',
    ]);
  });
});

describe('NAT ports the kernel chooses at random', () => {
  it('marks the masqueraded port as the kernel choice until the reply is translated back', () => {
    const rs = nft(`table ip n {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ens2" masquerade fully-random
  }
  chain pre {
    type filter hook prerouting priority raw; policy accept;
  }
  chain fw {
    type filter hook forward priority 0; policy accept;
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    const nat = infos(packetEvents(t, 0, 0), 'nat').find(
      (e) => e.detail.step === 'binding' && e.detail.statement === 'masquerade',
    );
    expect(nat?.detail).toMatchObject({ portChoice: 'random', choicePort: 'sport' });
    const enters = packetEvents(t, 0, 1).filter((e): e is EnterEvent => e.type === 'enter');
    // The reply arrives at the masqueraded port (the kernel's choice; raw runs before the
    // reverse SNAT at -100), then is translated back.
    expect(enters.map((e) => [e.chain, e.packet.dport, e.packet.kernelChosen])).toEqual([
      ['pre', 40000, ['dport']],
      ['fw', 40000, undefined],
    ]);
  });

  it('keeps the port unmarked without random flags and without a clash', () => {
    const rs = nft(`table ip n {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ens2" masquerade
  }
  chain pre {
    type filter hook prerouting priority raw; policy accept;
  }
}`);
    const t = simulate(router({ packets: [udp('client', '10.2.0.5', 40000, 53)] }), rs);
    const enters = packetEvents(t, 0, 1).filter((e): e is EnterEvent => e.type === 'enter');
    expect(enters.map((e) => e.packet.kernelChosen)).toEqual([undefined]);
  });
});
