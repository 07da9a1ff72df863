import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.ts';
import { capture } from '../support/io.ts';

const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('nfwalk CLI', () => {
  it('prints the version from package.json', async () => {
    const io = capture();
    expect(await run(['--version'], io)).toBe(0);
    expect(io.stdout.trim()).toBe(pkg.version);
  });

  it('rejects an unknown subcommand with exit code 2 and says so on stderr', async () => {
    const io = capture();
    expect(await run(['no-such-command'], io)).toBe(2);
    expect(io.stderr).toMatch(/error/);
    expect(io.stdout).toBe('');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const io = capture();
    expect(await run(['--no-such-option'], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown option/);
  });

  it('runs as `nfwalk` from the checkout through the bin entry in package.json', async () => {
    const bin = new URL('../../bin/nfwalk.ts', import.meta.url).pathname;
    const { stdout } = await exec(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/^Usage: nfwalk/m);
    const version = await exec(process.execPath, [bin, '--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
    await expect(exec(process.execPath, [bin, 'no-such-command'])).rejects.toMatchObject({
      code: 2,
    });
  });
});
