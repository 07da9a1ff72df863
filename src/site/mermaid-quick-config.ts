/**
 * mermaid answers every `getConfig()` with a fresh copy of its whole configuration, made by its
 * general-purpose `assignWithDepth({}, config)` (entries, `Object.hasOwn` and
 * `Object.defineProperty` for every key at three levels). Drawing one diagram asks for it
 * hundreds of times: measured in the renderer page on the gallery's diagrams, that copy was
 * about 30% of all drawing time.
 *
 * The renderer page (mermaid-browser.ts) loads the bundle's chunk with getConfig rewritten to
 * make the same copy by a direct walk (`configCopy` below): the same keys in the same order,
 * the same values, the same levels shared or copied, nulls skipped and arrays de-duplicated as
 * assignWithDepth does, a fresh copy every call. The diagrams drawn are byte for byte those of
 * the unmodified bundle (test/site/mermaid-quick-config.test.ts draws every gallery diagram both
 * ways). A bundle whose getConfig does not read as expected is served unmodified.
 *
 * Only the build's renderer uses it; the bundle copied into the site for readers' browsers is
 * mermaid's own.
 */

/**
 * `<name>=a(()=>U({},<config>),"getConfig")` in the minified chunk: `a` names the function,
 * `U` is assignWithDepth, `<config>` the current configuration.
 */
const GET_CONFIG = /(\b[\w$]+)=([\w$]+)\(\(\)=>([\w$]+)\(\{\},([\w$]+)\),"getConfig"\)/g;

/**
 * assignWithDepth({}, t) with its default depth 2, for the plain objects a configuration holds:
 * each level spread (own keys in their order, defined as assignWithDepth defines them), then
 * its object values replaced: nulls dropped, arrays de-duplicated, objects copied one level
 * further (assigned, at the last level). Symbol keys, which a configuration has none of, would
 * be copied where assignWithDepth skips them.
 */
function configCopy(t: Record<string, unknown>): Record<string, unknown> {
  const unique = (a: unknown[]) => {
    const out: unknown[] = [];
    a.forEach((v) => {
      if (!out.includes(v)) out.push(v);
    });
    return out;
  };
  const level = (src: Record<string, unknown>, deeper: boolean) => {
    const out: Record<string, unknown> = { ...src };
    for (const key in out) {
      const value = out[key];
      if (typeof value !== 'object') continue;
      if (value === null) delete out[key];
      else if (Array.isArray(value)) out[key] = unique(value);
      else
        out[key] = deeper
          ? level(value as Record<string, unknown>, false)
          : Object.assign({}, value);
    }
    return out;
  };
  return level(t, true);
}

/** The chunk with getConfig's copy made by configCopy; unchanged unless it is found once. */
export function quickGetConfig(code: string): string {
  const found = [...code.matchAll(GET_CONFIG)];
  if (found.length !== 1) return code;
  // A `var` before the module's code: its imports are hoisted whatever comes first.
  return `var __nfwConfigCopy = (${configCopy.toString()});\n${code.replace(
    GET_CONFIG,
    (_m, name: string, named: string, _assign: string, config: string) =>
      `${name}=${named}(()=>__nfwConfigCopy(${config}),"getConfig")`,
  )}`;
}
