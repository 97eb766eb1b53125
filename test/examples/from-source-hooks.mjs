// The resolve hook of from-source.mjs: the package's entry points → src/, resolved on through tsx (which then
// transpiles them).
const ENTRIES = { convkit: "../../src/index.ts", "convkit/node": "../../src/node.ts" };

export async function resolve(specifier, context, next) {
  const file = ENTRIES[specifier];
  return next(file ? new URL(file, import.meta.url).href : specifier, context);
}
