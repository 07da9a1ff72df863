/** `nfwalk check` and `nfwalk format` on nft text, JSON and iptables-save files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { capture } from '../support/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD =
  'table ip t {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport { 22, 80 } accept\n\t}\n}\n';

describe('nfwalk check', () => {
  it('exits 0 on a valid ruleset', async () => {
    const io = capture();
    expect(await run(['check', file('good.nft', GOOD)], io)).toBe(0);
    expect(io.stdout).toContain('ok (nft): 1 table(s), 1 chain(s), 1 rule(s)');
  });

  it('exits 1 and prints every error with file, line, column, the line and a caret', async () => {
    const bad = file(
      'bad.nft',
      'table ip t {\n\tchain c {\n\t\ttcp dport 22 acept\n\t\tip saddr 10.0.0.1 counter packets x\n\t}\n}\n',
    );
    const io = capture();
    expect(await run(['check', bad], io)).toBe(1);
    expect(io.stderr).toContain(
      `${bad}:3:16: error: syntax error, unexpected 'acept'\n\t\ttcp dport 22 acept\n\t\t             ^^^^^\n`,
    );
    expect(io.stderr).toContain(
      `${bad}:4:37: error: syntax error, unexpected 'x', expecting number`,
    );
    expect(io.stderr).toContain('2 errors');
  });

  it('reports what nft finds after parsing: a jump to a chain that does not exist', async () => {
    const bad = file('jump.nft', 'table ip t {\n\tchain c {\n\t\tjump nowhere\n\t}\n}\n');
    const io = capture();
    expect(await run(['check', bad], io)).toBe(1);
    expect(io.stderr).toContain(`${bad}:3:3: error: chain 'nowhere' does not exist in table ip t`);
  });

  it('says so when the file is missing', async () => {
    const io = capture();
    expect(await run(['check', join(dir, 'missing.nft')], io)).toBe(1);
    expect(io.stderr).toContain('cannot read the ruleset: no such file');
  });

  it('detects JSON by content and reads iptables-save with --iptables', async () => {
    const json = file(
      'r.json',
      JSON.stringify({
        nftables: [
          { metainfo: { json_schema_version: 1 } },
          { table: { family: 'ip', name: 't', handle: 1 } },
          { chain: { family: 'ip', table: 't', name: 'c', handle: 1 } },
        ],
      }),
    );
    const io = capture();
    expect(await run(['check', json], io)).toBe(0);
    expect(io.stdout).toContain('(nft-json)');
    const save = file(
      'r.save',
      '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n',
    );
    const io2 = capture();
    expect(await run(['check', '--iptables', save], io2)).toBe(0);
    expect(io2.stdout).toContain('(iptables-save)');
  });
});

describe('nfwalk format', () => {
  it('prints canonical nft text: variables resolved, sets spaced, layout as nft lists it', async () => {
    const script = file(
      'script.nft',
      'define ports = {22,80}\nadd table ip t\nadd chain ip t c { type filter hook input priority 0; }\nadd rule ip t c tcp dport $ports accept\n',
    );
    const io = capture();
    expect(await run(['format', script], io)).toBe(0);
    expect(io.stdout).toBe(
      'table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport { 22, 80 } accept\n\t}\n}\n',
    );
  });

  it('exits 1 on errors and prints nothing to stdout', async () => {
    const io = capture();
    expect(await run(['format', file('bad2.nft', 'table ip t {\n')], io)).toBe(1);
    expect(io.stdout).toBe('');
    expect(io.stderr).toContain("bad2.nft:1:12: error: unterminated block: missing '}'");
  });
});
