/**
 * How well the iptables front end reads the real-world iptables-save files of the corpus
 * (../shared/corpus): per source, the files parsed clean, parsed with unsupported matches or
 * targets (listed by name and count), and failed (with the first error).
 *
 *   node scripts/conformance-iptables.ts [corpus-dir] [--json] [--lines]
 *
 * --lines also lists every unsupported statement with its file, line and column.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RulesetError } from '../src/ruleset/diagnostics.ts';
import { parseIptablesSave } from '../src/ruleset/iptables/index.ts';

export interface GroupResult {
  group: string;
  files: number;
  clean: number;
  withUnsupported: number;
  failed: { file: string; error: string }[];
}

export interface ConformanceResult {
  groups: GroupResult[];
  /** Every unsupported statement: `file:line:col: what`. */
  sites: string[];
  /** Unsupported statements seen, by name: how many rules and which files. */
  unsupported: Record<string, { count: number; files: Set<string> }>;
}

/** The corpus files the iptables front end is measured on, by source. */
export function corpusGroups(corpus: string): { group: string; files: string[] }[] {
  const list = (dir: string, keep: (name: string) => boolean) => {
    const d = join(corpus, dir);
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter(keep)
      .sort()
      .map((f) => join(d, f));
  };
  return [
    { group: 'iptables-semantics', files: list('iptables-semantics', () => true) },
    { group: 'moby iptabler goldens', files: list('moby', (f) => f.includes('iptabler')) },
    { group: 'ufw', files: list('ufw', () => true) },
    { group: 'kube-proxy', files: list('kube-proxy-iptables-embedded', () => true) },
    {
      group: 'iptables dumps',
      files: list('iptables', (f) => f.includes('__dumps__') || f.includes('iptables-nft-save')),
    },
    {
      group: 'iptables test blocks',
      files: [
        ...list('iptables-shell-embedded', (f) => f.endsWith('.iptables-save')),
        ...list('nftables-shell-embedded', (f) => f.endsWith('.iptables-save')),
      ],
    },
  ];
}

/** A short name for an unsupported statement: `match recent`, `target CHECKSUM`… */
export function unsupportedName(what: string): string {
  const m = /^iptables (match|target) '([^']+)'/.exec(what);
  if (m) return `${m[1]} ${m[2]}`;
  if (/^(jump|goto) (to )?chain '/.test(what)) return 'jump to a chain the file does not declare';
  if (/^ipset \S+ has no members/.test(what)) return 'ipset without members in the scenario';
  return what.split(' (')[0]!;
}

export function runConformance(corpus: string): ConformanceResult {
  const result: ConformanceResult = { groups: [], unsupported: {}, sites: [] };
  for (const { group, files } of corpusGroups(corpus)) {
    const g: GroupResult = { group, files: files.length, clean: 0, withUnsupported: 0, failed: [] };
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const name = file.slice(corpus.length + 1);
      try {
        const rs = parseIptablesSave(text, name);
        let unsupported = 0;
        for (const t of rs.tables)
          for (const c of t.chains)
            for (const r of c.rules)
              for (const s of r.statements) {
                if (s.kind !== 'unsupported') continue;
                unsupported++;
                result.sites.push(`${name}:${s.span?.line}:${s.span?.col}: ${s.what}`);
                const key = unsupportedName(s.what);
                const entry = result.unsupported[key] ?? { count: 0, files: new Set<string>() };
                entry.count++;
                entry.files.add(name);
                result.unsupported[key] = entry;
              }
        if (unsupported > 0) g.withUnsupported++;
        else g.clean++;
      } catch (e) {
        if (!(e instanceof RulesetError)) throw e;
        const d = e.diagnostics[0]!;
        g.failed.push({ file: name, error: `${d.file}:${d.line}:${d.col}: ${d.message}` });
      }
    }
    result.groups.push(g);
  }
  return result;
}

function main(): void {
  const args = process.argv.slice(2);
  const here = dirname(fileURLToPath(import.meta.url));
  const corpus = resolve(
    args.find((a) => !a.startsWith('--')) ?? join(here, '../../shared/corpus'),
  );
  if (!existsSync(corpus)) {
    console.error(`corpus not found: ${corpus}`);
    process.exit(2);
  }
  const r = runConformance(corpus);
  if (args.includes('--json')) {
    const unsupported = Object.fromEntries(
      Object.entries(r.unsupported).map(([k, v]) => [k, { count: v.count, files: v.files.size }]),
    );
    console.log(JSON.stringify({ groups: r.groups, unsupported }, null, 2));
    return;
  }
  let files = 0;
  let clean = 0;
  let unsup = 0;
  let failed = 0;
  console.log('source                    files  clean  unsupported  failed');
  for (const g of r.groups) {
    files += g.files;
    clean += g.clean;
    unsup += g.withUnsupported;
    failed += g.failed.length;
    console.log(
      `${g.group.padEnd(24)} ${String(g.files).padStart(6)} ${String(g.clean).padStart(6)} ${String(g.withUnsupported).padStart(12)} ${String(g.failed.length).padStart(7)}`,
    );
  }
  console.log(
    `${'total'.padEnd(24)} ${String(files).padStart(6)} ${String(clean).padStart(6)} ${String(unsup).padStart(12)} ${String(failed).padStart(7)}`,
  );
  console.log('\nunsupported (rules, files):');
  for (const [k, v] of Object.entries(r.unsupported).sort((a, b) => b[1].count - a[1].count)) {
    console.log(`  ${String(v.count).padStart(5)} ${String(v.files.size).padStart(4)}  ${k}`);
  }
  if (args.includes('--lines')) {
    console.log('\nunsupported, where:');
    for (const site of r.sites) console.log(`  ${site}`);
  }
  if (failed > 0) {
    console.log('\nfailed:');
    for (const g of r.groups) for (const f of g.failed) console.log(`  ${f.error}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
