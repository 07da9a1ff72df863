/** A walk the simulator stops (a statement nfwalk does not model) is told as such, never as a verdict. */
import { describe, expect, it } from 'vitest';
import { buildDocument } from '../../src/explain/document.ts';
import { en } from '../../src/explain/i18n/en.ts';
import { explainToText } from '../../src/explain/index.ts';
import type { Trace, TraceEvent } from '../../src/netfilter/trace.ts';
import { seedTrace } from './fixtures/seed/trace.ts';
import { fixtureRuleset, fixtureScenario } from './helpers.ts';

function stoppedTrace(): Trace {
  const t: Trace = JSON.parse(JSON.stringify(seedTrace));
  const request = t.conversations[0]!.packets[0]!;
  const cut = request.events.findIndex((e) => e.type === 'rule' && e.chain === 'DOCKER');
  const stop: TraceEvent = {
    type: 'unsupported',
    message: 'osf name "Linux" needs an OS fingerprint the scenario does not give',
    detail: { what: 'expression', chain: 'DOCKER', index: 3, reason: 'osf name' },
  };
  request.events = [...request.events.slice(0, cut), stop];
  t.conversations[0]!.packets = [request];
  return t;
}

describe('an unsupported statement', () => {
  it('ends the page’s walk where the simulator stopped, with the chain and rule', () => {
    const page = explainToText(fixtureScenario(), fixtureRuleset(), stoppedTrace(), {
      lang: 'en',
      format: 'md',
    });
    expect(page.conversations).toEqual([{ index: 0, verdict: 'unsupported' }]);
    expect(page.markdown).toContain('The walk stops here: nfwalk does not model `osf name`');
    expect(page.markdown).toContain('(in chain `DOCKER`, rule 4)');
    // No claim about what happened after: no forward hook, no delivery.
    expect(page.markdown).not.toMatch(/^#### Request.*\(forward\)/m);
    expect(page.markdown).toMatch(/^#### Request from client \(prerouting\)/m);
    expect(page.markdown).not.toContain('Delivered');
  });

  it('builds the same tree for the same inputs (the page is a function of the trace)', () => {
    const a = buildDocument(fixtureScenario(), fixtureRuleset(), stoppedTrace(), {
      format: 'md',
      msg: en,
    });
    const b = buildDocument(fixtureScenario(), fixtureRuleset(), stoppedTrace(), {
      format: 'md',
      msg: en,
    });
    expect(a.root).toEqual(b.root);
  });
});
