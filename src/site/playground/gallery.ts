/**
 * The scenarios the playground starts from: the seed and the gallery, their files bundled at
 * build time (gallery-files.ts), and the ruleset each names.
 */
import { files } from './gallery-files.ts';

function fileNamed(name: string): (() => Promise<string>) | undefined {
  return files[`../../../scenarios/${name}`];
}

/**
 * The ruleset file a gallery scenario names (`ruleset: file` or `ruleset:` with one
 * `nft | iptables-save | nft-json: file` under it). Only the bundled files are read this way;
 * the walk itself reads the scenario with the scenario's own parser.
 */
export function rulesetPathOf(scenarioText: string): string | undefined {
  const m =
    /^ruleset:[ \t]*(?:\r?\n[ \t]+(?:nft|iptables-save|nft-json):[ \t]*)?["']?([^"'\s#]+)/m.exec(
      scenarioText,
    );
  return m?.[1];
}

export interface GalleryScenario {
  file: string;
  scenario: string;
  ruleset: string;
}

/** A scenario of the gallery by its file name, with the ruleset file beside it. */
export async function loadGalleryScenario(file: string): Promise<GalleryScenario> {
  const load = fileNamed(file);
  if (!load) throw new Error(`no scenario ${file} in the gallery`);
  const scenario = await load();
  const path = rulesetPathOf(scenario);
  const loadRuleset = path === undefined ? undefined : fileNamed(path);
  return { file, scenario, ruleset: loadRuleset ? await loadRuleset() : '' };
}
