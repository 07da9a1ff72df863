/**
 * Names nft 1.0.6 refuses because its scanner always reads them as keywords (`chain fwd { }`):
 * `nfwalk check` refuses them at the name, wherever nft expects one, and takes the words nft
 * reads as keywords only after another (`daddr`) as names. Each case is also given to
 * `nft -c -f` on this machine (skipped without nft or root), which must refuse it at the same
 * line and column, or accept it; and every word of RESERVED_WORDS is refused by both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RulesetError } from '../../../src/ruleset/diagnostics.ts';
import { parseNft } from '../../../src/ruleset/nft/index.ts';
import { RESERVED_WORDS } from '../../../src/ruleset/nft/vocabulary.ts';
import { nftCheck as nftCheckIn } from '../../support/nft-check.ts';

const dir = mkdtempSync(join(tmpdir(), 'nfw-keyword-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nftSkip = (() => {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('nft', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'nft is not installed';
})();
if (nftSkip) console.warn(`nft -c comparisons skipped: ${nftSkip}`);

/** Where nfwalk's first error is (`line:col`), or undefined when it accepts the text. */
function nfwalkError(text: string, name: string): { at: string; message: string } | undefined {
  try {
    parseNft(text, join(dir, name), { root: dir });
    return undefined;
  } catch (e) {
    if (!(e instanceof RulesetError)) throw e;
    const d = e.diagnostics[0];
    return d ? { at: `${d.line}:${d.col}`, message: d.message } : undefined;
  }
}

/** `nft -c -f` on the text, in this test's folder. */
function nftCheck(text: string, name: string): { status: number | null; at?: string } {
  return nftCheckIn(dir, text, name);
}

/**
 * Each place nft reads a name, with the keyword `fwd` there: `at` is where the name is, `name`
 * what nfwalk's message says it expected, `found` what it says it found instead.
 */
const PLACES: { what: string; text: string; at: string; name?: string; found?: string }[] = [
  { what: 'a chain declared', text: 'table ip t {\n\tchain fwd {\n\t}\n}\n', at: '2:8' },
  {
    what: 'a jump target',
    text: 'table ip t {\n\tchain c {\n\t\tjump fwd\n\t}\n}\n',
    at: '3:8',
  },
  {
    what: 'a goto target in a verdict map',
    text: 'table ip t {\n\tchain c {\n\t\tip saddr vmap { 10.0.0.1 : goto fwd }\n\t}\n}\n',
    at: '3:35',
  },
  {
    what: 'a set declared',
    text: 'table ip t {\n\tset fwd {\n\t\ttype ipv4_addr\n\t}\n}\n',
    at: '2:6',
    name: 'set name',
  },
  {
    what: 'a set referred to',
    text: 'table ip t {\n\tchain c {\n\t\tip saddr @fwd\n\t}\n}\n',
    at: '3:13',
    name: 'set name',
  },
  { what: 'a table declared', text: 'table ip fwd {\n}\n', at: '1:10', name: 'table name' },
  { what: 'a chain added', text: 'add table ip t\nadd chain ip t fwd\n', at: '2:16' },
  {
    what: 'a table with a family and no name',
    text: 'table ip {\n}\n',
    at: '1:10',
    name: 'table name',
    found: "'{'",
  },
  {
    what: 'a counter object',
    text: 'table ip t {\n\tcounter fwd {\n\t}\n}\n',
    at: '2:10',
    name: 'object name',
  },
  {
    what: 'a variable defined',
    text: 'define fwd = 1\n',
    at: '1:8',
    name: 'variable name',
  },
  {
    what: 'a flowtable',
    text: 'table ip t {\n\tflowtable fwd {\n\t\thook ingress priority 0\n\t}\n}\n',
    at: '2:12',
    name: 'flowtable name',
  },
];

describe('keywords as names', () => {
  PLACES.forEach(({ what, text, at, name = 'chain name', found = "keyword 'fwd'" }, i) => {
    it(`refuses one as ${what}`, () => {
      const err = nfwalkError(text, `place${i}.nft`);
      expect(err).toEqual({ at, message: `syntax error, unexpected ${found}, expecting ${name}` });
    });
    it.skipIf(nftSkip !== undefined)(`nft -c refuses it there too: ${what}`, () => {
      const nft = nftCheck(text, `place${i}.nft`);
      expect(nft.status).not.toBe(0);
      expect(nft.at).toBe(at);
    });
  });

  const chainNamed = (w: string) => `table ip t {\n\tchain ${w} {\n\t}\n}\n`;

  // A quoted name is no identifier either, in every place nft reads one (`"fwd"` for `fwd`,
  // one column before it: the quote).
  PLACES.filter(({ found }) => found === undefined).forEach(
    ({ what, text, at, name = 'chain name' }, i) => {
      const quoted = text.replace(/(?<![a-z])fwd(?![a-z])/, '"fwd"');
      it(`refuses a quoted name as ${what}`, () => {
        const err = nfwalkError(quoted, `quoted${i}.nft`);
        expect(err).toEqual({
          at,
          message: `syntax error, unexpected quoted string, expecting ${name}`,
        });
      });
      it.skipIf(nftSkip !== undefined)(
        `nft -c refuses it there too: a quoted name as ${what}`,
        () => {
          const nft = nftCheck(quoted, `quoted${i}.nft`);
          expect(nft.status).not.toBe(0);
          expect(nft.at).toBe(at);
        },
      );
    },
  );

  it('refuses every word nft always reads as a keyword, as a chain name', () => {
    const accepted = [...RESERVED_WORDS].filter(
      (w) => nfwalkError(chainNamed(w), 'w.nft')?.at !== '2:8',
    );
    expect(accepted).toEqual([]);
  });

  it.skipIf(nftSkip !== undefined)('nft -c refuses each of them too, at the name', () => {
    const accepted = [...RESERVED_WORDS].filter(
      (w) => nftCheck(chainNamed(w), 'w.nft').at !== '2:8',
    );
    expect(accepted).toEqual([]);
  });

  // Words nft reads as keywords only in a context (after `ip`, in a nat statement, …).
  const NAMES = [
    'daddr',
    'saddr',
    'to',
    'name',
    'version',
    'filter',
    'input',
    'established',
    'port',
  ];

  it('takes the words nft reads as keywords only after another as names', () => {
    for (const w of NAMES) {
      const text = `table ip t {\n\tchain ${w} {\n\t}\n\tchain c {\n\t\tjump ${w}\n\t}\n}\n`;
      expect(nfwalkError(text, 'name.nft')).toBeUndefined();
    }
  });

  it.skipIf(nftSkip !== undefined)('nft -c takes them as names too', () => {
    for (const w of NAMES) {
      const text = `table ip t {\n\tchain ${w} {\n\t}\n\tchain c {\n\t\tjump ${w}\n\t}\n}\n`;
      expect([w, nftCheck(text, 'name.nft').status]).toEqual([w, 0]);
    }
  });
});
