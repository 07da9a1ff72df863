/**
 * The core of scripts/conformance.ts, shared with its Vitest test: which corpus files are
 * whole nft rulesets, and how many of them parse and round-trip through the printer.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostics, RulesetError } from '../diagnostics.ts';
import { printRuleset } from '../printer.ts';
import { parseNft } from './index.ts';

export interface GroupResult {
  name: string;
  files: number;
  parsed: number;
  roundTrip: number;
  /** Files that failed, with the first error or the first differing line. */
  failures: { file: string; reason: string }[];
}

export interface BogonResult {
  files: number;
  /** Rejected with a positioned error. */
  rejected: number;
  /** Accepted although nft rejects them. */
  accepted: string[];
  /** Crashed (an exception other than RulesetError) or had an error without a position. */
  crashed: { file: string; reason: string }[];
  slowest: number;
}

export interface ConformanceReport {
  corpus: string;
  groups: GroupResult[];
  bogons: BogonResult;
}

/** `<repo>/../shared/corpus`. */
export function corpusDir(repoRoot: string): string {
  return resolve(repoRoot, '..', 'shared', 'corpus');
}

export function normalize(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

function list(dir: string, filter: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(filter)
    .sort()
    .map((f) => join(dir, f));
}

/** Whether a text is a whole listing (starts with `table`), not a script of commands. */
export function isListing(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && /^table\s/.test(first);
}

/** The groups of whole rulesets in the corpus. */
export function corpusGroups(corpus: string): { name: string; files: string[] }[] {
  return [
    {
      name: 'nftables dumps',
      files: list(join(corpus, 'nftables'), (f) => f.includes('dumps__') && f.endsWith('.nft')),
    },
    { name: 'moby nftabler', files: list(join(corpus, 'moby'), (f) => f.includes('nftabler')) },
    {
      name: 'openwrt fw4',
      files: list(join(corpus, 'openwrt-firewall4'), (f) => f.includes('tests__')),
    },
    { name: 'foomuuri', files: list(join(corpus, 'foomuuri'), (f) => f.endsWith('golden.txt')) },
    {
      name: 'kube-proxy/knftables listings',
      files: [
        ...list(join(corpus, 'kube-proxy-nftables-embedded'), () => true),
        ...list(join(corpus, 'knftables-embedded'), () => true),
      ].filter((f) => isListing(readFileSync(f, 'utf8'))),
    },
    {
      name: 'kube-proxy/knftables scripts (parse only)',
      files: [
        ...list(join(corpus, 'kube-proxy-nftables-embedded'), () => true),
        ...list(join(corpus, 'knftables-embedded'), () => true),
      ].filter((f) => !isListing(readFileSync(f, 'utf8'))),
    },
  ];
}

function firstDiff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i])
      return `line ${i + 1}: expected ${JSON.stringify(al[i])}, printed ${JSON.stringify(bl[i])}`;
  }
  return 'differs';
}

export function checkFile(
  file: string,
  roundTrip: boolean,
): { parsed: boolean; same: boolean; reason?: string } {
  const text = readFileSync(file, 'utf8');
  try {
    const rs = parseNft(text, file, { root: resolve(file, '..') });
    if (!roundTrip) return { parsed: true, same: true };
    const printed = printRuleset(rs);
    const same = normalize(printed) === normalize(text);
    return same
      ? { parsed: true, same }
      : { parsed: true, same, reason: firstDiff(normalize(text), normalize(printed)) };
  } catch (e) {
    if (e instanceof RulesetError) {
      return {
        parsed: false,
        same: false,
        reason: formatDiagnostics(e.diagnostics.slice(0, 1), e.sources).trim(),
      };
    }
    return { parsed: false, same: false, reason: `CRASH ${(e as Error).stack}` };
  }
}

export function runBogons(corpus: string): BogonResult {
  const files = list(join(corpus, 'nftables-bogons-invalid'), () => true);
  const r: BogonResult = {
    files: files.length,
    rejected: 0,
    accepted: [],
    crashed: [],
    slowest: 0,
  };
  for (const f of files) {
    const text = readFileSync(f, 'latin1');
    const t0 = performance.now();
    try {
      parseNft(text, f, { root: resolve(f, '..') });
      r.accepted.push(f);
    } catch (e) {
      if (
        e instanceof RulesetError &&
        e.diagnostics.length > 0 &&
        e.diagnostics.every((d) => d.line >= 1 && d.col >= 1)
      ) {
        r.rejected++;
      } else r.crashed.push({ file: f, reason: String((e as Error).stack ?? e) });
    }
    r.slowest = Math.max(r.slowest, performance.now() - t0);
  }
  return r;
}

export function runConformance(
  corpus: string,
  _opts: { verbose?: boolean } = {},
): ConformanceReport {
  const groups: GroupResult[] = [];
  for (const g of corpusGroups(corpus)) {
    const rt = !g.name.includes('parse only');
    const res: GroupResult = {
      name: g.name,
      files: g.files.length,
      parsed: 0,
      roundTrip: 0,
      failures: [],
    };
    for (const f of g.files) {
      const c = checkFile(f, rt);
      if (c.parsed) res.parsed++;
      if (c.parsed && c.same) res.roundTrip++;
      if (!(c.parsed && c.same)) res.failures.push({ file: f, reason: c.reason ?? '' });
    }
    groups.push(res);
  }
  return { corpus, groups, bogons: runBogons(corpus) };
}

export function formatReport(r: ConformanceReport, verbose = false): string {
  let out = `corpus: ${r.corpus}\n`;
  for (const g of r.groups) {
    const rt = g.name.includes('parse only') ? '' : `, round-trip ${g.roundTrip}/${g.files}`;
    out += `${g.name}: parsed ${g.parsed}/${g.files}${rt}\n`;
    if (verbose)
      for (const f of g.failures)
        out += `  FAIL ${f.file}\n    ${f.reason.replace(/\n/g, '\n    ')}\n`;
  }
  const b = r.bogons;
  out += `bogons (nft rejects): rejected with position ${b.rejected}/${b.files}, accepted ${b.accepted.length}, crashed ${b.crashed.length}, slowest ${b.slowest.toFixed(1)} ms\n`;
  if (verbose) {
    for (const f of b.accepted) out += `  ACCEPTED ${f}\n`;
    for (const f of b.crashed) out += `  CRASH ${f.file}\n    ${f.reason}\n`;
  }
  return out;
}
