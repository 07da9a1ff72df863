/**
 * The nfwalk subcommands that exist in this build, read from the CLI itself (`nfwalk --help`,
 * run once at build time), so the CLI page never claims a command that is not there.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliCommand {
  name: string;
  description: string;
  usage: string;
}

/** Parse commander's help text: the lines under "Commands:". */
export function parseHelp(help: string): CliCommand[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Commands:\s*$/.test(l));
  if (start < 0) return [];
  const out: CliCommand[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s{2}\S/.test(line)) {
      if (line.trim() === '') break;
      const last = out.at(-1);
      if (last) last.description += ` ${line.trim()}`;
      continue;
    }
    const m = /^\s{2}(\S+)((?:\s\S+)*?)(?:\s{2,}(.*))?$/.exec(line);
    if (!m || m[1] === 'help') continue;
    out.push({
      name: m[1] as string,
      usage: `nfwalk ${m[1]}${m[2] ?? ''}`,
      description: m[3] ?? '',
    });
  }
  return out;
}

let cached: CliCommand[] | undefined;

export function availableCommands(root = process.cwd()): CliCommand[] {
  cached ??= parseHelp(
    execFileSync(process.execPath, [join(root, 'bin/nfwalk.ts'), '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    }),
  );
  return cached;
}

/** The subcommands the project plans, in the order the CLI page presents them. */
export const PLANNED_COMMANDS = [
  'check',
  'format',
  'trace',
  'verify',
  'explain',
  'capture',
] as const;
