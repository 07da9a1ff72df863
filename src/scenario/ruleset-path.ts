/**
 * Where a scenario's ruleset file is. It must stay inside the scenario's folder: a scenario is
 * published as a page, so it may not read arbitrary files of the machine that builds the site.
 * Absolute paths, `..` segments and symbolic links that lead out of the folder are refused.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export function resolveRulesetPath(
  scenarioDir: string,
  written: string,
): { resolved: string } | { error: string } {
  if (written.includes('\0')) return { error: 'the ruleset path contains a NUL character' };
  if (isAbsolute(written) || /^[a-zA-Z]:[\\/]/.test(written)) {
    return { error: `the ruleset path "${written}" is absolute; give it relative to the scenario` };
  }
  const segments = written.split(/[\\/]/);
  if (segments.includes('..')) {
    return {
      error: `the ruleset path "${written}" uses ".."; it must stay in the scenario's folder`,
    };
  }
  const dir = resolve(scenarioDir);
  const resolved = resolve(dir, written);
  if (!inside(dir, resolved)) {
    return { error: `the ruleset path "${written}" leads out of the scenario's folder` };
  }
  if (!existsSync(resolved)) return { error: `the ruleset file "${written}" does not exist` };
  let real: string;
  let realDir: string;
  try {
    real = realpathSync(resolved);
    realDir = realpathSync(dir);
  } catch (e) {
    return { error: `the ruleset file "${written}" cannot be read: ${(e as Error).message}` };
  }
  if (!inside(realDir, real)) {
    return {
      error: `the ruleset path "${written}" is a symbolic link out of the scenario's folder`,
    };
  }
  if (!statSync(real).isFile()) return { error: `the ruleset path "${written}" is not a file` };
  return { resolved };
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
