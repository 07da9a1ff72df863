/**
 * The nft text parser on hand-written inputs: the model it builds (spans, rule text, handles,
 * priorities, variables, includes), listings vs scripts, and positioned errors.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeProxyRuleset } from '../../../bench/kube-proxy-gen.ts';
import { formatDiagnostics, RulesetError } from '../../../src/ruleset/diagnostics.ts';
import type { MatchStmt, Ruleset, Span } from '../../../src/ruleset/model.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { lex } from '../../../src/ruleset/nft/lexer.ts';
import { printRuleset } from '../../../src/ruleset/printer.ts';

function errors(text: string, file = 'in.nft', root?: string): RulesetError {
  try {
    parseNft(text, file, root === undefined ? {} : { root });
  } catch (e) {
    if (e instanceof RulesetError) return e;
    throw e;
  }
  throw new Error('expected a RulesetError');
}

/** The model without spans and statement texts, for comparing a script with a listing. */
function shape(rs: Ruleset): unknown {
  return JSON.parse(
    JSON.stringify(rs.tables, (k, v) =>
      ['span', 'text', 'handle', 'policyWritten'].includes(k) ? undefined : v,
    ),
  );
}

const LISTING = `table inet filter {
\tset blocked {
\t\ttype ipv4_addr
\t\tflags interval
\t\telements = { 10.0.0.0/8, 192.168.1.1 }
\t}

\tchain input {
\t\ttype filter hook input priority filter + 10; policy drop;
\t\tct state established,related accept
\t\tiifname "lo" accept
\t\tip saddr @blocked counter packets 0 bytes 0 drop
\t\ttcp dport { 22, 80, 443 } accept comment "public"
\t}

\tchain nat_pre {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\ttcp dport 8080 dnat ip to 10.0.0.2:80
\t}
}
`;

describe('parseNft on a listing', () => {
  const rs = parseNft(LISTING, 'listing.nft');
  const table = rs.tables[0];

  it('reads tables, sets and base chains with resolved priorities', () => {
    expect(table?.family).toBe('inet');
    expect(table?.sets[0]?.elements.length).toBe(2);
    const input = table?.chains[0];
    expect(input?.base).toMatchObject({
      type: 'filter',
      hook: 'input',
      priority: { value: 10, text: 'filter + 10' },
    });
    expect(input?.policy).toBe('drop');
    expect(table?.chains[1]?.base?.priority).toEqual({ value: -100, text: 'dstnat' });
  });

  it('keeps each rule its exact source text and position', () => {
    const rule = table?.chains[0]?.rules[3];
    expect(rule?.text).toBe('tcp dport { 22, 80, 443 } accept comment "public"');
    expect(rule?.comment).toBe('public');
    expect(rule?.index).toBe(3);
    expect(rule?.span).toMatchObject({ file: 'listing.nft', line: 13, col: 3 });
    const m = rule?.statements[0] as MatchStmt;
    expect(m.kind).toBe('match');
    expect(m.implicitOp).toBe(true);
    expect(m.left).toMatchObject({ kind: 'payload', protocol: 'tcp', field: 'dport' });
    expect(m.right.kind).toBe('set');
    expect(m.span).toMatchObject({ line: 13, col: 3, endCol: 28 });
    expect(LISTING.slice(m.span?.offset, m.span?.end)).toBe('tcp dport { 22, 80, 443 }');
  });

  it('reads flag lists, named-set lookups, counters and nat', () => {
    const [ct, , lookup] = table?.chains[0]?.rules ?? [];
    expect(ct?.statements[0]).toMatchObject({
      kind: 'match',
      left: { kind: 'ct', key: 'state' },
      right: { kind: 'list' },
    });
    expect(lookup?.statements.map((s) => s.kind)).toEqual(['match', 'counter', 'verdict']);
    expect(lookup?.statements[1]).toMatchObject({ kind: 'counter', packets: 0, bytes: 0 });
    const nat = table?.chains[1]?.rules[0]?.statements[1];
    expect(nat).toMatchObject({
      kind: 'nat',
      type: 'dnat',
      family: 'ip',
      addr: { kind: 'value', text: '10.0.0.2' },
      port: { kind: 'value', text: '80' },
    });
  });

  it('prints it back identical', () => {
    expect(printRuleset(rs)).toBe(LISTING);
  });
});

