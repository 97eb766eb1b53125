// The browser entry (src/index.ts) and everything it imports, transitively, must not import a Node-only module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Static import/export specifiers of a TypeScript file (type-only imports are erased, so they are skipped). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of source.matchAll(re)) {
    if (m[2]) continue;
    out.push((m[3] ?? m[4] ?? m[5])!);
  }
  return out;
}

test("src/index.ts reaches no Node-only module", () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const stack = [join(ROOT, "src", "index.ts")];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
        if (existsSync(target)) stack.push(target);
      } else if (NODE_BUILTINS.has(spec)) {
        offenders.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
  }
  assert.ok(seen.size > 20, `only ${seen.size} files reached`);
  for (const core of ["src/tensor/tensor.ts", "src/autograd/backward.ts", "src/ops/movement.ts", "src/backends/js/index.ts"]) {
    assert.ok(seen.has(join(ROOT, core)), `${core} not reached from src/index.ts`);
  }
  assert.deepEqual(offenders, []);
});
