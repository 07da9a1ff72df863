/**
 * What the CLI's entry (main.ts) and its subcommands share: where output goes, the exit codes
 * and the shape of a subcommand. A module of its own so that commands do not import main.ts,
 * which imports them.
 */
import type { Command } from 'commander';

/** Where the CLI writes; tests pass their own to capture output. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /**
   * Renders a page as one self-contained HTML file (`explain --format html`). The renderer is
   * the site's (listings, diagrams, stylesheet), a layer above the cli, so the entry point
   * (bin/nfwalk.ts) hands it in; without it that format says it is not available.
   */
  htmlPage?: HtmlPageRenderer;
}

/** A page to render as one HTML file: the explainer's MDX body and what it is about. */
export interface HtmlPageInput {
  title: string;
  mdx: string;
  lang: 'en' | 'ja';
  /** The scenario file, for messages. */
  source: string;
}

export type HtmlPageRenderer = (
  page: HtmlPageInput,
  warn: (message: string) => void,
) => Promise<string>;

/** Exit codes: 0 success, 1 the input has errors (or a check failed), 2 usage or environment. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A subcommand's work once its arguments are parsed; resolves to the exit code. */
export type Action = (io: Io) => Promise<number> | number;

/** Adds a subcommand to the program; its action is handed to `setAction` rather than run. */
export type Register = (program: Command, io: Io, setAction: (action: Action) => void) => void;
