/**
 * A kube-proxy-sized chain on a page: the listing cuts the long run of rules the packet passed
 * over to its first and last few with a line that counts the rest, and the explanation tells
 * the first reasons and counts the rules after them, so the page stays readable (and small)
 * whatever the chain's length. Short runs are shown whole (the goldens).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeProxyRuleset, kubeProxyScenario } from '../../bench/kube-proxy-gen.ts';
import { explainScenarioFile } from '../../src/pipeline-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfwalk-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scenario(n: number): string {
  const nft = join(dir, `kube-${n}.nft`);
  writeFileSync(nft, kubeProxyRuleset(n));
  const yaml = join(dir, `kube-${n}.yaml`);
  writeFileSync(yaml, kubeProxyScenario(n, nft));
  return yaml;
}

describe('a chain of many services', () => {
  it('is listed with the passed-over run cut, and its reasons counted past the first', async () => {
    const n = 200;
    const { markdown: page } = explainScenarioFile(scenario(n), { lang: 'en', format: 'md' });
    // The packet goes to the last service: the n - 1 rules before it are passed over.
    const passed = n - 1;
    const shown = page.split('\n').filter((l) => /ip daddr 10\.96\.\S+ tcp dport/.test(l));
    // Three at each end of the run, and the rule that matched.
    expect(shown).toHaveLength(3 + 3 + 1);
    expect(page).toContain(`# … ${passed - 6} more rules passed over, none of them matched`);
    expect(page).toContain(`The ${passed} rules marked ↓ in \`services\` do not match`);
    expect(page).toContain(`and ${passed - 12} more rules do not match either.`);
    expect(page.length).toBeLessThan(40_000);
  });

  it('says the same in Japanese', async () => {
    const n = 60;
    const { markdown: page } = explainScenarioFile(scenario(n), { lang: 'ja', format: 'md' });
    expect(page).toContain(`# … ほかに ${n - 1 - 6} 個のruleを通過（どれもマッチせず）`);
    expect(page).toContain(`ほか ${n - 1 - 12} 個のルールも一致しません`);
  });

  it('is listed whole when the run is short', async () => {
    const n = 30;
    const { markdown: page } = explainScenarioFile(scenario(n), { lang: 'en', format: 'md' });
    const shown = page.split('\n').filter((l) => /ip daddr 10\.96\.\S+ tcp dport/.test(l));
    expect(shown).toHaveLength(n);
    expect(page).not.toContain('more rules passed over');
  });
});
