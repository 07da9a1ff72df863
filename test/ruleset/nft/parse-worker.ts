/**
 * Parses files on a worker thread so a test can enforce a wall-clock timeout per file (a
 * synchronous parser that hung could not be interrupted on the test's own thread).
 * Receives { file, text }, answers { file, outcome, detail }.
 */
import { parentPort } from 'node:worker_threads';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';

parentPort?.on('message', (m: { file: string; text: string; root?: string }) => {
  let outcome: 'accepted' | 'positioned' | 'unpositioned' | 'crash';
  let detail = '';
  try {
    parseNft(m.text, m.file, m.root === undefined ? {} : { root: m.root });
    outcome = 'accepted';
  } catch (e) {
    if (e instanceof RulesetError) {
      const ok =
        e.diagnostics.length > 0 &&
        e.diagnostics.every((d) => d.file !== '' && d.line >= 1 && d.col >= 1 && d.message !== '');
      outcome = ok ? 'positioned' : 'unpositioned';
      detail = e.message;
    } else {
      outcome = 'crash';
      detail = String((e as Error).stack ?? e);
    }
  }
  parentPort?.postMessage({ file: m.file, outcome, detail });
});
