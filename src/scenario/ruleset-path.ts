/**
 * Where a scenario's ruleset file may be. It must stay inside the scenario's folder: a scenario is
 * published as a page, so it may not read arbitrary files of the machine that builds the site.
 * Absolute paths and `..` segments are refused here, from the text alone; whoever reads the
 * files (src/scenario/ruleset-file.ts on disk) refuses what the file system adds: a missing
 * file, a folder, a symbolic link out of the folder.
 */

/** Where a ruleset path written in a scenario leads, or why it may not be read. */
export type RulesetLocator = (written: string) => { resolved: string } | { error: string };

/** Why the path as written may not name a ruleset file, or undefined when it may. */
export function refuseRulesetPath(written: string): { error: string } | undefined {
  if (written.includes('\0')) return { error: 'the ruleset path contains a NUL character' };
  if (written.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(written)) {
    return { error: `the ruleset path "${written}" is absolute; give it relative to the scenario` };
  }
  const segments = written.split(/[\\/]/);
  if (segments.includes('..')) {
    return {
      error: `the ruleset path "${written}" uses ".."; it must stay in the scenario's folder`,
    };
  }
  // Nothing but `.` and separators names the folder itself.
  if (segments.every((s) => s === '' || s === '.')) {
    return { error: `the ruleset path "${written}" leads out of the scenario's folder` };
  }
  return undefined;
}
