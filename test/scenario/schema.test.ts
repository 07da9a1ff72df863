/**
 * The scenario JSON Schema (docs/spec/scenario.schema.json) against the loader: the file is what
 * src/scenario/schema.ts builds from the loader's own description of the format, every gallery
 * scenario and every `nfwalk new` output validates, and on a set of accepted and refused
 * variants the standard validator and the loader give the same verdict.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newScenario } from '../../src/cli/new-scenario.ts';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { parseScenarioText } from '../../src/scenario/parse.ts';
import { scenarioSchema } from '../../src/scenario/schema.ts';

const SCHEMA_PATH = 'docs/spec/scenario.schema.json';
const schemaText = readFileSync(SCHEMA_PATH, 'utf8');
const validate = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowMatchingProperties: true,
}).compile(JSON.parse(schemaText));

function schemaAccepts(yaml: string): boolean {
  return validate(parse(yaml)) === true;
}

function loaderAccepts(yaml: string): boolean {
  try {
    parseScenarioText(yaml, 'case.yaml', () => ({ resolved: '/nonexistent/ruleset' }));
    return true;
  } catch (e) {
    if (e instanceof ScenarioError) return false;
    throw e;
  }
}

const gallery = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));

describe('the scenario JSON Schema', () => {
  it('is the file src/scenario/schema.ts builds (run node scripts/scenario-schema.ts)', () => {
    // Compared as data: the linter formats the file.
    expect(JSON.parse(schemaText)).toEqual(scenarioSchema());
  });

  it.each(gallery)('validates gallery scenario %s, which names it on line 1', (f) => {
    const text = readFileSync(join('scenarios', f), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../docs/spec/scenario.schema.json',
    );
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('validates what nfwalk new writes, from the template and from the gallery', () => {
    for (const from of [undefined, 'scenarios/router-forward.yaml']) {
      const files = newScenario('/tmp/nfw-schema-case', from);
      expect(validate(parse(files.scenarioText)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

const BASE = readFileSync('templates/new-scenario.yaml', 'utf8').replace(
  'ruleset: RULESET',
  'ruleset: case.nft',
);

/** BASE with `from` replaced by `to` (each must occur in it). */
function variant(from: string, to: string): string {
  if (!BASE.includes(from)) throw new Error(`not in the template: ${from}`);
  return BASE.replace(from, to);
}

const PACKET = '    sport: 40000\n    dport: 22\n';
const SEG =
  '    segments:\n      - { dir: request, flags: [syn] }\n      - { dir: reply, flags: [syn, ack] }\n      - { dir: request, flags: [psh, ack], payload: 3, seq: 10 }\n';
