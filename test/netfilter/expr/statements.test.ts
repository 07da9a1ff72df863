import { describe, expect, it } from 'vitest';
import { evaluateRule, resetRuntimeState } from '../../../src/netfilter/expr/index.ts';
import type { Expr, NatStmt, Statement } from '../../../src/ruleset/model.ts';
import {
  accept,
  concat,
  counter,
  ct,
  drop,
  m,
  makeEnv,
  map,
  meta,
  namedSet,
  pl,
  ref,
  rule,
  set,
  star,
  v,
} from './env-factory.ts';

const verdict = (
  kind: 'accept' | 'drop' | 'continue' | 'return' | 'jump' | 'goto',
  target?: string,
): Expr => ({
  kind: 'verdict',
  verdict: target ? { kind, target } : { kind },
});
const vmap = (key: Expr, mapExpr: Expr): Statement => ({ kind: 'vmap', key, map: mapExpr });

describe('verdicts and rule flow', () => {
  it('a rule of matches only ends with continue', () => {
    const out = evaluateRule(rule(m(pl('tcp', 'dport'), v('22')), counter), makeEnv());
    expect(out).toEqual({
      kind: 'match',
      verdict: { kind: 'continue' },
      effects: [{ kind: 'counter' }],
    });
  });
  it('a failed match stops the rule before its counter', () => {
    const out = evaluateRule(rule(m(pl('tcp', 'dport'), v('80')), counter, accept), makeEnv());
    expect(out).toEqual({ kind: 'nomatch' });
  });
  it('jump and goto carry the target chain', () => {
    const out = evaluateRule(
      rule({ kind: 'verdict', verdict: { kind: 'jump', target: 'x' } }),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.verdict).toEqual({ kind: 'jump', target: 'x' });
  });
  it('a continue verdict (here from a vmap) does not end the rule: the counter after it runs', () => {
    const vm = vmap(pl('tcp', 'dport'), map(['22', verdict('continue')]));
    const out = evaluateRule(rule(vm, counter), makeEnv());
    expect(out).toEqual({
      kind: 'match',
      verdict: { kind: 'continue' },
      effects: [{ kind: 'counter' }],
    });
  });
  it('statements after the verdict are not evaluated (the loop stops at a verdict)', () => {
    const out = evaluateRule(rule(drop, { kind: 'unsupported', what: 'xt foo' }), makeEnv());
    expect(out.kind === 'match' && out.verdict.kind).toBe('drop');
  });
});

describe('verdict maps', () => {
  const byPort = map(['22', verdict('accept')], ['80', verdict('jump', 'web')]);
  it('the element found decides the verdict', () => {
    const out = evaluateRule(rule(vmap(pl('tcp', 'dport'), byPort)), makeEnv());
    expect(out.kind === 'match' && out.verdict).toEqual({ kind: 'accept' });
    const web = evaluateRule(
      rule(vmap(pl('tcp', 'dport'), byPort)),
      makeEnv({ packet: { dport: 80 } }),
    );
    expect(web.kind === 'match' && web.verdict).toEqual({ kind: 'jump', target: 'web' });
  });
  it('a vmap without a matching element does not match', () => {
    const out = evaluateRule(
      rule(vmap(pl('tcp', 'dport'), byPort)),
      makeEnv({ packet: { dport: 443 } }),
    );
    expect(out).toEqual({ kind: 'nomatch' });
  });
  it('the catch-all element * takes what no other element matched', () => {
    const withStar = map(['22', verdict('accept')], [star, verdict('drop')]);
    const other = evaluateRule(
      rule(vmap(pl('tcp', 'dport'), withStar)),
      makeEnv({ packet: { dport: 443 } }),
    );
    expect(other.kind === 'match' && other.verdict.kind).toBe('drop');
    const ssh = evaluateRule(rule(vmap(pl('tcp', 'dport'), withStar)), makeEnv());
    expect(ssh.kind === 'match' && ssh.verdict.kind).toBe('accept');
  });
  it('a named verdict map keyed by a concatenation (ct state . iifname)', () => {
    const vm = namedSet(
      'policy',
      ['ct_state', 'ifname'],
      [{ key: concat(v('new'), v('eth0', true)), value: verdict('goto', 'in_eth0') }],
      { kind: 'map', data: { form: 'type', names: ['verdict'] } },
    );
    const out = evaluateRule(
      rule(vmap(concat(ct('state'), meta('iifname')), ref('policy'))),
      makeEnv({ sets: [vm] }),
    );
    expect(out.kind === 'match' && out.verdict).toEqual({ kind: 'goto', target: 'in_eth0' });
  });
});

