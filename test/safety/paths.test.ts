/**
 * A scenario reads files only inside its own folder, end to end (scenario loader, then the
 * ruleset loader with its includes): `..`, absolute paths and symbolic links (to a file or
 * to a folder) leading out are refused with a positioned error; the same include inside the
 * folder is read. The loaders' own unit tests cover the parsing; this checks the chain.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RulesetError } from '../../src/ruleset/diagnostics.ts';
import { loadRuleset } from '../../src/ruleset/load.ts';
import { ScenarioError } from '../../src/scenario/diagnostics.ts';
import { loadScenario } from '../../src/scenario/load.ts';

const base = mkdtempSync(join(tmpdir(), 'nfwalk-paths-'));
const folder = join(base, 'scenario');
const outside = join(base, 'outside');
mkdirSync(join(folder, 'rules.d'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(outside, 'secret.nft'), 'add rule inet f input tcp dport 9 drop\n');
writeFileSync(join(folder, 'rules.d', 'ok.nft'), 'add rule inet f input tcp dport 22 accept\n');
symlinkSync(join(outside, 'secret.nft'), join(folder, 'link.nft'));
symlinkSync(outside, join(folder, 'linkdir'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const TABLE =
  'table inet f {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n';

function scenario(ruleset: string): string {
  return `title: paths
ruleset: ${JSON.stringify(ruleset)}
host:
  interfaces:
    - name: eth0
      addresses: [192.0.2.1/24]
hosts:
  - name: c
    interface: eth0
    addresses: [192.0.2.2]
packets:
  - from: c
    to: 192.0.2.1
    protocol: tcp
    sport: 40000
    dport: 22
`;
}

function load(rulesetPath: string, rulesetText?: string) {
  if (rulesetText !== undefined) writeFileSync(join(folder, 'main.nft'), rulesetText);
  const file = join(folder, 'scenario.yaml');
  writeFileSync(file, scenario(rulesetPath));
  const s = loadScenario(file);
  return loadRuleset(s.ruleset);
}

function refusal(f: () => unknown): { message: string; line: number; col: number } {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof RulesetError) {
      const d = e.diagnostics[0]!;
      return { message: d.message, line: d.line, col: d.col };
    }
    throw e;
  }
  throw new Error('not refused');
}

describe('ruleset: paths', () => {
  it.each([
    ['..', '../outside/secret.nft', /"\.\."/],
    ['an absolute path', join(outside, 'secret.nft'), /absolute/],
    ['a symbolic link to a file outside', 'link.nft', /symbolic link/],
    ['a path through a symbolic link to a folder outside', 'linkdir/secret.nft', /symbolic link/],
  ])('refuses %s at the ruleset key', (_what, path, msg) => {
    const r = refusal(() => load(path));
    expect(r.message).toMatch(msg);
    expect(r).toMatchObject({ line: 2, col: 10 });
  });
});

describe('include in the ruleset of a scenario', () => {
  it('reads an include inside the folder', () => {
    const rs = load('main.nft', `${TABLE}include "rules.d/*.nft"\n`);
    expect(rs.tables[0]?.chains[0]?.rules.map((r) => r.text)).toEqual(['tcp dport 22 accept']);
  });
  it.each([
    ['..', '../outside/secret.nft', /'\.\.'/],
    ['an absolute path', join(outside, 'secret.nft'), /absolute/],
    ['a symbolic link to a file outside', 'link.nft', /symbolic link/],
    ['a symbolic link to a folder outside', 'linkdir/secret.nft', /symbolic link/],
    ['a glob through a symbolic link to a folder outside', 'linkdir/*.nft', /symbolic link/],
  ])('refuses %s at the include', (_what, path, msg) => {
    const r = refusal(() => load('main.nft', `${TABLE}include "${path}"\n`));
    expect(r.message).toMatch(msg);
    expect(r).toMatchObject({ line: 6, col: 9 });
  });
});
