import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Diagnostic, formatDiagnostic } from '../../src/ruleset/diagnostics.ts';
import { loadScenario, parseScenario } from '../../src/scenario/load.ts';
import { scenarioErrors, scratch, VALID } from './helpers.ts';

let s: ReturnType<typeof scratch>;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.done());

const errorsOf = (text: string): Diagnostic[] => scenarioErrors(text, s.dir);

/** The 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('loadScenario: a valid scenario', () => {
  it('loads with defaults filled in and addresses normalised', () => {
    const path = s.write('ok.yaml', VALID);
    const sc = loadScenario(path);
    expect(sc.title).toBe('RADIUS through Docker');
    expect(sc.lang).toBe('en');
    expect(sc.host.name).toBe('host');
    expect(sc.ruleset).toMatchObject({
      format: 'nft',
      path: 'rules.nft',
      resolved: join(s.dir, 'rules.nft'),
    });
    expect(sc.host.interfaces.map((i) => [i.name, i.kind])).toEqual([
      ['lo', 'link'],
      ['ens192', 'link'],
      ['docker1', 'bridge'],
    ]);
    expect(sc.host.interfaces[1]!.addresses[1]).toEqual({
      address: '2001:db8::1',
      prefix: 64,
      family: 6,
    });
    expect(sc.host.routes).toEqual([
      expect.objectContaining({
        to: { address: '0.0.0.0', prefix: 0, family: 4 },
        via: '10.254.10.1',
        dev: 'ens192',
      }),
    ]);
    expect(sc.host.sysctl).toEqual({
      'net.ipv4.ip_forward': 1,
      'net.ipv6.conf.all.forwarding': 0,
      'net.bridge.bridge-nf-call-iptables': 1,
      'net.bridge.bridge-nf-call-ip6tables': 1,
    });
    expect(sc.host.listens).toEqual([{ protocol: 'tcp', port: 22 }]);
    const radius = sc.hosts[1]!;
    expect(radius).toMatchObject({
      name: 'radius',
      interface: 'docker1',
      port: 'veth1',
      mac: '02:42:ac:14:00:04',
    });
    expect(radius.listens).toEqual([{ protocol: 'udp', port: 1812 }]);
    expect(sc.hosts[0]!.port).toBeUndefined();
    expect(sc.packets).toEqual([
      expect.objectContaining({
        from: 'client',
        to: '10.254.10.252',
        protocol: 'udp',
        sport: 40000,
        dport: 1812,
      }),
    ]);
    expect(sc.packets[0]!.span).toMatchObject({
      file: path,
      line: lineOf(VALID, '- from: client'),
    });
  });

  it('accepts the three ruleset forms and other net.* sysctls', () => {
    s.write('r.json', '{}');
    s.write('r.rules', '*filter\nCOMMIT\n');
    for (const [form, format] of [
      ['ruleset: {nft: rules.nft}', 'nft'],
      ['ruleset: {nft-json: r.json}', 'nft-json'],
      ['ruleset:\n  iptables-save: r.rules', 'iptables-save'],
    ] as const) {
      const sc = parseScenario(VALID.replace('ruleset: rules.nft', form), 'x.yaml', s.dir);
      expect(sc.ruleset.format).toBe(format);
    }
    const sc = parseScenario(
      VALID.replace(
        '    net.ipv4.ip_forward: 1',
        '    net.ipv4.ip_forward: 1\n    net.ipv4.conf.all.rp_filter: 2',
      ),
      'x.yaml',
      s.dir,
    );
    expect(sc.host.sysctl['net.ipv4.conf.all.rp_filter']).toBe(2);
  });

  it('loads every scenario shipped in scenarios/', async () => {
    const { readdirSync } = await import('node:fs');
    const dir = new URL('../../scenarios/', import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(() => loadScenario(join(dir, f)), f).not.toThrow();
  });
});

describe('loadScenario: errors name file, line, column and key', () => {
  it('formats an unknown key with a suggestion, at the key', () => {
    const text = VALID.replace('    addresses: [172.20.0.4]', '    adress: [172.20.0.4]');
    const errs = errorsOf(text);
    const unknown = errs.find((e) => e.message.startsWith('unknown key'));
    expect(formatDiagnostic(unknown!)).toBe(
      `x.yaml:${lineOf(text, 'adress')}:5: error: unknown key "adress" in hosts[1] (did you mean "addresses"?)\n`,
    );
    // The missing addresses are reported too, at the machine's mapping.
    expect(errs.some((e) => e.message === 'missing key "addresses" in hosts[1]')).toBe(true);
  });

  it('reports every error, not only the first, in file order', () => {
    const text = VALID.replace('lang: en', 'lang: fr')
      .replace('10.254.10.252/24', '10.254.10.252')
      .replace('udp/1812', 'sctp/1812')
      .replace('    sport: 40000\n', '')
      .replace('from: client', 'from: nobody');
    const errs = errorsOf(text);
    const messages = errs.map((e) => e.message);
    expect(messages).toEqual([
      'lang must be "en" or "ja", not "fr"',
      'host.interfaces[1].addresses[0]: "10.254.10.252" needs a prefix length, like 10.254.10.252/24',
      // A consequence of the address above: ens192 has no network left for the gateway.
      "host.routes[0]: the gateway 10.254.10.1 is on no network of the host's interfaces",
      'hosts[1].listens[0]: "sctp/1812" is not a socket like tcp/22 or udp/1812 (port 1 to 65535)',
      // Reported at the packet's mapping (column 5), before the `from` value (column 11).
      'packets[0]: a udp packet needs "sport"',
      'packets[0].from: no machine is named "nobody" (write "host" or one of: client, radius)',
    ]);
    expect(errs[0]).toMatchObject({ file: 'x.yaml', line: lineOf(text, 'lang: fr'), col: 7 });
    const lines = errs.map((e) => e.line);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('refuses wrong types with what was found', () => {
    const errs = errorsOf(
      VALID.replace('sport: 40000', 'sport: "40000"').replace(
        'title: RADIUS through Docker',
        'title: [a]',
      ),
    );
    expect(errs.map((e) => e.message)).toEqual([
      'title must be a string, not a list',
      'packets[0].sport must be a whole number, not a string ("40000")',
    ]);
  });

  it('refuses missing top-level keys and YAML syntax errors with positions', () => {
    expect(errorsOf('title: x\n').map((e) => e.message)).toEqual([
      'missing key "ruleset" in the top level',
      'missing key "host" in the top level',
      'missing key "hosts" in the top level',
      'missing key "packets" in the top level',
    ]);
    const bad = errorsOf('title: x\nhost: [\n');
    expect(bad[0]!.message).toMatch(/^invalid YAML/);
    expect(bad[0]!.line).toBeGreaterThanOrEqual(2);
    const dup = errorsOf(`${VALID}title: again\n`);
    expect(dup[0]!.message).toMatch(/^invalid YAML: Map keys must be unique/);
    expect(errorsOf('- a\n- b\n')[0]!.message).toBe(
      'the top level must be a mapping (key: value lines), not a list',
    );
    expect(errorsOf('')[0]).toMatchObject({ line: 1, col: 1 });
  });

  it('checks addresses, MACs, routes, sysctls and references between sections', () => {
    const text = VALID.replace('via: 10.254.10.1', 'via: 192.168.9.1')
      .replace('02:42:AC:14:00:04', '03:42:ac:14:00:04')
      .replace('net.ipv4.ip_forward: 1', 'net.ipv4.ip_forward: 2\n    kernel.panic: 1')
      .replace('interface: ens192', 'interface: eth0')
      .replace('to: 10.254.10.252', 'to: 10.254.10.300');
    const messages = errorsOf(text).map((e) => e.message);
    expect(messages).toEqual([
      "host.routes[0]: the gateway 192.168.9.1 is on no network of the host's interfaces",
      'host.sysctl.net.ipv4.ip_forward must be between 0 and 1, not 2',
      'unknown key "kernel.panic" in host.sysctl',
      'hosts[0].interface: the host has no interface "eth0" (it has "lo", "ens192", "docker1")',
      'hosts[1].mac: "03:42:ac:14:00:04" is a multicast MAC address; a machine needs a unicast one',
      'packets[0].to: "10.254.10.300" is not an IPv4 or IPv6 address',
    ]);
  });

  it('reads policy routing: rules with their defaults, tables by name or number', () => {
    const text = VALID.replace(
      '  sysctl:',
      [
        '  tables:',
        '    - id: 51820',
        '      name: wg',
        '      routes:',
        '        - to: 0.0.0.0/0',
        '          dev: ens192',
        '  rules:',
        '    - not: true',
        '      fwmark: 0xca6c',
        '      table: wg',
        '    - table: main',
        '      suppress_prefixlength: 0',
        '    - from: 172.20.0.0/24',
        '      iif: docker1',
        '      fwmark: "0x1/0xff"',
        '      priority: 100',
        '      table: 51820',
        '    - to: "2001:db8::/32"',
        '      table: main',
        '  sysctl:',
      ].join('\n'),
    );
    const sc = loadScenario(s.write('pr.yaml', text));
    // Without a priority, as `ip rule add`: one below the second rule's (32765, then 32764).
    expect(sc.host.rules?.map((r) => [r.family, r.priority, r.not, r.table, r.tableName])).toEqual([
      [4, 32765, true, 51820, 'wg'],
      [4, 32764, false, 254, 'main'],
      [4, 100, false, 51820, undefined],
      [6, 32765, false, 254, 'main'],
    ]);
    expect(sc.host.rules?.[0]?.fwmark).toEqual({ value: 0xca6c, mask: 0xffffffff });
    expect(sc.host.rules?.[2]).toMatchObject({
      from: { address: '172.20.0.0', prefix: 24 },
      iif: 'docker1',
      fwmark: { value: 1, mask: 0xff },
    });
    expect(sc.host.rules?.[1]?.suppressPrefixlength).toBe(0);
    expect(sc.host.tables?.[0]?.routes[0]).toMatchObject({ dev: 'ens192' });
    // A v1 file has neither, and routes as before.
    expect(loadScenario(s.write('v1.yaml', VALID)).host.rules).toBeUndefined();
  });

  it('refuses bad policy routing at the line of the value', () => {
    const text = VALID.replace(
      '  sysctl:',
      [
        '  tables:',
        '    - id: 254',
        '      routes: []',
        '    - id: 7',
        '      name: main',
        '      routes: []',
        '  rules:',
        '    - table: nowhere',
        '    - table: 7',
        '      iif: eth9',
        '    - table: 7',
        '      fwmark: 0xzz',
        '    - table: 7',
        '      from: 10.0.0.0/8',
        '      to: "2001:db8::/32"',
        '    - table: 7',
        '      not: 1',
        '  sysctl:',
      ].join('\n'),
    );
    const errors = errorsOf(text);
    expect(errors.map((e) => e.message)).toEqual(
      [
        "host.tables[0].id: table 254 is the kernel's own (default, main, local); main's routes go in host.routes",
        'host.tables[1].name: "main" cannot name a table',
        'host.rules[0].table: no table is named "nowhere" (local, main, default, or a number)',
        'host.rules[1].iif: "eth9" names no interface of the host',
        'host.rules[2].fwmark: "0xzz" is not a mark (like 0xca6c or 0x1/0xff)',
        'host.rules[3]: from, to and family disagree on the address family',
        'host.rules[4].not must be true or false',
      ].map((m) => (m.includes('0xzz') ? errors[4]!.message : m)),
    );
    expect(errors[0]!.line).toBe(lineOf(text, '- id: 254'));
    expect(errors[3]!.line).toBe(lineOf(text, 'iif: eth9'));
    expect(errors[4]!.line).toBe(lineOf(text, 'fwmark: 0xzz'));
    expect(errors[3]!.col).toBe(12);
  });

  it('refuses an ip rule equal to an earlier one, as the kernel does (File exists)', () => {
    const rule = ['    - priority: 100', '      from: 10.0.0.0/8', '      table: main'];
    const text = VALID.replace(
      '  sysctl:',
      [
        '  rules:',
        ...rule,
        '    - priority: 100',
        '      from: 10.0.0.0/16',
        '      table: main',
        ...rule,
        '  sysctl:',
      ].join('\n'),
    );
    const errors = errorsOf(text);
    expect(errors.map((e) => e.message)).toEqual([
      'host.rules[2]: the same rule as host.rules[0]; the kernel refuses it (ip rule add: File exists)',
    ]);
    expect(errors[0]!.line).toBe(text.split('\n').lastIndexOf('    - priority: 100') + 1);
  });

  it('checks the packet against its sender and its protocol', () => {
    const icmp = VALID.replace(
      'protocol: udp\n    sport: 40000\n    dport: 1812',
      'protocol: icmp\n    dport: 1',
    );
    expect(errorsOf(icmp).map((e) => e.message)).toEqual([
      'packets[0]: "dport" has no meaning for icmp',
    ]);
    const v6 = VALID.replace('to: 10.254.10.252', 'to: "2001:db8::1"').replace(
      'from: client',
      'from: radius',
    );
    expect(errorsOf(v6).map((e) => e.message)).toEqual([
      'packets[0].from: "radius" has no IPv6 address to send to 2001:db8::1 from',
    ]);
    const spoof = VALID.replace('dport: 1812', 'dport: 1812\n    saddr: 10.254.10.99');
    expect(errorsOf(spoof).map((e) => e.message)).toEqual([
      'packets[0].saddr: 10.254.10.99 is not an address of "client"',
    ]);
    const icmp6 = VALID.replace('to: 10.254.10.252', 'to: "2001:db8::1"').replace(
      'protocol: udp\n    sport: 40000\n    dport: 1812',
      'protocol: icmp',
    );
    expect(errorsOf(icmp6).map((e) => e.message)).toEqual([
      'packets[0]: 2001:db8::1 is IPv6; use protocol icmpv6',
    ]);
  });

  it('refuses an address owned twice', () => {
    const text = VALID.replace('addresses: [172.20.0.4]', 'addresses: [172.20.0.1, 10.254.10.105]');
    expect(errorsOf(text).map((e) => e.message)).toEqual([
      'hosts[1].addresses[0]: 172.20.0.1 is already an address of the host (docker1)',
      'hosts[1].addresses[1]: 10.254.10.105 is already an address of "client"',
    ]);
  });

  it('refuses port names on non-bridges and clashing port names', () => {
    const text = VALID.replace(
      '    interface: ens192\n',
      '    interface: ens192\n    port: vethc\n',
    ).replace('    mac: 02', '    port: docker1\n    mac: 02');
    expect(errorsOf(text).map((e) => e.message)).toEqual([
      'hosts[0].port: only a machine behind a bridge has a port ("ens192" is not a bridge)',
      'hosts[1].port: "docker1" is already the name of another interface',
    ]);
  });

  it('keeps the ruleset inside the scenario folder', () => {
    const outside = scratch();
    try {
      symlinkSync(join(outside.dir, 'rules.nft'), join(s.dir, 'link.nft'));
      mkdirSync(join(s.dir, 'sub'));
      writeFileSync(join(s.dir, 'sub', 'in.nft'), '');
      const cases: [string, string][] = [
        [join(outside.dir, 'rules.nft'), 'is absolute'],
        ['../x/rules.nft', 'uses ".."'],
        ['sub/../rules.nft', 'uses ".."'],
        ['link.nft', 'symbolic link out of'],
        ['missing.nft', 'does not exist'],
        ['sub', 'is not a file'],
      ];
      for (const [path, message] of cases) {
        const errs = errorsOf(VALID.replace('ruleset: rules.nft', `ruleset: "${path}"`));
        expect(errs.length, path).toBe(1);
        expect(errs[0]!.message, path).toContain(message);
        expect(errs[0]!.line).toBe(3);
      }
      expect(
        parseScenario(VALID.replace('ruleset: rules.nft', 'ruleset: sub/in.nft'), 'x.yaml', s.dir)
          .ruleset.path,
      ).toBe('sub/in.nft');
      const two = errorsOf(
        VALID.replace('ruleset: rules.nft', 'ruleset: {nft: rules.nft, nft-json: rules.nft}'),
      );
      expect(two[0]!.message).toBe(
        'ruleset must give exactly one of nft, iptables-save, nft-json, not 2',
      );
    } finally {
      outside.done();
    }
  });

  it('says so when the file cannot be read', () => {
    expect(() => loadScenario(join(s.dir, 'nope.yaml'))).toThrow(
      /nope.yaml:1:1: error: cannot read the scenario: no such file/,
    );
  });
});
