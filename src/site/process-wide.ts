/**
 * One value per process, whichever copy of a module asks for it. A build loads some of the
 * site's modules twice: the content loader runs in Vite's module runner, while astro.config.mjs
 * and its integrations and remark plugins run in Node's own module graph. State they must share
 * (the diagrams being drawn, the browser drawing them) lives here, under a registered symbol.
 */
export function processWide<T>(name: string, create: () => T): T {
  const store = globalThis as { [key: symbol]: unknown };
  const key = Symbol.for(`nfwalk.${name}`);
  if (!(key in store)) store[key] = create();
  return store[key] as T;
}