const CASES: [string, string][] = [
  ['the template', BASE],
  ['an unknown top-level key', `${BASE}colour: blue\n`],
  ['no title', variant(/^title: .*\n/m.exec(BASE)![0], '')],
  ['a title that is a number', variant(/^title: .*\n/m.exec(BASE)![0], 'title: 12\n')],
  ['lang ja', `${BASE}lang: ja\n`],
  ['lang fr', `${BASE}lang: fr\n`],
  ['a translation', `${BASE}translations:\n  ja:\n    title: "x"\n    summary: "y"\n`],
  ['a translation into de', `${BASE}translations:\n  de:\n    title: "x"\n    summary: "y"\n`],
  ['ruleset as {nft: …}', variant('ruleset: case.nft', 'ruleset:\n  nft: case.nft')],
  [
    'ruleset with two formats',
    variant('ruleset: case.nft', 'ruleset:\n  nft: case.nft\n  nft-json: case.json'),
  ],
  ['ruleset in an unknown format', variant('ruleset: case.nft', 'ruleset:\n  pf: case.conf')],
  ['no hosts', variant(/^hosts:\n( {2}.*\n)+/m.exec(BASE)![0], '')],
  ['no packets', variant(/^packets:\n( {2}.*\n)+/m.exec(BASE)![0], 'packets: []\n')],
  ['protocol sctp', variant('protocol: tcp', 'protocol: sctp')],
  ['a port out of range', variant('dport: 22', 'dport: 70000')],
  ['tcp without dport', variant(PACKET, '    sport: 40000\n')],
  ['icmp without ports', variant(`protocol: tcp\n${PACKET}`, 'protocol: icmp\n')],
  ['icmp with ports', variant('protocol: tcp', 'protocol: icmp')],
  ['a machine named host', variant('- name: client', '- name: host')],
  ['a machine name with a space', variant('- name: client', '- name: "cli ent"')],
  ['a machine without addresses', variant('    addresses: [192.0.2.20]\n', '')],
  ['a machine with addresses: []', variant('addresses: [192.0.2.20]', 'addresses: []')],
  [
    'an interface kind bridge',
    variant('    - name: eth0\n', '    - name: eth0\n      kind: bridge\n'),
  ],
  ['an interface kind wifi', variant('    - name: eth0\n', '    - name: eth0\n      kind: wifi\n')],
  [
    'a route by dev',
    variant('  listens:', '  routes:\n    - to: 198.51.100.0/24\n      dev: eth0\n  listens:'),
  ],
  [
    'a route without via or dev',
    variant('  listens:', '  routes:\n    - to: 198.51.100.0/24\n  listens:'),
  ],
  [
    'a sysctl the simulator reads',
    variant('  listens:', '  sysctl:\n    net.ipv4.ip_forward: 1\n  listens:'),
  ],
  [
    'a read sysctl set to 2',
    variant('  listens:', '  sysctl:\n    net.ipv4.ip_forward: 2\n  listens:'),
  ],
  [
    'another net sysctl',
    variant('  listens:', '  sysctl:\n    net.core.somaxconn: 4096\n  listens:'),
  ],
  [
    'a sysctl outside net',
    variant('  listens:', '  sysctl:\n    kernel.pid_max: 4096\n  listens:'),
  ],
  ['a listen without a slash', variant('listens: [tcp/22]', 'listens: [tcp22]')],
  ['a host without interfaces', variant(/^ {2}interfaces:\n( {4}.*\n)+/m.exec(BASE)![0], '')],
  ['an unknown packet key', variant('    dport: 22\n', '    dport: 22\n    ttl: 3\n')],
  // Policy routing (issue 17).
  [
    'a table and a rule naming it',
    variant(
      '  listens:',
      '  tables:\n    - id: 100\n      name: wan2\n      routes:\n        - to: 0.0.0.0/0\n          dev: eth0\n  rules:\n    - priority: 100\n      fwmark: "0x1/0xff"\n      table: wan2\n    - not: true\n      fwmark: 51820\n      table: 100\n    - table: main\n      suppress_prefixlength: 0\n  listens:',
    ),
  ],
  ['a rule without a table', variant('  listens:', '  rules:\n    - fwmark: 1\n  listens:')],
  [
    'a rule with an unknown key',
    variant('  listens:', '  rules:\n    - table: main\n      tos: 4\n  listens:'),
  ],
  [
    'a rule with a bad family',
    variant('  listens:', '  rules:\n    - table: main\n      family: inet\n  listens:'),
  ],
  ['a table without routes', variant('  listens:', '  tables:\n    - id: 100\n  listens:')],
  // Extension: segments.
  ['tcp segments', variant('    dport: 22\n', `    dport: 22\n${SEG}`)],
  ['segments: []', variant('    dport: 22\n', '    dport: 22\n    segments: []\n')],
  [
    'a segment without flags key',
    variant('    dport: 22\n', '    dport: 22\n    segments:\n      - { dir: request }\n'),
  ],
  [
    'a segment dir sideways',
    variant('    dport: 22\n', `    dport: 22\n${SEG.replace('reply', 'sideways')}`),
  ],
  [
    'a segment flag bogus',
    variant('    dport: 22\n', `    dport: 22\n${SEG.replace('[syn, ack]', '[syn, bogus]')}`),
  ],
  [
    'a segment payload of 5000',
    variant('    dport: 22\n', `    dport: 22\n${SEG.replace('payload: 3', 'payload: 5000')}`),
  ],
  ['segments on icmp', variant(`protocol: tcp\n${PACKET}`, `protocol: icmp\n${SEG}`)],
];

describe('the schema and the loader agree', () => {
  it.each(CASES)('on %s', (_name, yaml) => {
    expect(schemaAccepts(yaml)).toBe(loaderAccepts(yaml));
  });

  it('both accept tcp segments and refuse them on icmp (the segment cases are not vacuous)', () => {
    const yaml = (name: string) => CASES.find(([n]) => n === name)![1];
    expect([schemaAccepts(yaml('tcp segments')), loaderAccepts(yaml('tcp segments'))]).toEqual([
      true,
      true,
    ]);
    expect(loaderAccepts(yaml('segments on icmp'))).toBe(false);
  });

  it('on cases both accept and cases both refuse (the set tests both verdicts)', () => {
    const verdicts = new Set(CASES.map(([, y]) => loaderAccepts(y)));
    expect([...verdicts].sort()).toEqual([false, true]);
  });
});