describe('named sets', () => {
  it('ip saddr @allowed, with an interval element', () => {
    const s = namedSet(
      'allowed',
      ['ipv4_addr'],
      [{ key: { kind: 'range', low: v('10.0.0.0'), high: v('10.0.0.10') } }],
      {
        flags: ['interval'],
      },
    );
    expect(
      evaluateRule(rule(m(pl('ip', 'saddr'), ref('allowed')), accept), makeEnv({ sets: [s] })).kind,
    ).toBe('match');
    expect(
      evaluateRule(
        rule(m(pl('ip', 'saddr'), ref('allowed')), accept),
        makeEnv({ sets: [s], packet: { saddr: '10.0.0.11' } }),
      ).kind,
    ).toBe('nomatch');
  });
  it('typeof sets take their key type from the expression', () => {
    const s = namedSet('ports', [], [{ key: v('ssh') }], {
      key: { form: 'typeof', exprs: [pl('tcp', 'dport')] },
    });
    expect(
      evaluateRule(rule(m(pl('tcp', 'dport'), ref('ports')), accept), makeEnv({ sets: [s] })).kind,
    ).toBe('match');
  });
  it('add @set in one evaluation is seen by the next lookup', () => {
    const s = namedSet('seen', ['ipv4_addr'], [], { flags: ['dynamic'] });
    const env = makeEnv({ sets: [s] });
    const lookupRule = rule(m(pl('ip', 'saddr'), ref('seen')), drop);
    expect(evaluateRule(lookupRule, env).kind).toBe('nomatch');
    const add: Statement = {
      kind: 'setop',
      op: 'add',
      set: 'seen',
      key: pl('ip', 'saddr'),
      statements: [],
    };
    const added = evaluateRule(rule(add), env);
    expect(added.kind === 'match' && added.effects).toEqual([
      { kind: 'setop', op: 'add', set: 'seen', key: '10.0.0.1' },
    ]);
    expect(evaluateRule(lookupRule, env).kind).toBe('match');
    const del: Statement = {
      kind: 'setop',
      op: 'delete',
      set: 'seen',
      key: pl('ip', 'saddr'),
      statements: [],
    };
    evaluateRule(rule(del), env);
    expect(evaluateRule(lookupRule, env).kind).toBe('nomatch');
  });
  it('update @map { key : data } stores data computed from the packet, and a later map lookup returns it', () => {
    const pinned = namedSet('pinned', ['ipv4_addr'], [], {
      kind: 'map',
      data: { form: 'typeof', exprs: [pl('ip', 'daddr'), pl('tcp', 'dport')] },
      flags: ['dynamic'],
    });
    const env = makeEnv({ sets: [pinned] });
    const upd: Statement = {
      kind: 'setop',
      op: 'update',
      set: 'pinned',
      key: pl('ip', 'saddr'),
      data: concat(pl('ip', 'daddr'), pl('tcp', 'dport')),
      statements: [{ kind: 'other', keyword: 'timeout', args: ['1m30s'] }],
    };
    expect(evaluateRule(rule(upd), env).kind).toBe('match');
    const dnat: Statement = {
      kind: 'nat',
      type: 'dnat',
      family: 'ip',
      flags: [],
      addrPortMap: true,
      addr: { kind: 'map', key: pl('ip', 'saddr'), map: ref('pinned') },
    };
    const out = evaluateRule(rule(dnat), env);
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      addr: { low: '10.0.0.2', high: '10.0.0.2' },
      port: { low: 22, high: 22 },
    });
  });
  it('resetRuntimeState forgets elements added at run time but keeps the declared ones', () => {
    const s = namedSet('seen2', ['ipv4_addr'], [{ key: v('10.9.9.9') }], { flags: ['dynamic'] });
    const env = makeEnv({ sets: [s] });
    const add: Statement = {
      kind: 'setop',
      op: 'add',
      set: 'seen2',
      key: pl('ip', 'saddr'),
      statements: [],
    };
    const lookupRule = rule(m(pl('ip', 'saddr'), ref('seen2')), drop);
    evaluateRule(rule(add), env);
    expect(evaluateRule(lookupRule, env).kind).toBe('match');
    resetRuntimeState();
    expect(evaluateRule(lookupRule, env).kind).toBe('nomatch');
    const declared = makeEnv({ sets: [s], packet: { saddr: '10.9.9.9' } });
    expect(evaluateRule(lookupRule, declared).kind).toBe('match');
  });
  it('update @meter { ip saddr limit rate over 10/second } does not match: the limit is taken as not exceeded', () => {
    const s = namedSet('meter', ['ipv4_addr'], [], { flags: ['dynamic'] });
    const limit: Statement = {
      kind: 'other',
      keyword: 'limit',
      args: ['rate', 'over', '10/second'],
    };
    const upd: Statement = {
      kind: 'setop',
      op: 'update',
      set: 'meter',
      key: pl('ip', 'saddr'),
      statements: [limit],
    };
    // The rule does not match; the note saying why (the limit assumption) comes with it.
    const out = evaluateRule(rule(upd, drop), makeEnv({ sets: [s] }));
    expect(out.kind).toBe('nomatch');
    expect(out.kind === 'nomatch' ? out.effects?.map((e) => e.kind) : []).toContain('note');
  });
  it('a lookup in a set that does not exist is reported', () => {
    const out = evaluateRule(rule(m(pl('ip', 'saddr'), ref('nope')), accept), makeEnv());
    expect(out.kind).toBe('unsupported');
  });
});

