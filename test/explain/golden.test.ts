/**
 * Golden pages: the seed scenario explained in English and Japanese, compared with the pages
 * a reviewer read and accepted (test/explain/golden/). After a deliberate change, regenerate
 * with `UPDATE_GOLDEN=1 npx vitest run test/explain/golden.test.ts` and read the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/explain/i18n/en.ts';
import { ja } from '../../src/explain/i18n/ja.ts';
import { plain } from '../../src/explain/phrase.ts';
import { explainScenarioFile } from '../../src/pipeline-files.ts';
import { repoRoot } from './helpers.ts';

const scenario = join(repoRoot, 'scenarios/seed-docker-firewalld-radius.yaml');
const goldenDir = join(repoRoot, 'test/explain/golden');
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden pages of the seed scenario', () => {
  for (const lang of ['en', 'ja'] as const) {
    it(`${lang}: the page equals test/explain/golden/seed-docker-firewalld-radius.${lang}.md`, async () => {
      const page = explainScenarioFile(scenario, { lang, format: 'md' });
      const file = join(goldenDir, `seed-docker-firewalld-radius.${lang}.md`);
      if (update) {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(file, page.markdown);
      }
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(page.markdown).toBe(readFileSync(file, 'utf8'));
      expect(page.conversations.map((c) => c.verdict)).toEqual(['answered', 'answered']);
      // The seed author's three questions, asked and answered for the reply of conversation 1.
      const msg = lang === 'en' ? en : ja;
      const conv1 = page.markdown
        .split(/^## /m)
        .find((s) => s.includes('udp 10.254.10.105:40000'))!;
      expect(conv1).toContain(plain(msg.qNoNat()));
      expect(conv1).toMatch(/^#### .*(input|INPUT).*(forward|FORWARD)/m);
      expect(conv1).toContain('priority -200');
    });
  }
});
