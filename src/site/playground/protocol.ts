/**
 * What the playground's page and its worker say to each other. The page sends the two editors'
 * texts; the worker answers with progress, then the explained page or the input's errors.
 */
import type { Diagnostic } from '../../ruleset/diagnostics.ts';
import type { RulesetFormat } from '../../ruleset/format.ts';
import type { Lang } from '../../scenario/model.ts';

export interface WalkRequest {
  id: number;
  /** The scenario file's name (messages and the ruleset's resolver use it). */
  scenarioFile: string;
  scenario: string;
  ruleset: string;
  lang: Lang;
}

export type WalkStage = 'reading' | 'walking' | 'writing';

export type WalkReply =
  | { id: number; kind: 'progress'; stage: WalkStage }
  | {
      id: number;
      kind: 'page';
      title: string;
      /**
       * The page as the site shows it, one HTML piece per top-level block (serialised from a
       * syntax tree: every input text escaped).
       */
      html: string[];
      /** The ruleset path the scenario names, and the format it gives it. */
      rulesetPath: string;
      rulesetFormat: RulesetFormat;
      millis: number;
    }
  /** After the page: what `nfwalk explain --lang <lang> --format md` prints for the same files. */
  | { id: number; kind: 'markdown'; markdown: string }
  | {
      id: number;
      kind: 'errors';
      /** Positioned at the scenario file or the ruleset path. */
      diagnostics: Diagnostic[];
      rulesetPath?: string;
    }
  | { id: number; kind: 'failed'; message: string };
