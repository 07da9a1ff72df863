/**
 * A scenario's ruleset file on disk: the path as written (already checked by
 * src/scenario/ruleset-path.ts) must name an existing file inside the scenario's folder, also
 * once symbolic links are followed.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { RulesetLocator } from './ruleset-path.ts';

/**
 * Locates ruleset paths (as written, once refuseRulesetPath let them through) relative to
 * `scenarioDir`, refusing any that lead out of it.
 */
export function rulesetLocator(scenarioDir: string): RulesetLocator {
  return (written) => locate(scenarioDir, written);
}

function locate(scenarioDir: string, written: string): { resolved: string } | { error: string } {
  if (isAbsolute(written)) {
    return { error: `the ruleset path "${written}" is absolute; give it relative to the scenario` };
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
