/**
 * The playground's Web Worker: the pipeline (src/pipeline.ts) on the editors' texts, away from
 * the page's thread, so typing never waits for a walk. The ruleset editor is the file whatever
 * path the scenario's `ruleset:` names; includes are refused as nothing else can be read.
 */
import {
  type Loaded,
  pageOf,
  pageTreeOf,
  type RulesetResolver,
  rulesetFromText,
  scenarioFromText,
  walk,
} from '../../pipeline.ts';
import { DiagnosticError } from '../../ruleset/diagnostics.ts';
import type { WalkReply, WalkRequest } from './protocol.ts';
import { renderExplanation } from './render.ts';

const post = (reply: WalkReply) => (self as unknown as Worker).postMessage(reply);

function resolverFor(text: string): RulesetResolver {
  return (path) => ({ resolved: path, read: () => text });
}

async function answer(req: WalkRequest): Promise<WalkReply> {
  const started = performance.now();
  const resolve = resolverFor(req.ruleset);
  let loaded: Loaded;
  let rulesetPath: string | undefined;
  try {
    post({ id: req.id, kind: 'progress', stage: 'reading' });
    const scenario = scenarioFromText({ file: req.scenarioFile, text: req.scenario }, resolve);
    rulesetPath = scenario.ruleset.path;
    loaded = { scenario, ruleset: rulesetFromText(scenario, resolve) };
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    return {
      id: req.id,
      kind: 'errors',
      diagnostics: [...error.diagnostics],
      ...(rulesetPath === undefined ? {} : { rulesetPath }),
    };
  }
  post({ id: req.id, kind: 'progress', stage: 'walking' });
  const walked = walk(loaded);
  post({ id: req.id, kind: 'progress', stage: 'writing' });
  const page = pageTreeOf(walked, { lang: req.lang, format: 'mdx' });
  const html = await renderExplanation(page.root);
  // The Markdown is written once the page is on its way: Copy as Markdown waits for it.
  setTimeout(() => {
    const md = pageOf(walked, { lang: req.lang, format: 'md' });
    post({ id: req.id, kind: 'markdown', markdown: md.markdown });
  });
  return {
    id: req.id,
    kind: 'page',
    title: page.title,
    html,
    rulesetPath: loaded.scenario.ruleset.path,
    rulesetFormat: loaded.scenario.ruleset.format,
    millis: performance.now() - started,
  };
}

self.addEventListener('message', (event: MessageEvent<WalkRequest>) => {
  const req = event.data;
  answer(req).then(post, (error: unknown) =>
    post({ id: req.id, kind: 'failed', message: String((error as Error)?.message ?? error) }),
  );
});