describe('marks', () => {
  it('meta mark set is visible to later statements of the same rule', () => {
    const setMark: Statement = { kind: 'mangle', target: meta('mark'), value: v('0x2') };
    const env = makeEnv();
    const out = evaluateRule(rule(setMark, m(meta('mark'), v('0x2')), accept), env);
    expect(out).toEqual({
      kind: 'match',
      verdict: { kind: 'accept' },
      effects: [{ kind: 'mark', target: 'meta mark', value: 2 }],
    });
    expect(env.meta.mark).toBe(2);
  });
  it('meta mark set meta mark | 0x10 keeps the other bits', () => {
    const value: Expr = { kind: 'binop', op: '|', left: meta('mark'), right: v('0x10') };
    const env = makeEnv({ meta: { mark: 0x100 } });
    evaluateRule(rule({ kind: 'mangle', target: meta('mark'), value }), env);
    expect(env.meta.mark).toBe(0x110);
  });
  it('ct mark set meta mark copies the packet mark to the connection', () => {
    const env = makeEnv({ meta: { mark: 7 } });
    const out = evaluateRule(
      rule({ kind: 'mangle', target: ct('mark'), value: meta('mark') }),
      env,
    );
    expect(out.kind === 'match' && out.effects).toEqual([
      { kind: 'mark', target: 'ct mark', value: 7 },
    ]);
    expect(env.ct?.mark).toBe(7);
  });
  it('ct mark set without a conntrack entry does nothing and continues', () => {
    const out = evaluateRule(
      rule({ kind: 'mangle', target: ct('mark'), value: v('1') }, accept),
      makeEnv({ ct: null }),
    );
    expect(out).toEqual({ kind: 'match', verdict: { kind: 'accept' }, effects: [] });
  });
  it('meta mark set ip saddr map { … }: no element, no match', () => {
    const value: Expr = { kind: 'map', key: pl('ip', 'saddr'), map: map(['10.0.0.1', '0x5']) };
    const env = makeEnv();
    expect(evaluateRule(rule({ kind: 'mangle', target: meta('mark'), value }), env).kind).toBe(
      'match',
    );
    expect(env.meta.mark).toBe(5);
    const other = makeEnv({ packet: { saddr: '10.9.9.9' } });
    expect(evaluateRule(rule({ kind: 'mangle', target: meta('mark'), value }), other)).toEqual({
      kind: 'nomatch',
    });
  });
});

