import { defineCollection } from 'astro:content';
import { i18nLoader } from '@astrojs/starlight/loaders';
import { docsSchema, i18nSchema } from '@astrojs/starlight/schema';
import { z } from 'astro/zod';
import { nfwalkDocsLoader } from './site/loader.ts';

/**
 * Hand-written pages live in content/ at the top of the repository; scenario pages are
 * generated from scenarios/ at build time by the loader (src/site/loader.ts). `i18n` is
 * Starlight's collection of UI strings (src/content/i18n/, where Starlight reads it): the
 * site's own, in each language.
 */
export const collections = {
  docs: defineCollection({
    loader: nfwalkDocsLoader(),
    schema: docsSchema({
      extend: z.object({
        /** Generated scenario pages: the scenario file they were built from. */
        nfwalkScenario: z.string().optional(),
      }),
    }),
  }),
  i18n: defineCollection({
    loader: i18nLoader(),
    schema: i18nSchema({
      extend: z.object({
        /** The table of subcommands on the CLI guide page (src/site/components/CliCommands.astro). */
        'nfwalk.cli.command': z.string(),
        'nfwalk.cli.purpose': z.string(),
        'nfwalk.cli.options': z.string(),
      }),
    }),
  }),
};
