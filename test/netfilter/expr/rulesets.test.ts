/**
 * Rules as real rulesets write them (Docker's nftables backend, firewalld), read with the nft
 * front end and evaluated one by one for the packets the article follows.
 */
import { describe, expect, it } from 'vitest';
import type { EvalEnv } from '../../../src/netfilter/env.ts';
import { evaluateRule } from '../../../src/netfilter/expr/index.ts';
import type { Chain, Ruleset } from '../../../src/ruleset/model.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { type EnvOptions, makeEnv } from './env-factory.ts';

const DOCKER = `table ip docker-bridges {
  map filter-forward-in-jumps {
    type ifname : verdict
    elements = { "br-web" : jump filter-forward-in__br-web }
  }
  chain filter-FORWARD {
    type filter hook forward priority filter; policy accept;
    oifname vmap @filter-forward-in-jumps
  }
  chain nat-PREROUTING {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local counter jump nat-prerouting-and-output
  }
  chain nat-prerouting-and-output {
    iifname != "br-web" tcp dport 8080 counter dnat to 192.168.0.2:80 comment "DNAT"
  }
  chain raw-PREROUTING {
    type filter hook prerouting priority raw; policy accept;
    ip daddr 192.168.0.2 iifname != "br-web" counter drop comment "DROP DIRECT ACCESS"
  }
  chain filter-forward-in__br-web {
    ct state established,related counter accept
    iifname "br-web" counter drop comment "ICC"
    ip daddr 192.168.0.2 tcp dport 80 counter accept
    counter drop comment "UNPUBLISHED PORT DROP"
  }
}
`;

const FIREWALLD = `table inet firewalld {
  chain filter_INPUT {
    type filter hook input priority filter + 10; policy accept;
    ct state { established, related } accept
    ct status dnat accept
    iifname "lo" accept
    ct state { invalid } drop
    jump filter_INPUT_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_INPUT_ZONES {
    iifname "ens192" goto filter_IN_public
    goto filter_IN_public
  }
  chain filter_IN_public {
    meta l4proto { icmp, ipv6-icmp } accept
    tcp dport 22 ct state { new, untracked } accept
    udp dport 1812 ct state { new, untracked } accept
  }
  chain filter_PREROUTING {
    type filter hook prerouting priority filter + 10; policy accept;
    icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept
    meta nfproto ipv6 fib saddr . mark . iif oif missing drop
  }
}
`;

function chains(text: string): Map<string, Chain> {
  const rs: Ruleset = parseNft(text, 'test.nft');
  return new Map(rs.tables[0]!.chains.map((c) => [c.name, c]));
}

/** What each rule of a chain does to the packet, in order: verdict text, `-` or `unsupported`. */
function run(chain: Chain, env: EvalEnv): string[] {
  return chain.rules.map((r) => {
    const o = evaluateRule(r, env);
    if (o.kind === 'nomatch') return '-';
    if (o.kind === 'unsupported') return `unsupported: ${o.reason}`;
    return o.verdict.target ? `${o.verdict.kind} ${o.verdict.target}` : o.verdict.kind;
  });
}

describe('Docker nftables backend: a published port', () => {
  const c = chains(DOCKER);
  const table = parseNft(DOCKER, 'docker.nft').tables[0]!;
  const fromOutside: EnvOptions = {
    family: 'ip',
    table,
    sets: table.sets,
    packet: { saddr: '198.51.100.7', daddr: '203.0.113.10', dport: 8080 },
    meta: { iif: 'ens192' },
    fib: { type: 'local' },
  };
  it('nat prerouting sends a packet for a local address to the DNAT chain, which maps 8080 to 192.168.0.2:80', () => {
    expect(run(c.get('nat-PREROUTING')!, makeEnv(fromOutside))).toEqual([
      'jump nat-prerouting-and-output',
    ]);
    const env = makeEnv(fromOutside);
    const out = evaluateRule(c.get('nat-prerouting-and-output')!.rules[0]!, env);
    expect(out.kind === 'match' && out.effects.map((e) => e.kind)).toEqual(['counter', 'nat']);
    expect(out.kind === 'match' && out.effects[1]).toMatchObject({
      addr: { low: '192.168.0.2', high: '192.168.0.2' },
      port: { low: 80, high: 80 },
    });
  });
  it('a packet from the bridge itself is not DNATed (iifname != "br-web")', () => {
    const env = makeEnv({ ...fromOutside, meta: { iif: 'br-web' } });
    expect(run(c.get('nat-prerouting-and-output')!, env)).toEqual(['-']);
  });
  it('after DNAT, forward jumps by output device and accepts the published port', () => {
    const env = makeEnv({
      ...fromOutside,
      packet: { ...fromOutside.packet, daddr: '192.168.0.2', dport: 80 },
      meta: { iif: 'ens192', oif: 'br-web' },
    });
    expect(run(c.get('filter-FORWARD')!, env)).toEqual(['jump filter-forward-in__br-web']);
    expect(run(c.get('filter-forward-in__br-web')!, env)).toEqual(['-', '-', 'accept', 'drop']);
  });
  it('direct access to the container address from outside is dropped in raw prerouting', () => {
    const env = makeEnv({
      ...fromOutside,
      packet: { ...fromOutside.packet, daddr: '192.168.0.2' },
      ct: null,
    });
    expect(run(c.get('raw-PREROUTING')!, env)).toEqual(['drop']);
  });
  it('a forward packet to a device without a jump map entry does not match the vmap', () => {
    const env = makeEnv({ ...fromOutside, meta: { iif: 'ens192', oif: 'ens224' } });
    expect(run(c.get('filter-FORWARD')!, env)).toEqual(['-']);
  });
});