describe('named priorities per family', () => {
  it('resolves bridge priorities differently from ip', () => {
    const rs = parseNft(
      'table bridge b {\n\tchain pre {\n\t\ttype filter hook prerouting priority dstnat; policy accept;\n\t}\n\tchain post {\n\t\ttype filter hook postrouting priority srcnat - 5; policy accept;\n\t}\n}\n',
      'b.nft',
    );
    expect(rs.tables[0]?.chains.map((c) => c.base?.priority.value)).toEqual([-300, 295]);
    const ip = parseNft(
      'table ip t {\n\tchain c {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t}\n}\n',
      'i.nft',
    );
    expect(ip.tables[0]?.chains[0]?.base?.priority.value).toBe(-300);
  });

  it('rejects dstnat outside prerouting/output and srcnat outside input/postrouting, as nft', () => {
    const chain = (hook: string, prio: string) =>
      `table ip t {\n\tchain c {\n\t\ttype filter hook ${hook} priority ${prio}; policy accept;\n\t}\n}\n`;
    expect(errors(chain('forward', 'dstnat')).diagnostics[0]?.message).toContain(
      "'dstnat' is not a valid priority",
    );
    expect(errors(chain('output', 'srcnat + 5')).diagnostics[0]?.message).toContain(
      "'srcnat' is not a valid priority",
    );
    expect(
      parseNft(chain('output', 'dstnat'), 'ok.nft').tables[0]?.chains[0]?.base?.priority.value,
    ).toBe(-100);
  });

  it('rejects a priority name the family does not know, with its position', () => {
    const e = errors(
      'table bridge b {\n\tchain c {\n\t\ttype filter hook input priority mangle; policy accept;\n\t}\n}\n',
    );
    expect(e.diagnostics[0]).toMatchObject({ line: 3, col: 35 });
  });
});

