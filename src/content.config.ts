import { defineCollection } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
import { z } from 'astro/zod';
import { nfwalkDocsLoader } from './site/loader.ts';

/**
 * Hand-written pages live in content/ at the top of the repository; scenario pages are
 * generated from scenarios/ at build time by the loader (src/site/loader.ts).
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
};
