/**
 * The core of scripts/conformance-json.ts, shared with its Vitest test: reads every
 * `nft -j list ruleset` dump of the corpus, prints it with the shared printer and compares
 * the text with the dump's `nft list ruleset` twin; reads the twin with the nft front end and
 * compares the two models.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RulesetError } from '../diagnostics.ts';
import type { Ruleset } from '../model.ts';
import { parseNft } from '../nft/index.ts';
import { printRuleset } from '../printer.ts';
import { parseNftJson } from './index.ts';

export interface JsonConformance {
  corpus: string;
  /** JSON files read. */
  files: number;
  /** Read without error. */
  parsed: number;
  /** Files with a text twin. */
  twins: number;
  /** Printed text equal to the twin (modulo trailing whitespace). */
  textEqual: number;
  /** Twins the nft front end reads. */
  twinsParsed: number;
  /** Models equal to the twin's model, modulo spans, texts and handles. */
  modelEqual: number;
  failures: { file: string; kind: 'parse' | 'text' | 'model' | 'twin'; reason: string }[];
}

/** `<repo>/../shared/corpus`. */
export function corpusDir(repoRoot: string): string {
  return resolve(repoRoot, '..', 'shared', 'corpus');
}

/** Trailing whitespace of every line and trailing blank lines do not count. */
export function normalizeListing(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * A ruleset without what only one front end can know: spans and source texts (positions in
 * different files), and handles (`nft -j` lists them, `nft list` does not).
 */
export function comparableModel(rs: Ruleset): unknown {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x !== null && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      // `text` is the source text of rules and statements, but the value of a ValueExpr.
      const isValue = (x as { kind?: unknown }).kind === 'value';
      for (const [k, v] of Object.entries(x)) {
        if (k === 'span' || k === 'handle' || v === undefined) continue;
        if (k === 'text' && !isValue) continue;
        out[k] = strip(v);
      }
      return out;
    }
    return x;
  };
  return strip(rs.tables);
}

/** Order-insensitive for object keys, so two models compare by content only. */
export function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Where two comparable models first differ: `tables.0.sets.1.data.form: "type" ≠ "typeof"`. */
export function modelDifference(a: unknown, b: unknown, path = 'tables'): string | undefined {
  if (canonical(a) === canonical(b)) return undefined;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = modelDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
  }
  const show = (x: unknown): string => (x === undefined ? '(absent)' : canonical(x).slice(0, 160));
  return `${path}: JSON ${show(a)}, text ${show(b)}`;
}

function firstDifferentLine(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  let i = 0;
  while (i < al.length && al[i] === bl[i]) i++;
  return `line ${i + 1}: printed ${JSON.stringify(al[i] ?? '')}, listing ${JSON.stringify(bl[i] ?? '')}`;
}

/** The corpus' JSON dumps and where their text twins would be. */
export function jsonDumps(corpus: string): { json: string; twin: string }[] {
  const dir = join(corpus, 'nftables-json-dumps');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json-nft'))
    .sort()
    .map((f) => ({
      json: join(dir, f),
      twin: join(corpus, 'nftables', f.replace(/\.json-nft$/, '.nft')),
    }));
}

export function runJsonConformance(corpus: string): JsonConformance {
  const r: JsonConformance = {
    corpus,
    files: 0,
    parsed: 0,
    twins: 0,
    textEqual: 0,
    twinsParsed: 0,
    modelEqual: 0,
    failures: [],
  };
  for (const { json, twin } of jsonDumps(corpus)) {
    r.files++;
    let rs: Ruleset;
    try {
      rs = parseNftJson(readFileSync(json, 'utf8'), json);
      r.parsed++;
    } catch (e) {
      if (!(e instanceof RulesetError)) throw e;
      r.failures.push({ file: json, kind: 'parse', reason: e.message });
      continue;
    }
    if (!existsSync(twin)) continue;
    r.twins++;
    const twinText = readFileSync(twin, 'utf8');
    const printed = normalizeListing(printRuleset(rs));
    const listing = normalizeListing(twinText);
    if (printed === listing) r.textEqual++;
    else
      r.failures.push({ file: json, kind: 'text', reason: firstDifferentLine(printed, listing) });
    let textModel: Ruleset;
    try {
      textModel = parseNft(twinText, twin);
      r.twinsParsed++;
    } catch (e) {
      if (!(e instanceof RulesetError)) throw e;
      r.failures.push({ file: json, kind: 'twin', reason: e.message });
      continue;
    }
    const diff = modelDifference(comparableModel(rs), comparableModel(textModel));
    if (diff === undefined) r.modelEqual++;
    else r.failures.push({ file: json, kind: 'model', reason: diff });
  }
  return r;
}

export function formatJsonConformance(r: JsonConformance, verbose = false): string {
  const lines = [
    `nft -j corpus: ${r.corpus}/nftables-json-dumps`,
    `  parsed:               ${r.parsed}/${r.files}`,
    `  text equal to twin:   ${r.textEqual}/${r.twins} (printed by src/ruleset/printer.ts, modulo trailing whitespace)`,
    `  model equal to twin:  ${r.modelEqual}/${r.twinsParsed} (twins the nft front end reads: ${r.twinsParsed}/${r.twins}; modulo spans, texts, handles)`,
  ];
  if (verbose)
    for (const f of r.failures)
      lines.push(`  ${f.kind.padEnd(5)} ${f.file}: ${f.reason.split('\n')[0]}`);
  return `${lines.join('\n')}\n`;
}
