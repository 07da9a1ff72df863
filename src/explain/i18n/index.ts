import type { Lang } from '../../scenario/model.ts';
import { en } from './en.ts';
import { ja } from './ja.ts';
import type { Messages } from './messages.ts';

export const catalogues: Record<Lang, Messages> = { en, ja };

export function messages(lang: Lang): Messages {
  return catalogues[lang];
}

export type { Messages };
