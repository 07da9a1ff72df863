/**
 * Whole-process figures, as users run the commands: `nfwalk --version` (wall time) and
 * `nfwalk check FILE` (CPU time, user + system) against `nft -c -f FILE` in a network namespace
 * (CPU time), each the median of `runs`, taking turns so both see the same drift in a shared
 * machine's speed. Times come from bash's `time` keyword (the child's rusage, to the ms).
 */
import { spawnSync } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const NFWALK = fileURLToPath(new URL('../bin/nfwalk.mjs', import.meta.url));

export interface Timed {
  wallMs: number;
  cpuMs: number;
}

/**
 * The command as users run it: bin/nfwalk.mjs executed itself, so that its `#!` line (and the
 * Node options it sets) applies, with this Node first on PATH.
 */
const USER_ENV = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
};

/** Runs argv to completion (output discarded) and returns its wall and CPU time. */
export function timed(argv: readonly string[]): Timed {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="%3R %3U %3S"; { time "$@" >/dev/null 2>&1; } 2>&1', 'bench', ...argv],
    { encoding: 'utf8', env: USER_ENV },
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

/** `nfwalk --version` wall time, median of `runs`. */
export function versionWallMs(runs: number): number {
  return median(Array.from({ length: runs }, () => timed([NFWALK, '--version']).wallMs));
}

/** `nfwalk check file` and (when `ns` is given) `nft -c -f file` CPU ms, medians, in turns. */
export function checkCpuMs(
  file: string,
  runs: number,
  ns: string | undefined,
): { nfwalk: number; nft?: number } {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let k = 0; k < runs; k++) {
    ours.push(timed([NFWALK, 'check', file]).cpuMs);
    if (ns) theirs.push(timed(['ip', 'netns', 'exec', ns, 'nft', '-c', '-f', file]).cpuMs);
  }
  return { nfwalk: median(ours), ...(ns ? { nft: median(theirs) } : {}) };
}

/** `nfwalk ARGS` (a command as users run it) wall and CPU ms, each the median of `runs`. */
export function commandMs(args: readonly string[], runs: number): Timed {
  const times = Array.from({ length: runs }, () => timed([NFWALK, ...args]));
  return {
    wallMs: median(times.map((t) => t.wallMs)),
    cpuMs: median(times.map((t) => t.cpuMs)),
  };
}
