/**
 * `ruleset:` in its forms: a path (nft text), or `{nft | iptables-save | nft-json: path}`. The
 * path is checked as written, then located by whoever reads the files (`locate`); a refusal of
 * either is an error at the path.
 */

import { isScalar } from 'yaml';
import type { RulesetRef } from './model.ts';
import { type RulesetLocator, refuseRulesetPath } from './ruleset-path.ts';
import { RULESET_FORMATS } from './shape.ts';
import type { Entry, Reader } from './yaml-reader.ts';

const FORMATS: readonly RulesetRef['format'][] = RULESET_FORMATS;

export function readRulesetRef(
  r: Reader,
  entry: Entry,
  locate: RulesetLocator,
): RulesetRef | undefined {
  let format: RulesetRef['format'] = 'nft';
  let pathEntry: Entry = entry;
  if (!isScalar(entry.value)) {
    const m = r.map(entry.value, 'ruleset', FORMATS, [], entry.key);
    if (!m) return undefined;
    if (m.size !== 1) {
      r.error(
        entry.value,
        `ruleset must give exactly one of ${FORMATS.join(', ')}${m.size ? `, not ${m.size}` : ''}`,
      );
      return undefined;
    }
    const [name, e] = [...m][0]!;
    format = name as RulesetRef['format'];
    pathEntry = e;
  }
  const written = r.string(pathEntry);
  if (written === undefined) return undefined;
  const where = refuseRulesetPath(written) ?? locate(written);
  if ('error' in where) {
    r.error(pathEntry.value, where.error);
    return undefined;
  }
  const span = r.span(pathEntry.value);
  return { format, path: written, resolved: where.resolved, ...(span ? { span } : {}) };
}
