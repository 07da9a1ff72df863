import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpus, sweep } from './corpus-sweep.ts';

const haveCorpus = existsSync(corpus);

describe('every corpus rule evaluates to match, nomatch or unsupported', () => {
  it.skipIf(!haveCorpus)(`no evaluation throws (corpus: ${corpus})`, () => {
    const r = sweep();
    expect(r.parsed).toBeGreaterThan(1000);
    expect(r.crashes.map((c) => `${c.file}: ${c.rule}: ${c.error.split('\n')[0]}`)).toEqual([]);
    // Unsupported stays the exception: the corpus is mostly ordinary filtering and NAT.
    expect(r.outcomes.unsupported / r.evaluations).toBeLessThan(0.03);
  });
  it.skipIf(haveCorpus)(
    'skipped: the corpus (../shared/corpus) is not present in this clone',
    () => {},
  );
});
