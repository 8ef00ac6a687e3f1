// Chevrotain's runtime values, from the one-file bundle it ships (lib/chevrotain.mjs): its package
// entry loads ~650 lodash-es modules, about 30 MB of RSS in every process; the bundle about 5 MB.
type Chevrotain = typeof import("chevrotain");

async function loadChevrotain(): Promise<Chevrotain> {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (resolve !== undefined) {
    try {
      // The entry is lib/src/api.js; the bundle lib/chevrotain.mjs.
      return (await import(resolve("chevrotain").replace(/\/src\/api\.js$/, "/chevrotain.mjs"))) as Chevrotain;
    } catch {
      // No bundle beside the entry (another layout, or a browser without an import map): the entry.
    }
  }
  return import("chevrotain");
}

export const { createToken, Lexer, EmbeddedActionsParser, tokenMatcher } = await loadChevrotain();