describe('nat', () => {
  const nat = (s: Omit<NatStmt, 'kind' | 'flags'> & { flags?: string[] }): NatStmt => ({
    kind: 'nat',
    flags: [],
    ...s,
  });
  it('dnat to address:port ends the rule with accept', () => {
    const st = nat({ type: 'dnat', addr: v('172.17.0.2'), port: v('8080') });
    const out = evaluateRule(rule(st), makeEnv());
    expect(out).toEqual({
      kind: 'match',
      verdict: { kind: 'accept' },
      effects: [
        {
          kind: 'nat',
          stmt: st,
          addr: { low: '172.17.0.2', high: '172.17.0.2' },
          port: { low: 8080, high: 8080 },
        },
      ],
    });
  });
  it('snat to an address range', () => {
    const st = nat({
      type: 'snat',
      addr: { kind: 'range', low: v('192.0.2.1'), high: v('192.0.2.9') },
    });
    const out = evaluateRule(rule(st), makeEnv());
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      addr: { low: '192.0.2.1', high: '192.0.2.9' },
    });
  });
  it('dnat to ip saddr map { … } looks the address up', () => {
    const st = nat({
      type: 'dnat',
      family: 'ip',
      addr: { kind: 'map', key: pl('ip', 'saddr'), map: map(['10.0.0.1', '172.17.0.3']) },
    });
    const out = evaluateRule(rule(st), makeEnv());
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      addr: { low: '172.17.0.3', high: '172.17.0.3' },
    });
    expect(evaluateRule(rule(st), makeEnv({ packet: { saddr: '10.0.0.7' } }))).toEqual({
      kind: 'nomatch',
    });
  });
  it('dnat ip to ip daddr . tcp dport map { … }: address and port from one map', () => {
    const st = nat({
      type: 'dnat',
      family: 'ip',
      addrPortMap: true,
      addr: {
        kind: 'map',
        key: concat(pl('ip', 'daddr'), pl('tcp', 'dport')),
        map: map([concat(v('10.0.0.2'), v('22')), concat(v('172.17.0.4'), v('2222'))]),
      },
    });
    const out = evaluateRule(rule(st), makeEnv());
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      addr: { low: '172.17.0.4', high: '172.17.0.4' },
      port: { low: 2222, high: 2222 },
    });
  });
  it('masquerade and redirect keep no address', () => {
    const out = evaluateRule(rule(nat({ type: 'redirect', port: v('3128') })), makeEnv());
    expect(out.kind === 'match' && out.effects[0]).toMatchObject({
      kind: 'nat',
      port: { low: 3128, high: 3128 },
    });
    expect(out.kind === 'match' && 'addr' in out.effects[0]!).toBe(false);
  });
});

describe('other statements', () => {
  it('reject ends with drop and says so as an effect', () => {
    const out = evaluateRule(rule({ kind: 'reject' }), makeEnv());
    expect(out).toEqual({
      kind: 'match',
      verdict: { kind: 'drop' },
      effects: [{ kind: 'reject', stmt: { kind: 'reject' } }],
    });
  });
  it('limit rate passes and leaves a note', () => {
    const out = evaluateRule(
      rule({ kind: 'other', keyword: 'limit', args: ['rate', '5/minute'] }, accept),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.verdict.kind).toBe('accept');
    expect(out.kind === 'match' && out.effects[0]?.kind).toBe('note');
  });
  it('log and notrack are effects that continue', () => {
    const out = evaluateRule(
      rule({ kind: 'log', options: [{ key: 'prefix', value: 'x' }] }, { kind: 'notrack' }),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.effects.map((e) => e.kind)).toEqual(['log', 'notrack']);
  });
  it('queue is a verdict', () => {
    const out = evaluateRule(
      rule({ kind: 'other', keyword: 'queue', args: ['num', '1'] }),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.verdict.kind).toBe('queue');
  });
  it.each([
    ['synproxy', { kind: 'other', keyword: 'synproxy', args: [] }],
    ['tproxy', { kind: 'other', keyword: 'tproxy', args: ['to', ':50080'] }],
    ['an unknown keyword', { kind: 'other', keyword: 'frobnicate', args: [] }],
    ['an UnsupportedStmt', { kind: 'unsupported', what: '-m recent' }],
    ['socket transparent', m({ kind: 'socket', words: ['transparent'] }, v('1'))],
    ['meta skuid without a known user', m(meta('skuid'), v('0'))],
    ['meta hour', m(meta('hour'), v('10:00'))],
  ] as [string, Statement][])(
    '%s is reported as unsupported with the statement and rule',
    (_name, st) => {
      const r = rule(m(pl('tcp', 'dport'), v('22')), st, accept);
      const out = evaluateRule(r, makeEnv({ meta: { local: true } }));
      expect(out.kind).toBe('unsupported');
      if (out.kind === 'unsupported') {
        expect(out.statement).toBe(st);
        expect(out.rule).toBe(r);
        expect(out.reason.length).toBeGreaterThan(5);
      }
    },
  );
  it('an unsupported statement after a failed match is never reached', () => {
    const out = evaluateRule(
      rule(m(pl('tcp', 'dport'), v('80')), { kind: 'other', keyword: 'synproxy', args: [] }),
      makeEnv(),
    );
    expect(out).toEqual({ kind: 'nomatch' });
  });
  it('meta skuid of a forwarded packet does not match (no socket: NFT_BREAK)', () => {
    expect(evaluateRule(rule(m(meta('skuid'), v('0')), accept), makeEnv())).toEqual({
      kind: 'nomatch',
    });
  });
});