describe('nft -f scripts', () => {
  const SCRIPT = `#!/usr/sbin/nft -f
flush ruleset
define lan = { 10.0.0.0/8, 192.168.1.1 }
define web = { 22, 80, 443 }

add table inet filter
add set inet filter blocked { type ipv4_addr; flags interval; }
add element inet filter blocked $lan
add chain inet filter input { type filter hook input priority 10; policy drop; }
add chain inet filter nat_pre { type nat hook prerouting priority -100; }
add rule inet filter input ct state established,related accept
add rule inet filter input iifname "lo" accept
add rule inet filter input ip saddr @blocked counter packets 0 bytes 0 drop
add rule inet filter input tcp dport $web accept comment "public"
add rule inet filter nat_pre tcp dport 8080 dnat ip to 10.0.0.2:80
`;

  it('yields the same model as the listing would', () => {
    const script = parseNft(SCRIPT, 'script.nft');
    const listing = parseNft(LISTING, 'listing.nft');
    // The listing writes priorities by name; compare the numbers.
    for (const rs of [script, listing]) {
      for (const c of rs.tables[0]?.chains ?? [])
        if (c.base) c.base.priority.text = String(c.base.priority.value);
    }
    expect(shape(script)).toEqual(shape(listing));
  });

  it('resolves variables at parse time; the rule text keeps what was written', () => {
    const rs = parseNft(SCRIPT, 'script.nft');
    const r = rs.tables[0]?.chains[0]?.rules[3];
    expect(r?.text).toBe('tcp dport $web accept comment "public"');
    expect(JSON.stringify(r?.statements)).not.toContain('variable');
    expect(printRuleset(rs)).toContain('tcp dport { 22, 80, 443 } accept comment "public"');
  });

  it('inserts rules at the front and at an index', () => {
    const rs = parseNft(
      'table ip t {\n\tchain c {\n\t\taccept\n\t}\n}\ninsert rule ip t c drop\nadd rule ip t c index 1 return\n',
      's.nft',
    );
    expect(rs.tables[0]?.chains[0]?.rules.map((r) => r.text)).toEqual(['drop', 'return', 'accept']);
    expect(rs.tables[0]?.chains[0]?.rules.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('reports an undefined variable and a missing table with positions', () => {
    const e = errors(
      'table ip t {\n\tchain c {\n\t\ttcp dport $nope accept\n\t}\n}\nadd rule ip nope c accept\n',
    );
    expect(e.diagnostics.map((d) => [d.line, d.col])).toEqual([
      [3, 14],
      [6, 13],
    ]);
  });

  it('reads handles from `nft -a` listings and prints them only when asked', () => {
    const text = 'table ip t { # handle 3\n\tchain c { # handle 1\n\t\taccept # handle 2\n\t}\n}\n';
    const rs = parseNft(text, 'a.nft');
    expect(rs.tables[0]?.handle).toBe(3);
    expect(rs.tables[0]?.chains[0]?.rules[0]?.handle).toBe(2);
    expect(rs.tables[0]?.chains[0]?.rules[0]?.text).toBe('accept');
    expect(printRuleset(rs, { handles: true })).toBe(text);
    expect(printRuleset(rs)).not.toContain('handle');
  });
});

describe('include', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nfw-include-'));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'rules.d'), { recursive: true });
  writeFileSync(join(root, 'rules.d', 'a.nft'), 'add rule ip t c tcp dport 22 accept\n');
  writeFileSync(join(root, 'rules.d', 'b.nft'), 'add rule ip t c tcp dport 80 accept\n');
  writeFileSync(join(dir, 'secret.nft'), 'add rule ip t c drop\n');
  symlinkSync(join(dir, 'secret.nft'), join(root, 'link.nft'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const head = 'table ip t {\n\tchain c {\n\t}\n}\n';

  it('reads files relative to the including file, globs in order', () => {
    const main = join(root, 'main.nft');
    const rs = parseNft(`${head}include "rules.d/*.nft"\n`, main, { root });
    expect(rs.tables[0]?.chains[0]?.rules.map((r) => r.text)).toEqual([
      'tcp dport 22 accept',
      'tcp dport 80 accept',
    ]);
    expect(rs.files.length).toBe(3);
    expect(rs.tables[0]?.chains[0]?.rules[0]?.span?.file).toContain('a.nft');
  });

  it.each([
    ['an absolute path', '/etc/passwd', 'absolute'],
    ['..', '../secret.nft', "'..'"],
    ['a symbolic link out of the root', 'link.nft', 'symbolic link'],
  ])('refuses %s with a positioned error', (_what, path, msg) => {
    const e = errors(`${head}include "${path}"\n`, join(root, 'main.nft'), root);
    expect(e.diagnostics[0]).toMatchObject({ line: 5, col: 9 });
    expect(e.diagnostics[0]?.message).toContain(msg);
  });
});

describe('errors', () => {
  it('reports several errors per file, resuming at the next rule', () => {
    const e = errors(
      'table ip t {\n\tchain c {\n\t\tip saddr 1.2.3.4 foo accept\n\t\ttcp dport { 22, 80 accept\n\t\tjump\n\t\taccept\n\t}\n}\n',
      'bad.nft',
    );
    expect(e.diagnostics.map((d) => d.line)).toEqual([3, 4, 5]);
    const text = formatDiagnostics(e.diagnostics, e.sources);
    expect(text).toContain(
      "bad.nft:3:20: error: syntax error, unexpected 'foo'\n\t\tip saddr 1.2.3.4 foo accept\n\t\t                 ^^^\n",
    );
  });

  it.each([
    ['ip sadr 1.2.3.4', 'unknown field', 'sadr'],
    ['meta markk 1', 'unknown meta key', 'markk'],
    ['ct stat new', 'unknown ct key', 'stat'],
    ['fib daddr . ifi oif 0', 'unknown fib flag', 'ifi'],
    ['socket transparnt 1', 'unknown socket key', 'transparnt'],
  ])('points at the misspelt word in `%s`', (rule, message, word) => {
    // Two tabs of indentation, then the rule: the word's 1-based column.
    const col = 2 + rule.indexOf(word) + 1;
    const e = errors(`table inet t {\n\tchain c {\n\t\t${rule} accept\n\t}\n}\n`);
    expect(e.diagnostics[0]?.message).toContain(message);
    expect(e.diagnostics[0]).toMatchObject({ line: 3, col, endCol: col + word.length });
  });

  it('reports an unterminated block at its opening brace', () => {
    const e = errors('table ip t {\n\tchain c {\n\t\taccept\n');
    // Both blocks are open at the end of the file: the table's and the chain's.
    expect(e.diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [1, 12, "unterminated block: missing '}'"],
      [2, 10, "unterminated chain: missing '}'"],
    ]);
  });
});

describe("nft's evaluation checks", () => {
  const chain = (family: string, rule: string, extra = '') =>
    `table ${family} t {\n${extra}\tchain c {\n\t\t${rule}\n\t}\n}\n`;

  it.each([
    ['ip6', 'ip6 nexthdr comp udp dport 4789', 'comp vs. udp', 'udp'],
    ['inet', 'udp dport 53 tcp dport 22 drop', 'udp vs. tcp', 'tcp'],
    ['inet', 'meta l4proto 6 udp dport 53', 'tcp vs. udp', 'udp'],
    ['inet', 'meta nfproto ipv4 ip6 saddr ::1 drop', 'ip vs. ip6', 'ip6'],
    ['ip6', 'ip saddr 1.2.3.4 drop', 'ip6 vs. ip', 'ip'],
  ])('in %s, `%s` is a protocol conflict', (family, rule, message, word) => {
    const e = errors(chain(family, rule));
    expect(e.diagnostics[0]?.message).toBe(`conflicting protocols specified: ${message}`);
    // nft points at the second protocol's header field.
    expect(e.diagnostics[0]).toMatchObject({ line: 3, col: 2 + rule.lastIndexOf(`${word} `) + 1 });
  });

  it.each([
    'ip protocol tcp tcp dport 22',
    'meta l4proto { tcp, udp } th dport 53',
    'ip protocol != udp tcp dport 22',
    'ip6 nexthdr ipv6-icmp icmpv6 type echo-request',
    'udp dport 4789 vxlan udp dport 53',
  ])('`%s` is no conflict', (rule) => {
    expect(() => parseNft(chain('inet', rule), 'ok.nft')).not.toThrow();
  });

  it('a raw payload off byte boundaries needs a mask of at most 128 bits', () => {
    const e = errors(chain('inet', 'udp length . @th,160,138 vmap { 47-63 . 0x1 : accept }'));
    expect(e.diagnostics[0]?.message).toBe('mask length 144 exceeds allowed maximum of 128');
    expect(() => parseNft(chain('inet', '@th,160,120 0x1'), 'ok.nft')).not.toThrow();
    expect(() => parseNft(chain('inet', '@th,161,127 0x1'), 'ok.nft')).not.toThrow();
  });

  it('object references name an object of that type in the table', () => {
    const e = errors(chain('ip', 'synproxy name ip saddr map { 10.0.0.0/8 : "x" }'));
    expect(e.diagnostics[0]?.message).toBe("synproxy 'x' does not exist in table ip t");
    const q = '\tquota q { 25 mbytes }\n';
    expect(() => parseNft(chain('ip', 'quota name "q" drop', q), 'ok.nft')).not.toThrow();
    expect(errors(chain('ip', 'counter name "q"', q)).diagnostics[0]?.message).toBe(
      "counter 'q' does not exist in table ip t",
    );
    const m = errors(
      'table ip x {\n\tmap m {\n\t\ttypeof ct saddr : ct expectation\n\t\telements = { * : none }\n\t}\n}\n',
    );
    expect(m.diagnostics[0]).toMatchObject({
      line: 4,
      message: "ct expectation 'none' does not exist in table ip x",
    });
  });

  it('arp tables have no conntrack', () => {
    const e = errors(chain('arp', 'ct mark 1 accept'));
    expect(e.diagnostics[0]).toMatchObject({ line: 3, col: 3 });
    expect(e.diagnostics[0]?.message).toContain('arp tables');
    const o = errors('table arp t {\n\tct helper h {\n\t\ttype "ftp" protocol tcp\n\t}\n}\n');
    expect(o.diagnostics[0]?.message).toContain('ct helper objects are not supported in arp');
  });

  it.each([
    ['', 'tunnel t has no id'],
    ['id 1', 'tunnel t has no ip/ip6 address'],
    ['id 1; ip saddr 1.2.3.4; ip saddr 1.2.3.5', 'saddr is already set'],
    ['id 1; ip saddr { 1.2.3.4, 5.6.7.8 }', "expecting 'ip saddr|daddr ADDRESS'"],
    ['id 1; ip saddr tcp dport { }', "expecting 'ip saddr|daddr ADDRESS'"],
    ['id 1; ip saddr 1.2.3.4; ip6 daddr ::1', 'specify either ip or ip6'],
  ])('tunnel { %s } is refused', (body, message) => {
    const e = errors(`table netdev x {\n\ttunnel t {\n\t\t${body}\n\t}\n}\n`);
    expect(e.diagnostics[0]?.message).toContain(message);
    expect(e.diagnostics[0]?.line).toBe(2);
  });

  it('a tunnel address given as a set variable is refused', () => {
    const e = errors(
      'define s = { 1.2.3.4, 5.6.7.8 }\ntable netdev x {\n\ttunnel t {\n\t\tid 1\n\t\tip saddr $s\n\t}\n}\n',
    );
    expect(e.diagnostics[0]?.message).toContain('ip saddr must be a value');
  });
});

describe('reject as nft 1.0.6 lists it', () => {
  it('drops `type` and lists the family default as plain reject', () => {
    // Input and expected listing as seen with `nft -f` and `nft list ruleset` in a netns.
    const input =
      'table ip t {\n\tchain c {\n\t\treject with icmp type host-unreachable\n\t\treject with icmp type port-unreachable\n\t\treject with icmp 3\n\t}\n}\n' +
      'table ip6 t6 {\n\tchain c {\n\t\treject with icmpv6 type admin-prohibited\n\t\treject with icmpv6 port-unreachable\n\t}\n}\n' +
      'table inet ti {\n\tchain c {\n\t\treject with icmpx type admin-prohibited\n\t\treject with icmp port-unreachable\n\t\treject with icmpv6 port-unreachable\n\t\treject with icmpx port-unreachable\n\t}\n}\n';
    const listed =
      'table ip t {\n\tchain c {\n\t\treject with icmp host-unreachable\n\t\treject\n\t\treject\n\t}\n}\n' +
      'table ip6 t6 {\n\tchain c {\n\t\treject with icmpv6 admin-prohibited\n\t\treject\n\t}\n}\n' +
      'table inet ti {\n\tchain c {\n\t\treject with icmpx admin-prohibited\n\t\treject with icmp port-unreachable\n\t\treject with icmpv6 port-unreachable\n\t\treject\n\t}\n}\n';
    expect(printRuleset(parseNft(input, 'reject.nft'))).toBe(listed);
  });
});

describe('spans', () => {
  it('give the line and column of the tokens they start and end at', () => {
    const text =
      'define p = 22\r\ntable inet t {\n\tchain c {\n\t\ttcp dport $p \\\n\t\t  ip saddr 10.0.0.0/8 accept\n' +
      '\t\tmeta mark set 0x1 counter name "c" comment "x"\n\t}\n\tcounter c {\n\t}\n}\n';
    const rs = parseNft(text, 'spans.nft');
    const { tokens } = lex(text, 'spans.nft');
    const starts = new Map(tokens.map((t) => [t.offset, t]));
    const ends = new Map(tokens.map((t) => [t.end, t]));
    // Read through the nodes, not JSON: most nodes make their span when it is first read.
    const spans: Span[] = [];
    const walk = (x: unknown): void => {
      if (x === null || typeof x !== 'object') return;
      if (Array.isArray(x)) {
        for (const v of x) walk(v);
        return;
      }
      const span = (x as { span?: Span }).span;
      if (span) spans.push(span);
      for (const [k, v] of Object.entries(x)) if (k !== 'span') walk(v);
      if ('statements' in x) walk((x as { statements: unknown }).statements);
    };
    walk(rs.tables);
    expect(spans.length).toBeGreaterThan(20);
    for (const s of spans) {
      const first = starts.get(s.offset);
      const last = ends.get(s.end);
      expect([s.line, s.col]).toEqual([first?.line, first?.col]);
      expect([s.endLine, s.endCol]).toEqual([
        last?.line,
        (last?.col ?? 0) + (s.end - (last?.offset ?? 0)),
      ]);
    }
  });

  it('are made when read, and texts are the source they cover, for the shapes a listing repeats', () => {
    const text = kubeProxyRuleset(20);
    const rs = parseNft(text, 'kube.nft');
    let rules = 0;
    let statements = 0;
    for (const c of rs.tables[0]?.chains ?? []) {
      for (const r of c.rules) {
        rules++;
        const rspan = r.span as Span;
        expect(r.text).toBe(text.slice(rspan.offset, rspan.end));
        // The plain rule a JSON reader of the model sees carries both.
        expect(JSON.parse(JSON.stringify(r))).toMatchObject({
          text: r.text,
          span: { line: rspan.line },
        });
        for (const st of r.statements) {
          statements++;
          const sspan = st.span as Span;
          expect(st.text).toBe(text.slice(sspan.offset, sspan.end));
          expect(sspan.offset).toBeGreaterThanOrEqual(rspan.offset);
          expect(sspan.end).toBeLessThanOrEqual(rspan.end);
          if (st.kind === 'match') {
            for (const e of [st.left, st.right]) {
              const espan = e.span as Span;
              expect(espan.offset).toBeGreaterThanOrEqual(sspan.offset);
              expect(espan.end).toBeLessThanOrEqual(sspan.end);
              if (e.kind === 'value') expect(text.slice(espan.offset, espan.end)).toBe(e.text);
            }
          }
        }
      }
    }
    // Two rules a service (the jump, the dnat) and the five of the base chains.
    expect(rules).toBe(2 * 20 + 5);
    expect(statements).toBeGreaterThan(100);
  });
});
