/**
 * The picker's entries, read at build time: every scenario file of the site's scenarios folder
 * with its title in the page's language, the seed first.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import type { Lang } from '../../scenario/model.ts';
import { scenarioFiles } from '../scenarios.ts';

export interface PickerEntry {
  file: string;
  title: string;
}

function titleOf(text: string, lang: Lang): string | undefined {
  try {
    const data = parse(text) as {
      title?: unknown;
      lang?: unknown;
      translations?: Record<string, { title?: unknown }>;
    } | null;
    const own = data?.lang === lang || (data?.lang === undefined && lang === 'en');
    const title = own ? data?.title : (data?.translations?.[lang]?.title ?? data?.title);
    return typeof title === 'string' ? title : undefined;
  } catch {
    return undefined;
  }
}

/** The scenarios of `dir` (the site's scenarios folder), the seed first. */
export function pickerEntries(dir: string, lang: Lang): PickerEntry[] {
  const entries = scenarioFiles(dir).map((path) => ({
    file: basename(path),
    title: titleOf(readFileSync(path, 'utf8'), lang) ?? basename(path),
  }));
  const seed = (e: PickerEntry) => (e.file.startsWith('seed-') ? 0 : 1);
  return entries.sort((a, b) => seed(a) - seed(b));
}
