#!/usr/bin/env node
import { main } from '../src/cli/index.ts';
import type { HtmlPageRenderer } from '../src/cli/io.ts';
import { processIo } from '../src/cli/main.ts';

/** `explain --format html` renders with the site's renderer, loaded only when asked for. */
const htmlPage: HtmlPageRenderer = async (page, warn) =>
  (await import('../src/site/single-page.ts')).renderHtmlPage(page, warn);

process.exitCode = await main(process.argv.slice(2), { ...processIo, htmlPage });
