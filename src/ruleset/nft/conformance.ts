/**
 * The core of scripts/conformance.ts, shared with its Vitest test: which corpus files are
 * whole nft rulesets, how many parse, how many `nft list` listings print back identical
 * (modulo trailing whitespace), and for generated scripts (which are not listings) whether
 * printing is stable: print(parse(print(parse(x)))) == print(parse(x)).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { formatDiagnostics, RulesetError } from '../diagnostics.ts';
import { printRuleset } from '../printer.ts';
import { type IncludeHost, type ParseNftOptions, parseNft } from './index.ts';

export type GroupKind = 'listing' | 'script';

export interface GroupResult {
  name: string;
  kind: GroupKind;
  files: number;
  parsed: number;
  /** Listings: printed back identical. Scripts: printing is stable. */
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

/** Whether a text is a whole listing (its first line opens a table block). */
export function isListing(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && /^table\s+\S+(\s+\S+)?\s*\{/.test(first);
}

/** Whether a script creates its own table (a whole ruleset, not a fragment of commands). */
export function isWholeScript(text: string): boolean {
  return /^\s*(add\s+|create\s+)?table\s/m.test(text);
}

/**
 * OpenWrt fw4 includes `/etc/nftables.d/*.nft`; the corpus holds the file fw4 ships there.
 * Absolute includes are refused by default; this host maps that one folder into the corpus.
 */
export function fw4IncludeHost(corpus: string): IncludeHost {
  return {
    read(path) {
      if (path !== '/etc/nftables.d/*.nft')
        return { error: `include "${path}": not in the corpus` };
      const files = list(join(corpus, 'openwrt-firewall4'), (f) =>
        f.startsWith('root__etc__nftables.d__'),
      );
      return { files: files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })) };
    },
  };
}

interface Group {
  name: string;
  kind: GroupKind;
  files: string[];
  opts?: ParseNftOptions;
}

/** The groups of whole rulesets in the corpus. */
export function corpusGroups(corpus: string): Group[] {
  const embedded = [
    'kube-proxy-nftables-embedded',
    'knftables-embedded',
    'cni-plugins-embedded',
    'kube-network-policies-embedded',
  ].flatMap((d) => list(join(corpus, d), (f) => f.endsWith('.nft')));
  const texts = new Map(embedded.map((f) => [f, readFileSync(f, 'utf8')]));
  return [
    {
      name: 'nftables dumps',
      kind: 'listing',
      files: list(join(corpus, 'nftables'), (f) => f.includes('dumps__') && f.endsWith('.nft')),
    },
    {
      name: 'moby nftabler',
      kind: 'listing',
      files: list(join(corpus, 'moby'), (f) => f.includes('nftabler')),
    },
    {
      name: 'openwrt fw4 (scripts)',
      kind: 'script',
      files: list(join(corpus, 'openwrt-firewall4'), (f) => f.startsWith('tests__')),
      opts: { include: fw4IncludeHost(corpus) },
    },
    {
      name: 'foomuuri (scripts)',
      kind: 'script',
      files: list(join(corpus, 'foomuuri'), (f) => f.endsWith('golden.txt')),
    },
    {
      name: 'kube-proxy/knftables/cni listings',
      kind: 'listing',
      files: embedded.filter((f) => isListing(texts.get(f) ?? '')),
    },
    {
      // nft -f inputs and expected outputs cut from nftables' shell tests: many are fragments
      // run against an earlier state, or invalid on purpose (the test expects nft to fail).
      name: 'nftables shell-test scripts (fragments and negative tests included)',
      kind: 'script',
      files: list(
        join(corpus, 'nftables-shell-embedded'),
        (f) => f.endsWith('.nft') && !/iptables|ebtables|arptables/.test(f),
      ),
    },
    {
      name: 'kube-proxy/knftables/cni whole scripts',
      kind: 'script',
      files: embedded.filter(
        (f) => !isListing(texts.get(f) ?? '') && isWholeScript(texts.get(f) ?? ''),
      ),
    },
  ];
}

function firstDiff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(al[i])}, printed ${JSON.stringify(bl[i])}`;
    }
  }
  return 'differs';
}

function describeError(e: unknown): string {
  if (e instanceof RulesetError) {
    return formatDiagnostics(e.diagnostics.slice(0, 1), e.sources).trim();
  }
  return `CRASH ${(e as Error).stack}`;
}

export function checkFile(
  file: string,
  kind: GroupKind,
  opts: ParseNftOptions = {},
): { parsed: boolean; same: boolean; reason?: string } {
  const text = readFileSync(file, 'utf8');
  const o = { root: resolve(file, '..'), ...opts };
  let printed: string;
  try {
    printed = printRuleset(parseNft(text, file, o));
  } catch (e) {
    return { parsed: false, same: false, reason: describeError(e) };
  }
  if (kind === 'listing') {
    const same = normalize(printed) === normalize(text);
    return same
      ? { parsed: true, same }
      : { parsed: true, same, reason: firstDiff(normalize(text), normalize(printed)) };
  }
  try {
    const again = printRuleset(parseNft(printed, `${basename(file)} (printed)`));
    const same = again === printed;
    return same
      ? { parsed: true, same }
      : { parsed: true, same, reason: `unstable: ${firstDiff(printed, again)}` };
  } catch (e) {
    return {
      parsed: true,
      same: false,
      reason: `printed text does not parse: ${describeError(e)}`,
    };
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

export function runConformance(corpus: string): ConformanceReport {
  const groups: GroupResult[] = [];
  for (const g of corpusGroups(corpus)) {
    const res: GroupResult = {
      name: g.name,
      kind: g.kind,
      files: g.files.length,
      parsed: 0,
      roundTrip: 0,
      failures: [],
    };
    for (const f of g.files) {
      const c = checkFile(f, g.kind, g.opts);
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
    const what = g.kind === 'listing' ? 'printed back identical' : 'printing stable';
    out += `${g.name}: parsed ${g.parsed}/${g.files}, ${what} ${g.roundTrip}/${g.files}\n`;
    if (verbose) {
      for (const f of g.failures)
        out += `  FAIL ${f.file}\n    ${f.reason.replace(/\n/g, '\n    ')}\n`;
    }
  }
  const b = r.bogons;
  out += `bogons (inputs nft rejects): rejected with a position ${b.rejected}/${b.files}, accepted ${b.accepted.length}, crashed ${b.crashed.length}, slowest ${b.slowest.toFixed(1)} ms\n`;
  if (verbose) {
    for (const f of b.accepted) out += `  ACCEPTED ${f}\n`;
    for (const f of b.crashed) out += `  CRASH ${f.file}\n    ${f.reason}\n`;
  }
  return out;
}
