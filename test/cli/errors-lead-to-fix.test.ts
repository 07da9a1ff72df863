/**
 * Errors that lead to the fix: one mistake gives one error, ruleset errors name their file as a
 * path that opens from the current directory, and a packet sent to an address nobody has is
 * warned about.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { destinationWarnings } from '../../src/cli/destination-warnings.ts';
import { run } from '../../src/cli/main.ts';
import { readSources, walk } from '../../src/pipeline.ts';
import { scenarioFileSources } from '../../src/pipeline-files.ts';
import { capture } from '../support/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = readFileSync('templates/new-scenario.yaml', 'utf8').replace(
  'ruleset: RULESET',
  'ruleset: rules.nft',
);
const RULES = readFileSync('templates/new-scenario.nft', 'utf8');

/** Writes a scenario (the template, edited) and its ruleset into a folder of its own. */
function scenario(name: string, edit: (s: string) => string, rules = RULES): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, 'rules.nft'), rules);
  writeFileSync(join(folder, 's.yaml'), edit(TEMPLATE));
  return join(folder, 's.yaml');
}

const errorLines = (text: string) => text.split('\n').filter((l) => /: error: /.test(l));

describe('one mistake, one error', () => {
  it('a wrong interface does not also make its machine unknown to the packets', async () => {
    const file = scenario('iface', (s) => s.replace('interface: eth0', 'interface: eth1'));
    const io = capture();
    expect(await run(['trace', file], io)).toBe(1);
    expect(errorLines(io.stderr)).toEqual([
      `${file}:16:16: error: hosts[0].interface: the host has no interface "eth1" (it has "lo", "eth0")`,
    ]);
  });

  it('a packet from a machine that is not listed is still an error', async () => {
    const file = scenario('from', (s) => s.replace('from: client', 'from: clinet'));
    const io = capture();
    expect(await run(['trace', file], io)).toBe(1);
    expect(errorLines(io.stderr)).toHaveLength(1);
    expect(io.stderr).toContain('no machine is named "clinet"');
  });
});

describe('ruleset errors open from the current directory', () => {
  it('names the ruleset by its path from here, not from the scenario folder', async () => {
    const bad = RULES.replace('tcp dport 22 accept', 'ip daddr 1.2.3.400 accept');
    const file = scenario('path', (s) => s, bad);
    const io = capture();
    expect(await run(['explain', file], io)).toBe(1);
    const shown = relative(process.cwd(), join(dir, 'path', 'rules.nft'));
    expect(io.stderr).toContain(`${shown}:6:12: error: '1.2.3.400' is not an IPv4 address`);
    expect(io.stderr).toContain('\t\tip daddr 1.2.3.400 accept\n\t\t         ^^^^^^^^^\n');
  });
});

describe('a destination nobody has', () => {
  it('is warned about, at the packet, and the walk is still printed', async () => {
    const file = scenario('nobody', (s) => s.replace('to: 192.0.2.10', 'to: 192.0.2.99'));
    const io = capture();
    await run(['trace', file], io);
    expect(io.stdout).toContain('192.0.2.99');
    expect(io.stderr).toMatch(
      new RegExp(
        `^${file}:\\d+:5: warning: packets\\[0\\]\\.to: 192\\.0\\.2\\.99 is an address of no machine`,
      ),
    );
  });

  it.each(readdirSync('scenarios').filter((f) => f.endsWith('.yaml')))(
    'is not warned about in gallery scenario %s (DNAT and gateways lead somewhere real)',
    (f) => {
      const walked = walk(readSources(scenarioFileSources(join('scenarios', f))));
      expect(destinationWarnings(walked.scenario, walked.trace.conversations)).toEqual([]);
    },
  );
});
