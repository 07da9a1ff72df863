/**
 * A sentence as data: text runs, code spans and strong runs. Catalogue messages return these,
 * and the document builder turns them into mdast phrasing nodes, so no text from a ruleset or
 * scenario is ever parsed as Markdown or MDX.
 */
import type { PhrasingContent } from 'mdast';

export type Inline = string | { code: string } | { strong: string };
export type Phrase = Inline[];

export const code = (text: string): Inline => ({ code: text });
export const strong = (text: string): Inline => ({ strong: text });

export function toPhrasing(p: Phrase): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  for (const part of p) {
    if (typeof part === 'string') {
      if (part === '') continue;
      const prev = out[out.length - 1];
      if (prev?.type === 'text') prev.value += part;
      else out.push({ type: 'text', value: part });
    } else if ('code' in part) out.push({ type: 'inlineCode', value: part.code });
    else out.push({ type: 'strong', children: [{ type: 'text', value: part.strong }] });
  }
  return out;
}

/** The phrase as plain text (for diagrams, titles and tests). */
export function plain(p: Phrase): string {
  return p.map((x) => (typeof x === 'string' ? x : 'code' in x ? x.code : x.strong)).join('');
}

export function concat(...parts: Phrase[]): Phrase {
  return parts.flat();
}

/** Two sentences in one paragraph: a space between them, none after a Japanese full stop. */
export function sentences(a: Phrase, b: Phrase): Phrase {
  const last = a.at(-1);
  return typeof last === 'string' && last.endsWith('。') ? [...a, ...b] : [...a, ' ', ...b];
}

/** Upper-cases the first letter of the first text run (English sentence starts). */
export function capitalize(p: Phrase): Phrase {
  const [first, ...rest] = p;
  if (typeof first === 'string' && first.length > 0) {
    return [first[0]!.toUpperCase() + first.slice(1), ...rest];
  }
  return p;
}
