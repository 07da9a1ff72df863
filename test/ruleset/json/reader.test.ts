import { describe, expect, it } from 'vitest';
import { formatDiagnostics, RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { parseNftJson } from '../../../src/ruleset/json/index.ts';
import type { MatchStmt, Rule, Ruleset } from '../../../src/ruleset/model.ts';
import { printRule } from '../../../src/ruleset/printer.ts';

const TABLE = { table: { family: 'inet', name: 't', handle: 1 } };
const CHAIN = {
  chain: {
    family: 'inet',
    table: 't',
    name: 'c',
    handle: 2,
    type: 'filter',
    hook: 'input',
    prio: 0,
    policy: 'accept',
  },
};

function doc(...elements: unknown[]): string {
  return JSON.stringify({ nftables: elements }, null, 2);
}

function rule(...expr: unknown[]): unknown {
  return { rule: { family: 'inet', table: 't', chain: 'c', handle: 3, expr } };
}

/** A rule as a command file writes it: no handle. */
function bareRule(...expr: unknown[]): unknown {
  return { rule: { family: 'inet', table: 't', chain: 'c', expr } };
}

function read(...elements: unknown[]): Ruleset {
  return parseNftJson(doc(...elements), 'r.json');
}

/** The single rule of a one-rule ruleset, and its printed text. */
function oneRule(...expr: unknown[]): { rule: Rule; text: string } {
  const rs = read(TABLE, CHAIN, rule(...expr));
  const r = rs.tables[0]!.chains[0]!.rules[0]!;
  return { rule: r, text: r.text };
}

function errors(text: string): RulesetError {
  try {
    parseNftJson(text, 'bad.json');
  } catch (e) {
    if (e instanceof RulesetError) return e;
    throw e;
  }
  throw new Error('no error');
}

const meta = (key: string) => ({ meta: { key } });
const payload = (protocol: string, field: string) => ({ payload: { protocol, field } });
const match = (left: unknown, right: unknown, op = '==') => ({ match: { op, left, right } });

describe('nft -j JSON into the ruleset model', () => {
  it('reads tables, base chains and rules with handles, priorities and policies', () => {
    const rs = read(
      { metainfo: { version: '1.0.6', release_name: 'x', json_schema_version: 1 } },
      TABLE,
      { ...CHAIN, chain: { ...CHAIN.chain, prio: -140, hook: 'prerouting', type: 'filter' } },
      {
        chain: { family: 'inet', table: 't', name: 'regular', handle: 4 },
      },
      rule({ accept: null }),
    );
    expect(rs.format).toBe('nft-json');
    expect(rs.files[0]!.path).toBe('r.json');
    const [t] = rs.tables;
    expect(t).toMatchObject({ family: 'inet', name: 't', handle: 1 });
    expect(t!.chains[0]).toMatchObject({
      name: 'c',
      base: { type: 'filter', hook: 'prerouting', priority: { value: -140, text: 'mangle + 10' } },
      policy: 'accept',
    });
    expect(t!.chains[1]!.base).toBeUndefined();
    expect(t!.chains[0]!.rules[0]).toMatchObject({ index: 0, handle: 3, text: 'accept' });
  });

  it('names priorities as nft lists them, per family and hook', () => {
    const prio = (family: string, hook: string, p: number, type = 'filter') =>
      read(
        { table: { family, name: 't' } },
        { chain: { family, table: 't', name: 'c', type, hook, prio: p, policy: 'accept' } },
      ).tables[0]!.chains[0]!.base!.priority.text;
    expect(prio('ip', 'input', 0)).toBe('filter');
    expect(prio('ip', 'prerouting', -100, 'nat')).toBe('dstnat');
    expect(prio('ip', 'postrouting', 100, 'nat')).toBe('srcnat');
    // dstnat is not a name on input: nft prints the number.
    expect(prio('ip', 'input', -100, 'nat')).toBe('-100');
    expect(prio('ip', 'forward', -11)).toBe('-11');
    expect(prio('bridge', 'forward', -200)).toBe('filter');
    expect(prio('bridge', 'prerouting', -300)).toBe('dstnat');
    expect(prio('netdev', 'ingress', 5)).toBe('filter + 5');
  });

  it('prints constants as the datatype of the left-hand side asks', () => {
    expect(oneRule(match(meta('mark'), 16)).text).toBe('meta mark 0x00000010');
    expect(oneRule(match(meta('oif'), 'lo')).text).toBe('oif "lo"');
    expect(oneRule(match(meta('iifname'), 'eth0', '!=')).text).toBe('iifname != "eth0"');
    expect(oneRule(match(payload('ether', 'type'), 'ip6')).text).toBe('ether type ip6');
    expect(oneRule(match(payload('ether', 'type'), 4660)).text).toBe('ether type 0x1234');
    expect(oneRule(match(payload('ip', 'dscp'), 4)).text).toBe('ip dscp 0x04');
    expect(oneRule(match({ payload: { base: 'nh', offset: 32, len: 32 } }, 20)).text).toBe(
      '@nh,32,32 0x14',
    );
    expect(oneRule(match({ ct: { key: 'expiration' } }, 90)).text).toBe('ct expiration 1m30s');
    expect(oneRule(match(payload('tcp', 'dport'), 22)).text).toBe('tcp dport 22');
  });

  it('writes `==` where nft does: before a single bitmask value and after a binop', () => {
    expect(oneRule(match({ ct: { key: 'state' } }, ['established', 'related'], 'in')).text).toBe(
      'ct state established,related',
    );
    expect(oneRule(match(payload('tcp', 'flags'), 'syn')).text).toBe('tcp flags == syn');
    expect(oneRule(match(payload('tcp', 'flags'), 'syn', 'in')).text).toBe('tcp flags syn');
    const masked = oneRule(match({ '&': [{ ct: { key: 'mark' } }, 255] }, 16));
    expect(masked.text).toBe('ct mark & 0x000000ff == 0x00000010');
    expect((masked.rule.statements[0] as MatchStmt).implicitOp).toBeUndefined();
    const flags = oneRule(match({ '&': [payload('tcp', 'flags'), ['syn', 'ack']] }, 'syn'));
    expect(flags.text).toBe('tcp flags syn / syn,ack');
    expect(flags.rule.statements[0]).toMatchObject({
      kind: 'match',
      implicitOp: true,
      mask: { kind: 'list' },
    });
  });

  it('reads anonymous sets, ranges, prefixes, concatenations and verdict maps', () => {
    expect(
      oneRule(match(payload('udp', 'dport'), { set: [53, { range: [1812, 1813] }] }), {
        accept: null,
      }).text,
    ).toBe('udp dport { 53, 1812-1813 } accept');
    expect(
      oneRule(match(payload('ip', 'saddr'), { prefix: { addr: '10.0.0.0', len: 8 } })).text,
    ).toBe('ip saddr 10.0.0.0/8');
    const vmap = oneRule({
      vmap: {
        key: { concat: [payload('ip', 'daddr'), payload('tcp', 'dport')] },
        data: {
          set: [
            [{ concat: ['10.1.1.1', 80] }, { accept: null }],
            [{ concat: ['10.1.1.2', 443] }, { jump: { target: 'web' } }],
          ],
        },
      },
    });
    expect(vmap.text).toBe(
      'ip daddr . tcp dport vmap { 10.1.1.1 . 80 : accept, 10.1.1.2 . 443 : jump web }',
    );
    expect(oneRule(match(payload('ip', 'saddr'), '@blocked')).rule.statements[0]).toMatchObject({
      right: { kind: 'setref', name: 'blocked' },
    });
  });

  it('reads nat, reject, log, mangle, counter and the statements kept as words', () => {
    const nat = oneRule({ dnat: { family: 'ip', addr: '172.17.0.2', port: 80 } });
    expect(nat.text).toBe('dnat ip to 172.17.0.2:80');
    expect(oneRule({ dnat: { addr: 'c0::1a', port: 4242 } }).text).toBe('dnat to [c0::1a]:4242');
    expect(oneRule({ masquerade: null }).text).toBe('masquerade');
    expect(
      oneRule({
        snat: { addr: { range: ['1.1.1.1', '1.1.1.9'] }, flags: ['random', 'persistent'] },
      }).text,
    ).toBe('snat to 1.1.1.1-1.1.1.9 random,persistent');
    expect(oneRule({ reject: { type: 'icmp', expr: 'port-unreachable' } }).text).toBe('reject');
    expect(oneRule({ reject: { type: 'icmpx', expr: 'admin-prohibited' } }).text).toBe(
      'reject with icmpx admin-prohibited',
    );
    expect(oneRule({ reject: { type: 'tcp reset' } }).text).toBe('reject with tcp reset');
    expect(oneRule({ log: { prefix: 'bad: ', level: 'info' } }).text).toBe(
      'log prefix "bad: " level info',
    );
    expect(oneRule({ mangle: { key: meta('mark'), value: 1 } }).text).toBe(
      'meta mark set 0x00000001',
    );
    expect(oneRule({ counter: { packets: 3, bytes: 120 } }).text).toBe(
      'counter packets 3 bytes 120',
    );
    expect(oneRule({ counter: 'hits' }).rule.statements[0]).toMatchObject({
      kind: 'counter',
      name: 'hits',
    });
    expect(
      oneRule({ limit: { rate: 10, burst: 5, per: 'second' } }).rule.statements[0],
    ).toMatchObject({
      kind: 'other',
      keyword: 'limit',
      args: ['rate', '10/second', 'burst', '5', 'packets'],
    });
    expect(oneRule({ quota: { val: 25, val_unit: 'mbytes', inv: true } }).text).toBe(
      'quota over 25 mbytes',
    );
    expect(oneRule({ queue: { num: 1, flags: ['bypass'] } }).text).toBe('queue flags bypass to 1');
    expect(oneRule({ 'ct helper': 'ftp' }).text).toBe('ct helper set "ftp"');
    expect(oneRule({ notrack: null }).text).toBe('notrack');
  });

  it('keeps xt compat statements as unsupported, with their place', () => {
    const { rule: r } = oneRule({ xt: { type: 'match', name: 'conntrack' } });
    expect(r.statements[0]).toMatchObject({
      kind: 'unsupported',
      what: expect.stringContaining('conntrack'),
    });
    expect(r.statements[0]!.span?.line).toBeGreaterThan(1);
  });

  it('reads `fib … check` and existence tests', () => {
    expect(oneRule(match({ fib: { result: 'oif', flags: ['saddr', 'iif'] } }, false)).text).toBe(
      'fib saddr . iif check missing',
    );
    expect(oneRule(match({ 'tcp option': { name: 'sack-perm' } }, true)).text).toBe(
      'tcp option sack-perm exists',
    );
  });

  it('reads named sets and maps with typed elements, timeouts and counters', () => {
    const rs = read(
      TABLE,
      {
        set: {
          family: 'inet',
          table: 't',
          name: 'marks',
          type: 'mark',
          handle: 5,
          flags: ['timeout', 'interval'],
          timeout: 3600,
          elem: [
            {
              elem: {
                val: 16,
                timeout: 90,
                expires: 60,
                comment: 'x',
                counter: { packets: 1, bytes: 2 },
              },
            },
            { range: [32, 64] },
          ],
        },
      },
      {
        map: {
          family: 'inet',
          table: 't',
          name: 'm',
          type: 'ipv4_addr',
          map: 'ifname',
          elem: [['1.1.1.1', 'eth0']],
        },
      },
    );
    const [set, map] = rs.tables[0]!.sets;
    expect(set).toMatchObject({
      kind: 'set',
      key: { form: 'type', names: ['mark'] },
      flags: ['interval', 'timeout'],
      timeout: '1h',
    });
    expect(set!.elements[0]).toMatchObject({
      key: { kind: 'value', text: '0x00000010' },
      timeout: '1m30s',
      expires: '1m',
      comment: 'x',
      statements: [{ kind: 'counter', packets: 1, bytes: 2 }],
    });
    expect(set!.elements[1]!.key).toMatchObject({ kind: 'range', low: { text: '0x00000020' } });
    expect(map).toMatchObject({ kind: 'map', data: { form: 'type', names: ['ifname'] } });
    expect(map!.elements[0]!.value).toMatchObject({ kind: 'value', text: 'eth0', quoted: true });
  });

  it('marks sets that rules update as dynamic where nft 1.0.x JSON leaves the flag out', () => {
    const ruleset = (version: string) =>
      read(
        { metainfo: { version, json_schema_version: 1 } },
        TABLE,
        CHAIN,
        {
          set: {
            family: 'inet',
            table: 't',
            name: 's',
            type: 'ipv4_addr',
            flags: ['timeout'],
            timeout: 60,
          },
        },
        {
          map: {
            family: 'inet',
            table: 't',
            name: 'm',
            type: 'ipv4_addr',
            map: 'mark',
            flags: ['timeout'],
          },
        },
        rule({ set: { op: 'update', elem: payload('ip', 'saddr'), set: '@s' } }),
        rule({ map: { op: 'add', elem: payload('ip', 'saddr'), data: 1, map: '@m' } }),
      );
    const old = ruleset('1.0.6');
    expect(old.tables[0]!.sets[0]!.flags).toEqual(['dynamic', 'timeout']);
    // The map statement does not set the flag (nft's stmt_evaluate_map).
    expect(old.tables[0]!.sets[1]!.flags).toEqual(['timeout']);
    expect(old.tables[0]!.chains[0]!.rules[0]!.text).toBe('update @s { ip saddr }');
    expect(old.tables[0]!.chains[0]!.rules[1]!.statements[0]).toMatchObject({
      kind: 'setop',
      set: 'm',
      data: { kind: 'value', text: '0x00000001' },
    });
    // Newer JSON lists the flag itself: nothing is added.
    expect(ruleset('1.1.1').tables[0]!.sets[0]!.flags).toEqual([]);
  });

  it('gives every table, chain, rule, statement and expression the place of its object', () => {
    const text = doc(TABLE, CHAIN, rule(match(meta('iifname'), 'lo'), { accept: null }));
    const rs = parseNftJson(text, 'pos.json');
    const lineOf = (needle: string, nth = 0): number => {
      let at = -1;
      for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
      return text.slice(0, at).split('\n').length;
    };
    const t = rs.tables[0]!;
    // Tables, chains and rules: the object holding their properties, `"table": {`.
    const brace = (needle: string) => ({
      line: lineOf(needle),
      col: text.split('\n')[lineOf(needle) - 1]!.indexOf('{') + 1,
    });
    expect(t.span).toMatchObject({ file: 'pos.json', ...brace('"table": {') });
    expect(t.chains[0]!.span).toMatchObject(brace('"chain": {'));
    const r = t.chains[0]!.rules[0]!;
    expect(r.span).toMatchObject(brace('"rule": {'));
    // Statements and expressions: the object that is the statement, `{ "match": … }`.
    const m = r.statements[0] as MatchStmt;
    expect(m.span!.line).toBe(lineOf('"match": {') - 1);
    expect(m.left.span!.line).toBe(lineOf('"meta": {') - 1);
    expect(m.right.span!.line).toBe(lineOf('"right": "lo"'));
    expect(text.slice(m.right.span!.offset, m.right.span!.end)).toBe('"lo"');
    expect(r.statements[1]!.span!.line).toBe(lineOf('"accept": null') - 1);
  });

  it('gives the rule text through the shared printer', () => {
    const { rule: r } = oneRule(match(meta('l4proto'), 'tcp'), { counter: null }, { drop: null });
    expect(r.text).toBe(printRule(r));
    expect(r.text).toBe('meta l4proto tcp counter drop');
  });

  it('reads JSON command files: add/create/insert wrappers and flush ruleset', () => {
    const rs = read(
      { table: { family: 'ip', name: 'gone' } },
      { flush: { ruleset: null } },
      { add: TABLE },
      { add: CHAIN },
      { insert: bareRule({ drop: null }) },
    );
    expect(rs.tables.map((t) => t.name)).toEqual(['t']);
    expect(rs.tables[0]!.chains[0]!.rules[0]!.text).toBe('drop');
  });

  it('inserts `insert` rules first and refuses positions it cannot honour', () => {
    const rs = read(
      { add: TABLE },
      { add: CHAIN },
      { add: bareRule({ accept: null }) },
      { insert: bareRule({ drop: null }) },
    );
    expect(rs.tables[0]!.chains[0]!.rules.map((r) => [r.index, r.text])).toEqual([
      [0, 'drop'],
      [1, 'accept'],
    ]);
    const e = errors(doc({ add: TABLE }, { add: CHAIN }, { add: rule({ accept: null }) }));
    expect(e.diagnostics[0]!.message).toBe(
      '"rule": placing a rule by "handle" in an "add" command is not supported',
    );
  });

  describe('errors', () => {
    it('reports invalid JSON with file, line and column', () => {
      const e = errors('{\n  "nftables": [\n    {"table": {"family": "ip",}}\n  ]\n}');
      expect(e.diagnostics).toHaveLength(1);
      expect(e.diagnostics[0]).toMatchObject({
        file: 'bad.json',
        line: 3,
        col: 31,
        severity: 'error',
      });
      expect(e.diagnostics[0]!.message).toContain('invalid JSON');
      expect(formatDiagnostics(e.diagnostics, e.sources)).toContain(
        '    {"table": {"family": "ip",}}\n',
      );
    });

    it('reports every schema violation with its place, not only the first', () => {
      const text = doc(
        TABLE,
        { chain: { family: 'inet', table: 'missing', name: 'c' } },
        CHAIN,
        rule({ frobnicate: null }),
        rule(match(meta('mark'), 1, '=~')),
        { rule: { family: 'inet', table: 't', chain: 'c' } },
        { table: { family: 'ipx', name: 'y' } },
        { nonsense: {} },
      );
      const e = errors(text);
      const messages = e.diagnostics.map((d) => d.message);
      expect(messages).toEqual([
        '"chain": table inet missing is not defined before it',
        'unknown statement "frobnicate"',
        '"match" statement: unknown operator "=~"',
        '"rule": property "expr" is missing',
        '"table" "family": "ipx" is not one of ip, ip6, inet, arp, bridge, netdev',
        'unknown ruleset element "nonsense"',
      ]);
      for (const d of e.diagnostics) {
        expect(d.line).toBeGreaterThan(1);
        expect(d.col).toBeGreaterThan(0);
      }
      const frob = e.diagnostics[1]!;
      expect(text.split('\n')[frob.line - 1]!.slice(frob.col - 1)).toBe('{');
      expect(text.split('\n')[frob.line]!.trim()).toBe('"frobnicate": null');
    });

    it('rejects a document without the nftables array', () => {
      expect(errors('{"tables": []}').diagnostics[0]!.message).toBe(
        'the JSON document: property "nftables" is missing',
      );
      expect(errors('[1]').diagnostics[0]!.message).toContain(
        'an object was expected, not an array',
      );
    });

    it('rejects commands a ruleset file cannot hold', () => {
      const e = errors(doc({ delete: TABLE }));
      expect(e.diagnostics[0]!.message).toContain('"delete" command is not supported');
    });

    it('rejects a newer JSON schema', () => {
      const e = errors(doc({ metainfo: { json_schema_version: 2 } }));
      expect(e.diagnostics[0]!.message).toContain('schema version 2');
    });
  });
});
