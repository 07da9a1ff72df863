/**
 * What `nfwalk new` writes: a scenario and its ruleset, from the minimal template in
 * templates/ or from a gallery scenario, with the `yaml-language-server` line that points
 * editors at the scenario JSON Schema. Texts in, texts out; src/cli/commands/new.ts writes them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenarioText } from '../scenario/parse.ts';
import { rulesetLocator } from '../scenario/ruleset-file.ts';
import { closest } from '../scenario/suggest.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The gallery: every scenario the site publishes. */
export const GALLERY_DIR = join(ROOT, 'scenarios');
/** The scenario JSON Schema (docs/spec/scenario-format.md says what it covers). */
export const SCHEMA_FILE = join(ROOT, 'docs', 'spec', 'scenario.schema.json');
const TEMPLATE_SCENARIO = join(ROOT, 'templates', 'new-scenario.yaml');
const TEMPLATE_RULESET = join(ROOT, 'templates', 'new-scenario.nft');
/** The line editors (the YAML language server) read to find the schema. */
const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*\n/;

/** The two files to write, by path, and where their text came from. */
export interface NewScenario {
  scenarioPath: string;
  scenarioText: string;
  rulesetPath: string;
  rulesetText: string;
  from: string;
}

/** The gallery's scenario names (file names without .yaml). */
export function galleryNames(): string[] {
  return readdirSync(GALLERY_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A scenario to start from: a path to a scenario file, or a gallery name. */
export function findSource(from: string): { path: string } | { error: string } {
  if (existsSync(from) && from.endsWith('.yaml')) return { path: from };
  const name = basename(from).replace(/\.yaml$/, '');
  const names = galleryNames();
  if (names.includes(name)) return { path: join(GALLERY_DIR, `${name}.yaml`) };
  const hint = closest(name, names);
  return {
    error:
      `no scenario "${from}" in the gallery${hint ? ` (did you mean "${hint}"?)` : ''}; ` +
      `the gallery has: ${names.join(', ')}`,
  };
}

/** `# yaml-language-server: $schema=…` for a scenario written at `scenarioPath`. */
export function schemaLine(scenarioPath: string): string {
  const rel = relative(dirname(resolve(scenarioPath)), SCHEMA_FILE)
    .split(sep)
    .join('/');
  return `# yaml-language-server: $schema=${rel}\n`;
}

/**
 * The files for `name` (a path without or with .yaml): the template, or the scenario at
 * `sourcePath` with its ruleset path rewritten to the copy's. Throws ScenarioError when the
 * source does not load.
 */
export function newScenario(name: string, sourcePath?: string): NewScenario {
  const base = name.replace(/\.ya?ml$/, '');
  const scenarioPath = `${base}.yaml`;
  let text: string;
  let rulesetText: string;
  let ext = '.nft';
  let refAt: { offset: number; written: string };
  if (sourcePath === undefined) {
    text = readFileSync(TEMPLATE_SCENARIO, 'utf8');
    rulesetText = readFileSync(TEMPLATE_RULESET, 'utf8');
    refAt = { offset: text.indexOf('RULESET'), written: 'RULESET' };
  } else {
    text = readFileSync(sourcePath, 'utf8');
    const source = parseScenarioText(text, sourcePath, rulesetLocator(dirname(sourcePath)));
    const ref = source.ruleset;
    rulesetText = readFileSync(ref.resolved, 'utf8');
    ext = extname(ref.path) || ext;
    refAt = { offset: ref.span?.offset ?? text.indexOf(ref.path), written: ref.path };
  }
  const rulesetPath = `${base}${ext}`;
  const body = replaceAt(text, refAt.offset, refAt.written, basename(rulesetPath));
  return {
    scenarioPath,
    scenarioText: schemaLine(scenarioPath) + body.replace(SCHEMA_LINE, ''),
    rulesetPath,
    rulesetText,
    from: sourcePath ?? 'the minimal template',
  };
}

/** `text` with the path written at `offset` (plain or quoted) replaced by `path`. */
function replaceAt(text: string, offset: number, written: string, path: string): string {
  const quote = text[offset];
  const quoted = quote === '"' || quote === "'";
  const length = quoted ? text.indexOf(quote, offset + 1) + 1 - offset : written.length;
  const plain = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(path);
  const value = plain ? path : JSON.stringify(path);
  return text.slice(0, offset) + value + text.slice(offset + length);
}