describe('firewalld: the RADIUS request of the article', () => {
  const c = chains(FIREWALLD);
  const radius: EnvOptions = {
    family: 'inet',
    packet: {
      saddr: '172.17.0.2',
      daddr: '192.0.2.10',
      l4proto: 'udp',
      protocolNumber: 17,
      tcp: undefined,
      sport: 40000,
      dport: 1812,
    },
    meta: { iif: 'ens192' },
  };
  it('a new request passes filter_INPUT to the zone dispatch', () => {
    expect(run(c.get('filter_INPUT')!, makeEnv(radius))).toEqual([
      '-',
      '-',
      '-',
      '-',
      'jump filter_INPUT_ZONES',
      'drop',
    ]);
    expect(run(c.get('filter_INPUT_ZONES')!, makeEnv(radius))).toEqual([
      'goto filter_IN_public',
      'goto filter_IN_public',
    ]);
    expect(run(c.get('filter_IN_public')!, makeEnv(radius))).toEqual(['-', '-', 'accept']);
  });
  it('the reply direction is accepted by ct state established', () => {
    const env = makeEnv({ ...radius, ct: { state: 'established', direction: 'reply' } });
    expect(run(c.get('filter_INPUT')!, env)[0]).toBe('accept');
  });
  it('a DNATed connection is accepted by ct status dnat', () => {
    const env = makeEnv({ ...radius, ct: { state: 'new', status: ['dnat'] } });
    expect(run(c.get('filter_INPUT')!, env).slice(0, 2)).toEqual(['-', 'accept']);
  });
  it('the reject at the end says drop and carries the reject statement', () => {
    const rule = c.get('filter_INPUT')!.rules[5]!;
    const out = evaluateRule(rule, makeEnv(radius));
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      kind: 'reject',
      stmt: { with: { type: 'icmpx', code: 'admin-prohibited' } },
    });
  });
  it('the IPv6 reverse-path check is not applied to IPv4, and icmpv6 rules do not match IPv4 packets', () => {
    expect(run(c.get('filter_PREROUTING')!, makeEnv(radius))).toEqual(['-', '-']);
  });
  it('an IPv6 packet without a route back is dropped by the reverse-path check', () => {
    const env = makeEnv({
      ...radius,
      packet: { ...radius.packet, family: 'ip6', saddr: '2001:db8:bad::1', daddr: '2001:db8::10' },
      meta: { iif: 'ens192', nfproto: 'ip6' },
      fib: { oif: null },
    });
    expect(run(c.get('filter_PREROUTING')!, env)).toEqual(['-', 'drop']);
  });
});

describe('nat statements in inet tables', () => {
  it('dnat ip to … does nothing to an IPv6 packet and the rule continues (nft_nat_inet_eval)', () => {
    const rs = parseNft(
      'table inet t {\n chain c {\n type nat hook prerouting priority dstnat;\n dnat ip to 10.0.0.1 counter\n }\n}\n',
      'n.nft',
    );
    const env = makeEnv({
      packet: { family: 'ip6', saddr: '2001:db8::1', daddr: '2001:db8::2' },
      meta: { nfproto: 'ip6' },
    });
    const out = evaluateRule(rs.tables[0]!.chains[0]!.rules[0]!, env);
    expect(out.kind === 'match' && out.verdict.kind).toBe('continue');
    expect(out.kind === 'match' && out.effects.map((e) => e.kind)).toEqual(['note', 'counter']);
  });
});
