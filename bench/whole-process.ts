/**
 * Whole-process figures, as users run the commands: `nfwalk --version` (wall time) and
 * `nfwalk check FILE` (CPU time, user + system) against `nft -c -f FILE` in a network namespace
 * (CPU time), each the median of `runs`, taking turns so both see the same drift in a shared
 * machine's speed. Times come from bash's `time` keyword (the child's rusage, to the ms).
 *
 * `nfwalk` runs as `npx nfwalk` and an installed `nfwalk` run it: the package's bin executed as
 * a program, through its `#!` line and the V8 flags there (bin/nfwalk.mjs says why), with this
 * Node first on PATH. `node bin/nfwalk.mjs` (no flags) is measured beside it.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const NFWALK = fileURLToPath(new URL('../bin/nfwalk.mjs', import.meta.url));
/** The environment the bin runs in as a program: the `node` its `#!` line finds is this one. */
const AS_PROGRAM = {
  ...process.env,
  PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter),
};

export interface Timed {
  wallMs: number;
  cpuMs: number;
}

/** Runs argv to completion (output discarded) and returns its wall and CPU time. */
export function timed(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>&1; } 2>&1', 'bench', ...argv],
    { encoding: 'utf8', env },
  );
  const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stdout);
  if (r.status !== 0 || !m)
    throw new Error(`cannot time ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
  return { wallMs: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `nfwalk --version` wall time (run as a program), median of `runs`. */
export function versionWallMs(runs: number): number {
  return median(
    Array.from({ length: runs }, () => timed([NFWALK, '--version'], AS_PROGRAM).wallMs),
  );
}

export interface CheckCpu {
  /** `nfwalk check file` run as a program (through the bin's `#!` line). */
  nfwalk: number;
  /** `node bin/nfwalk.mjs check file`: the same without the flags of the `#!` line. */
  nodeBin: number;
  /** `nft -c -f file`, when a network namespace to run it in was given. */
  nft?: number;
}

/** `nfwalk check file` both ways and (when `ns` is given) `nft -c -f file` CPU ms, medians, in turns. */
export function checkCpuMs(file: string, runs: number, ns: string | undefined): CheckCpu {
  const ours: number[] = [];
  const plain: number[] = [];
  const theirs: number[] = [];
  for (let k = 0; k < runs; k++) {
    ours.push(timed([NFWALK, 'check', file], AS_PROGRAM).cpuMs);
    if (ns) theirs.push(timed(['ip', 'netns', 'exec', ns, 'nft', '-c', '-f', file]).cpuMs);
    plain.push(timed([process.execPath, NFWALK, 'check', file]).cpuMs);
  }
  return { nfwalk: median(ours), nodeBin: median(plain), ...(ns ? { nft: median(theirs) } : {}) };
}
