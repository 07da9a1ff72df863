/** `nfwalk new`: a scenario to start from that explains as written. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { capture } from '../support/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-new-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nfwalk new', () => {
  it('writes the template, which explains as it is, and says what to edit next', async () => {
    const io = capture();
    const base = join(dir, 'mine');
    expect(await run(['new', base], io)).toBe(0);
    expect(io.stdout).toContain(`wrote ${base}.yaml and ${base}.nft`);
    expect(io.stdout).toContain(`nfwalk explain ${base}.yaml`);
    const yaml = readFileSync(`${base}.yaml`, 'utf8');
    expect(yaml.split('\n')[0]).toMatch(
      /^# yaml-language-server: \$schema=(\.\.\/)+.*docs\/spec\/scenario\.schema\.json$/,
    );
    expect(yaml).toContain('ruleset: mine.nft\n');
    const page = capture();
    expect(await run(['explain', `${base}.yaml`], page)).toBe(0);
    expect(page.stderr).toBe('');
    expect(page.stdout).toContain('tcp dport 22 accept');
  });

  it('copies a gallery scenario with its ruleset, the ruleset path rewritten', async () => {
    const io = capture();
    const base = join(dir, 'libvirt');
    expect(await run(['new', base, '--from', 'gallery-libvirt-nat'], io)).toBe(0);
    const yaml = readFileSync(`${base}.yaml`, 'utf8');
    expect(yaml).toContain('iptables-save: libvirt.rules\n');
    expect(readFileSync(`${base}.rules`, 'utf8')).toBe(
      readFileSync('scenarios/gallery-libvirt-nat.rules', 'utf8'),
    );
    expect(io.stdout).toContain('iptables-save >');
    const trace = capture();
    expect(await run(['trace', `${base}.yaml`], trace)).toBe(0);
  });

  it('refuses to overwrite, and names the gallery scenario meant by a misspelling', async () => {
    const base = join(dir, 'twice');
    expect(await run(['new', base], capture())).toBe(0);
    const again = capture();
    expect(await run(['new', base], again)).toBe(2);
    expect(again.stderr).toContain(`${base}.yaml already exists`);
    const typo = capture();
    expect(await run(['new', join(dir, 'x'), '--from', 'rooter-forward'], typo)).toBe(2);
    expect(typo.stderr).toContain('did you mean "router-forward"?');
    expect(existsSync(join(dir, 'x.yaml'))).toBe(false);
  });
});
