/**
 * nfwalk capture's readers, on tool output as `ip -j`, `bridge -j` and `ss` print it (shapes
 * copied from this machine's iproute2), and the scenario they build: it must load with the
 * scenario loader, keep user data out of the YAML syntax, and say what it left out.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { CaptureError, capture, scenarioName } from '../../src/capture/index.ts';
import { readLinks } from '../../src/capture/links.ts';
import { readListens } from '../../src/capture/listens.ts';
import { readMachines } from '../../src/capture/machines.ts';
import { readRoutes } from '../../src/capture/routes.ts';
import type { Sources } from '../../src/capture/sources.ts';
import { loadScenario } from '../../src/scenario/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const links = [
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], link_type: 'loopback' },
  { ifindex: 2, ifname: 'eth0', flags: ['BROADCAST', 'UP'], link_type: 'ether' },
  { ifindex: 3, ifname: 'ifb0', flags: ['BROADCAST', 'NOARP'], linkinfo: { info_kind: 'ifb' } },
  { ifindex: 4, ifname: 'docker0', flags: ['UP'], linkinfo: { info_kind: 'bridge' } },
  {
    ifindex: 5,
    ifname: 'veth1a2b',
    flags: ['UP'],
    master: 'docker0',
    linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' },
  },
  {
    ifindex: 6,
    ifname: 'veth3c4d',
    flags: ['UP'],
    master: 'docker0',
    linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' },
  },
];
const addrs = [
  {
    ifname: 'lo',
    addr_info: [
      { family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' },
      { family: 'inet6', local: '::1', prefixlen: 128, scope: 'host' },
    ],
  },
  {
    ifname: 'eth0',
    addr_info: [
      { family: 'inet', local: '192.168.1.10', prefixlen: 24, scope: 'global' },
      { family: 'inet6', local: '2001:db8:1::10', prefixlen: 64, scope: 'global' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ],
  },
  { ifname: 'ifb0', addr_info: [] },
  {
    ifname: 'docker0',
    addr_info: [{ family: 'inet', local: '172.17.0.1', prefixlen: 16, scope: 'global' }],
  },
  { ifname: 'veth1a2b', addr_info: [] },
  { ifname: 'veth3c4d', addr_info: [] },
];
const bridgePorts = [
  { ifindex: 5, ifname: 'veth1a2b', master: 'docker0', state: 'forwarding' },
  { ifindex: 6, ifname: 'veth3c4d', master: 'docker0', state: 'forwarding' },
];
const neighbours = [
  { dst: '192.168.1.1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: ['REACHABLE'] },
  { dst: '2001:db8:1::1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: ['STALE'] },
  { dst: 'fe80::1', dev: 'eth0', lladdr: '02:00:00:00:00:01', state: ['STALE'] },
  { dst: '192.168.1.77', dev: 'eth0', state: ['FAILED'] },
  { dst: '172.17.0.2', dev: 'docker0', lladdr: '02:42:AC:11:00:02', state: ['PERMANENT'] },
  { dst: '172.17.0.3', dev: 'docker0', lladdr: '02:42:ac:11:00:03', state: ['STALE'] },
  { dst: '172.17.0.9', dev: 'docker0', lladdr: '02:42:ac:11:00:09', state: ['STALE'] },
];
const fdb = [
  { mac: '33:33:00:00:00:01', ifname: 'eth0', flags: ['self'], state: 'permanent' },
  { mac: '02:42:ac:11:00:02', ifname: 'veth1a2b', master: 'docker0', state: 'static' },
  { mac: '02:42:ac:11:00:03', ifname: 'veth3c4d', master: 'docker0', state: '' },
  { mac: '02:42:ac:11:00:09', ifname: 'veth3c4d', master: 'docker0', state: '' },
  { mac: 'aa:bb:cc:dd:ee:ff', ifname: 'docker0', flags: ['self'], state: 'permanent' },
];
const routes4 = [
  { dst: 'default', gateway: '192.168.1.1', dev: 'eth0', flags: [] },
  { dst: 'default', gateway: '192.168.1.254', dev: 'eth0', metric: 200, flags: [] },
  { dst: '10.9.0.0/16', gateway: '172.17.0.3', dev: 'docker0', flags: [] },
  { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', flags: [] },
  { dst: '192.168.1.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', flags: [] },
  { type: 'blackhole', dst: '10.66.0.0/16', flags: [] },
  { dst: '203.0.113.7', gateway: '10.255.0.1', dev: 'eth0', flags: [] },
];
const routes6 = [
  { dst: '2001:db8:1::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
  { dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
  { dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra', metric: 1024, flags: [] },
];
const ss = [
  'tcp   LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*',
  'tcp   LISTEN 0      4096            [::]:22           [::]:*',
  'udp   UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*',
  'tcp   LISTEN 0      511        127.0.0.1:41985     0.0.0.0:*',
  'udp   UNCONN 0      0      0.0.0.0%eth0:68         0.0.0.0:*',
  'tcp   LISTEN 0      128   [2001:db8:1::10]:8443       [::]:*',
  '',
].join('\n');

function sources(over: Partial<Sources> = {}): Sources {
  return {
    nftRuleset:
      'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n',
    iptablesLegacySave: '',
    links,
    addrs,
    bridgePorts,
    routes4,
    routes6,
    neighbours,
    fdb,
    sockets: ss,
    sysctl: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' },
    rules4: [
      { priority: 0, src: 'all', table: 'local' },
      { priority: 100, src: '10.8.0.0/24', table: 'vpn' },
      { priority: 32766, src: 'all', table: 'main' },
      { priority: 32767, src: 'all', table: 'default' },
    ],
    rules6: [
      { priority: 0, src: 'all', table: 'local' },
      { priority: 32766, src: 'all', table: 'main' },
    ],
    notes: [],
    ...over,
  };
}

describe('capture readers', () => {
  it('listens: every non-loopback socket once, loopback-only ones kept apart', () => {
    expect(readListens(ss)).toEqual({
      listens: ['tcp/22', 'tcp/8443', 'udp/68'],
      loopbackOnly: ['tcp/41985', 'udp/53'],
    });
  });

  it('interfaces: bridge ports and idle devices left out, link-local addresses dropped', () => {
    const l = readLinks(links, addrs, bridgePorts);
    expect(l.interfaces).toEqual([
      { name: 'lo', kind: 'link', addresses: ['127.0.0.1/8', '::1/128'] },
      { name: 'eth0', kind: 'link', addresses: ['192.168.1.10/24', '2001:db8:1::10/64'] },
      { name: 'docker0', kind: 'bridge', addresses: ['172.17.0.1/16'] },
    ]);
    expect([...l.portOf]).toEqual([
      ['veth1a2b', 'docker0'],
      ['veth3c4d', 'docker0'],
    ]);
    expect(l.notes.join('\n')).toContain('ifb0');
  });

  it('routes: connected ones implicit; what a scenario cannot hold is left out with a reason', () => {
    const ifaces = readLinks(links, addrs, bridgePorts).interfaces;
    const notes: string[] = [];
    expect(readRoutes(routes4, 4, ifaces, notes)).toEqual([
      { to: 'default', via: '192.168.1.1', dev: 'eth0' },
      { to: '10.9.0.0/16', via: '172.17.0.3', dev: 'docker0' },
    ]);
    expect(readRoutes(routes6, 6, ifaces, notes)).toEqual([]);
    const all = notes.join('\n');
    expect(all).toContain('second IPv4 default route default via 192.168.1.254');
    expect(all).toContain('route blackhole 10.66.0.0/16 left out');
    expect(all).toContain(
      '203.0.113.7 via 10.255.0.1 dev eth0 left out: the gateway is on no network',
    );
    expect(all).toContain('default via fe80::1 dev eth0 left out');
  });

  it('machines: one per interface and MAC, ports from the FDB, one machine per port', () => {
    const l = readLinks(links, addrs, bridgePorts);
    const notes: string[] = [];
    expect(readMachines(neighbours, fdb, l.interfaces, l.portOf, notes)).toEqual([
      { name: 'eth0-192.168.1.1', interface: 'eth0', addresses: ['192.168.1.1', '2001:db8:1::1'] },
      {
        name: 'docker0-172.17.0.2',
        interface: 'docker0',
        port: 'veth1a2b',
        mac: '02:42:ac:11:00:02',
        addresses: ['172.17.0.2'],
      },
      {
        name: 'docker0-172.17.0.3',
        interface: 'docker0',
        port: 'veth3c4d',
        mac: '02:42:ac:11:00:03',
        addresses: ['172.17.0.3'],
      },
    ]);
    expect(notes.join('\n')).toContain(
      'docker0-172.17.0.9 (02:42:ac:11:00:09) is behind port veth3c4d',
    );
  });
});

describe('capture (from given tool output)', () => {
  const now = new Date('2026-11-26T04:00:00Z');

  it('writes a scenario that loads, with its ruleset beside it and an example conversation', async () => {
    const out = mkdtempSync(join(dir, 'a-'));
    const r = await capture({ outDir: out, name: 'web1', sources: sources(), now });
    expect(r.diagnostics).toEqual([]);
    const sc = loadScenario(r.scenarioPath);
    expect(sc.ruleset.format).toBe('nft');
    expect(readFileSync(r.rulesetPath, 'utf8')).toBe(sources().nftRuleset);
    expect(sc.host.interfaces.map((i) => `${i.name}:${i.kind}`)).toEqual([
      'lo:link',
      'eth0:link',
      'docker0:bridge',
    ]);
    expect(sc.host.listens).toEqual([
      { protocol: 'tcp', port: 22 },
      { protocol: 'tcp', port: 8443 },
      { protocol: 'udp', port: 68 },
    ]);
    expect(sc.host.sysctl['net.ipv4.ip_forward']).toBe(1);
    expect(sc.host.sysctl['net.bridge.bridge-nf-call-iptables']).toBe(0);
    expect(sc.hosts.map((m) => m.port ?? '-')).toEqual(['-', 'veth1a2b', 'veth3c4d']);
    expect(sc.packets).toEqual([
      expect.objectContaining({ from: 'eth0-192.168.1.1', to: '192.168.1.10', dport: 22 }),
    ]);
    const text = readFileSync(r.scenarioPath, 'utf8');
    expect(text).toContain('# Captured by nfwalk capture from web1 at 2026-11-26T04:00:00Z.');
    expect(text).toContain('also open on loopback addresses only: tcp/41985, udp/53');
    expect(text).toMatch(/# One conversation each, in order\. This first one is only an example/);
    expect(r.notes.join('\n')).toContain('br_netfilter is not loaded');
    // A rule naming its table by an rt_tables name cannot be written without the number.
    expect(r.notes).toContain(
      'IPv4 ip rule "priority 100 src 10.8.0.0/24 table vpn" left out: its table "vpn" is not a number (a name from rt_tables: write its number)',
    );
    expect(r.notes.join('\n')).not.toContain('IPv6 ip rule');
    expect(sc.host.rules).toBeUndefined();
  });

  it('captures ip rules and the tables they name (wg-quick), as ip -j prints them on 6.18', async () => {
    const out = mkdtempSync(join(dir, 'pr-'));
    const rules4 = [
      { priority: 0, src: 'all', table: 'local' },
      {
        priority: 100,
        src: '192.168.1.0',
        srclen: 24,
        dst: '1.2.3.0',
        dstlen: 24,
        fwmark: '0x1',
        fwmask: '0xff',
        iif: 'eth0',
        table: '200',
      },
      { priority: 32764, src: 'all', table: 'main', suppress_prefixlen: 0 },
      { priority: 32765, not: null, src: 'all', fwmark: '0xca6c', table: '51820' },
      { priority: 32766, src: 'all', table: 'main' },
      { priority: 32767, src: 'all', table: 'default' },
      { priority: 32768, src: 'all', ipproto: 'tcp', table: '200' },
    ];
    const tableRoutes = {
      200: { v4: [{ dst: '1.2.3.0/24', gateway: '192.168.1.1', dev: 'eth0', flags: [] }] },
      51820: { v4: [{ dst: 'default', dev: 'eth0', scope: 'link', flags: [] }] },
    };
    const r = await capture({
      outDir: out,
      name: 'wg',
      sources: sources({ rules4, tableRoutes }),
      now,
    });
    expect(r.diagnostics).toEqual([]);
    const sc = loadScenario(r.scenarioPath);
    expect(
      sc.host.rules?.map((x) => [x.priority, x.not, x.table, x.suppressPrefixlength, x.fwmark]),
    ).toEqual([
      [100, false, 200, undefined, { value: 1, mask: 0xff }],
      [32764, false, 254, 0, undefined],
      [32765, true, 51820, undefined, { value: 0xca6c, mask: 0xffffffff }],
    ]);
    expect(sc.host.rules?.[0]).toMatchObject({
      from: { address: '192.168.1.0', prefix: 24 },
      to: { address: '1.2.3.0', prefix: 24 },
      iif: 'eth0',
    });
    expect(
      sc.host.tables?.map((t) => [
        t.id,
        t.routes.map((x) => `${x.to.address}/${x.to.prefix} ${x.via ?? '-'} ${x.dev}`),
      ]),
    ).toEqual([
      [200, ['1.2.3.0/24 192.168.1.1 eth0']],
      [51820, ['0.0.0.0/0 - eth0']],
    ]);
    expect(r.notes.join('\n')).toContain(
      'ip rule "priority 32768 src all ipproto tcp table 200" left out: it uses ipproto',
    );
  });

  it('takes iptables-legacy rules only when nftables has none', async () => {
    const save =
      '*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';
    const out = mkdtempSync(join(dir, 'b-'));
    const r = await capture({
      outDir: out,
      name: 'old',
      sources: sources({ nftRuleset: '', iptablesLegacySave: save }),
      now,
    });
    expect(r.rulesetPath).toBe(join(out, 'old.rules'));
    expect(loadScenario(r.scenarioPath).ruleset.format).toBe('iptables-save');
    expect(r.notes.join('\n')).toContain('only iptables-legacy rules exist');
  });

  it('keeps text from the machine out of the YAML syntax', async () => {
    const out = mkdtempSync(join(dir, 'c-'));
    const hostile = 'x\n- injected: true\n"quote" #comment';
    const r = await capture({
      outDir: out,
      name: 'odd',
      sources: sources({ neighbours: [], notes: [`could not read: ${hostile}`] }),
      now,
    });
    const doc = parseDocument(readFileSync(r.scenarioPath, 'utf8'));
    expect(doc.errors).toEqual([]);
    expect(Object.keys(doc.toJS() as object)).toEqual([
      'title',
      'summary',
      'ruleset',
      'host',
      'hosts',
      'packets',
    ]);
    // Without a neighbour the example is the host talking to itself.
    expect(loadScenario(r.scenarioPath).packets[0]).toMatchObject({
      from: 'host',
      protocol: 'icmp',
    });
  });

  it('says when nfwalk cannot read the captured ruleset, with its position', async () => {
    const out = mkdtempSync(join(dir, 'e-'));
    const r = await capture({
      outDir: out,
      name: 'unread',
      sources: sources({ nftRuleset: 'table inet t {\n\tchain c {\n\t\tbogus things\n\t}\n}\n' }),
      now,
    });
    expect(r.diagnostics).toEqual([]);
    expect(
      r.notes.find((n) => n.startsWith('nfwalk cannot read the captured ruleset yet:')),
    ).toMatch(/unread\.nft:3:/);
  });

  it('refuses a name that is not a file name, and never overwrites', async () => {
    expect(() => scenarioName({ name: '../etc/passwd' })).toThrow(CaptureError);
    const out = mkdtempSync(join(dir, 'd-'));
    await capture({ outDir: out, name: 'twice', sources: sources(), now });
    await expect(capture({ outDir: out, name: 'twice', sources: sources(), now })).rejects.toThrow(
      /already exists; not overwritten/,
    );
  });
});