describe('numgen', () => {
  it('numgen inc mod 3 counts 0, 1, 2, 0 across evaluations of the rule', () => {
    const ng: Expr = { kind: 'numgen', mode: 'inc', mod: 3 };
    const r = rule({ kind: 'mangle', target: meta('mark'), value: ng });
    const marks = [0, 1, 2, 3].map(() => {
      const env = makeEnv();
      evaluateRule(r, env);
      return env.meta.mark;
    });
    expect(marks).toEqual([0, 1, 2, 0]);
  });
  it('numgen random is the same for the same seed', () => {
    const draw = (seed: number) => {
      const env = makeEnv({ seed });
      const r = rule({
        kind: 'mangle',
        target: meta('mark'),
        value: { kind: 'numgen', mode: 'random', mod: 1000 },
      });
      evaluateRule(r, env);
      return env.meta.mark;
    };
    expect(draw(42)).toBe(draw(42));
  });
  it('numgen in a vmap picks the backend', () => {
    const ng: Expr = { kind: 'numgen', mode: 'inc', mod: 2 };
    const r = rule(vmap(ng, map(['0', verdict('jump', 'a')], ['1', verdict('jump', 'b')])));
    const a = evaluateRule(r, makeEnv());
    const b = evaluateRule(r, makeEnv());
    expect([a, b].map((o) => (o.kind === 'match' ? o.verdict.target : o.kind))).toEqual(['a', 'b']);
  });
});

describe('set in statements', () => {
  it('ip dscp set cs1 is a mangle effect', () => {
    const out = evaluateRule(
      rule({ kind: 'mangle', target: pl('ip', 'dscp'), value: v('cs1') }),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.effects).toEqual([
      { kind: 'mangle', target: 'ip dscp', value: 8 },
    ]);
  });
  it('ip dscp set on an IPv6 packet stops the rule (nft puts meta nfproto ipv4 before the write)', () => {
    const env = makeEnv({
      packet: { family: 'ip6', saddr: '2001:db8::1', daddr: '2001:db8::2' },
      meta: { nfproto: 'ip6' },
    });
    const out = evaluateRule(
      rule({ kind: 'mangle', target: pl('ip', 'dscp'), value: v('cs1') }, accept),
      env,
    );
    expect(out).toEqual({ kind: 'nomatch' });
  });
  it('ct helper set "ftp" and meta priority set 1:10 are reported as nft writes them', () => {
    const out = evaluateRule(
      rule(
        { kind: 'mangle', target: ct('helper'), value: v('ftp', true) },
        { kind: 'mangle', target: meta('priority'), value: v('1:10') },
      ),
      makeEnv(),
    );
    expect(out.kind === 'match' && out.effects).toEqual([
      { kind: 'mangle', target: 'ct helper', value: 'ftp' },
      { kind: 'mangle', target: 'meta priority', value: '1:10' },
    ]);
  });
  it('tcp dport in a set literal of the anonymous kind', () => {
    expect(
      evaluateRule(rule(m(pl('tcp', 'dport'), set('80', '443')), accept), makeEnv()).kind,
    ).toBe('nomatch');
  });
});
