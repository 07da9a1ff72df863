/**
 * Writes docs/spec/scenario.schema.json from the loader's description of the format
 * (src/scenario/shape.ts). test/scenario/schema.test.ts fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { scenarioSchemaText } from '../src/scenario/schema.ts';

const out = new URL('../docs/spec/scenario.schema.json', import.meta.url);
writeFileSync(out, scenarioSchemaText());
process.stdout.write(`wrote ${out.pathname} (npx biome format --write formats it)\n`);
