/**
 * The `nft -j` front end over the corpus: every JSON dump of nftables' shell tests, printed
 * with the shared printer, against its `nft list ruleset` twin; and the two models compared.
 * The counts are the measured figures (`node scripts/conformance-json.ts -v` lists the
 * failures): a regression fails here, an improvement asks for the new figure.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  corpusDir,
  type JsonConformance,
  runJsonConformance,
} from '../../../src/ruleset/json/conformance.ts';

const corpus = corpusDir(fileURLToPath(new URL('../../..', import.meta.url)));
const skipReason = existsSync(corpus) ? undefined : `no corpus at ${corpus}`;
if (skipReason) console.warn(`nft -j corpus tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `nft -j corpus conformance${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let report: JsonConformance;
    const run = (): JsonConformance => {
      report ??= runJsonConformance(corpus);
      return report;
    };

    it('reads every JSON dump', () => {
      const r = run();
      expect(r.files).toBe(423);
      expect(r.failures.filter((f) => f.kind === 'parse')).toEqual([]);
      expect(r.parsed).toBe(423);
    });

    it('prints 411 of the 422 dumps with a text twin exactly as nft lists them', () => {
      const r = run();
      expect(r.twins).toBe(422);
      expect(r.textEqual).toBe(411);
    });

    it('gives the model of the text twin for 410 of 422 dumps', () => {
      const r = run();
      expect(r.twinsParsed).toBe(422);
      expect(r.modelEqual).toBe(410);
    });

    it('differs only where nft -j leaves information out', () => {
      // What JSON cannot carry: the `typeof` expression of a map's data (JSON lists the type
      // name only) and a flowtable's `counter` flag.
      const reasons = run()
        .failures.filter((f) => f.kind === 'model')
        .map(
          (f) => f.reason.replace(/^tables\.\d+\.(sets|flowtables)\.\d+\./, '$1.').split(':')[0],
        );
      expect(new Set(reasons)).toEqual(new Set(['sets.data.form', 'flowtables.counter']));
    });
  },
);
