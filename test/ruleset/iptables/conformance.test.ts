/**
 * The real-world iptables-save files of the corpus (../shared/corpus): every one parses, or
 * fails for the reason pinned here, and the matches and targets nfwalk does not model are
 * the ones listed. The figures are what `node scripts/conformance-iptables.ts` prints.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ConformanceResult, runConformance } from '../../../scripts/conformance-iptables.ts';

const corpus = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus');
const present = existsSync(join(corpus, 'iptables-semantics'));
if (!present) console.warn(`skipping the iptables corpus conformance: ${corpus} is absent`);

/** Files that must fail, and why (none of them is a valid standalone iptables-restore input). */
const EXPECTED_FAILURES: [RegExp, RegExp][] = [
  // The dataset's authors replaced MAC addresses with XX:XX:XX:XX:XX:XX; iptables refuses that too.
  [/TUM_Net__iptables-save-2015-05-15_15-23-41$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/TUM_Net__iptables-save-2015-09-03_15-56-50$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/TUM_Net__iptables_20\.10\.2013$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/TUM_Net__iptables_25\.07\.2014$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/iptables-save-2015-05-13_10-53-20_cheating$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/iptables-save-2015-05-15_14-14-46_cheating$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/iptables-save-2015-05-15_15-23-41_cheating$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  [/iptables_20\.11\.2013_cheating$/, /bad MAC address "XX:XX:XX:XX:XX:XX"/],
  // A parser test of the dataset with a deliberately unknown option.
  [/Parser_Test__data__iptables-save$/, /unknown option --something-else for match multiport/],
  // ebtables and arptables input, not iptables.
  [/ebtables__0009-broute-bug/, /unknown table "broute"/],
  [/compat_xlate\.block05/, /unknown option --source-mac/],
  [/compat_xlate\.block07/, /unknown option --mark-set/],
  // Fragments iptables' tests feed to `iptables-restore --noflush` on top of earlier ones, or
  // to check that iptables-restore refuses them.
  [/firewalld-restore__0001-firewalld_0\.block02/, /chain PREROUTING_ZONES is not declared/],
  [/firewalld-restore__0001-firewalld_0\.block04/, /chain INPUT_ZONES is not declared/],
  [/restore-ordering_0\.block02/, /cannot insert at position 5: chain FORWARD has 3 rules/],
  [/restore-ordering_0\.block04/, /chain FORWARD has no rule 7 to delete/],
  [/restore-ordering_0\.block06/, /chain FORWARD has no rule 2 to replace/],
  [/restore-counters_0\.block02/, /bad counters "bar"/],
  [/table-name-comment_0\.block01/, /-t is not an iptables-restore command/],
  [/verbose-restore_0\.block02/, /chain foo is not declared/],
  [/mid-restore-flush_0\.block01/, /bad policy "\[0:0\]"/],
];

describe.skipIf(!present)(`iptables corpus conformance (${corpus})`, () => {
  let result: ConformanceResult | undefined;
  const get = () => {
    result ??= runConformance(corpus);
    return result;
  };
  const group = (name: string) => get().groups.find((g) => g.group === name)!;

  it('reads all 284 Docker iptabler goldens clean', () => {
    expect(group('moby iptabler goldens')).toMatchObject({
      files: 284,
      clean: 284,
      withUnsupported: 0,
      failed: [],
    });
  });

  it('reads ufw’s files; their only gap is chains other files declare', () => {
    expect(group('ufw')).toMatchObject({ files: 6, clean: 2, withUnsupported: 4, failed: [] });
    expect(get().unsupported['jump to a chain the file does not declare']?.count).toBe(16);
  });

  it('reads kube-proxy’s rules; only `-m recent` (session affinity) is unsupported', () => {
    expect(group('kube-proxy')).toMatchObject({
      files: 1,
      clean: 0,
      withUnsupported: 1,
      failed: [],
    });
  });

  it('reads the iptables dumps', () => {
    expect(group('iptables dumps')).toMatchObject({
      files: 9,
      clean: 8,
      withUnsupported: 1,
      failed: [],
    });
  });

  it('reads the real-world dumps of Iptables_Semantics, but the ones anonymised past validity', () => {
    expect(group('iptables-semantics')).toMatchObject({
      files: 43,
      clean: 21,
      withUnsupported: 13,
    });
    expect(group('iptables-semantics').failed).toHaveLength(9);
  });

  it('reads the iptables test blocks that are iptables input', () => {
    expect(group('iptables test blocks')).toMatchObject({
      files: 39,
      clean: 26,
      withUnsupported: 1,
    });
  });

  it('fails only where it must, for the reason pinned', () => {
    const failed = get().groups.flatMap((g) => g.failed);
    for (const f of failed) {
      const expected = EXPECTED_FAILURES.find(([file]) => file.test(f.file));
      expect(expected, `unexpected failure: ${f.error}`).toBeDefined();
      expect(f.error).toMatch(expected![1]);
    }
    expect(failed).toHaveLength(EXPECTED_FAILURES.length);
  });

  it('reports exactly these unsupported matches and targets', () => {
    const counts = Object.fromEntries(
      Object.entries(get().unsupported).map(([k, v]) => [k, v.count]),
    );
    expect(counts).toEqual({
      'match recent': 42,
      'target CHECKSUM': 35,
      'jump to a chain the file does not declare': 16,
      'match hashlimit': 7,
      'match connlimit': 7,
      'match time': 4,
      'match rt': 3,
      'match rpfilter': 2,
      'match physdev': 2,
      'match string': 1,
    });
  });
});
