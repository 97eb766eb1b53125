// The layers of src/ (docs/architecture.md): each folder imports only from folders below it, type imports included,
// so there is no import cycle between tensor/, autograd/, backends/ and ops/ or anywhere across folders.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** Each folder's rank: a file may import from a folder of lower rank, or from its own folder. */
const RANK: Record<string, number> = {
  errors: 0, tensor: 1, autograd: 2, backends: 3, ops: 4, nn: 5, optim: 5, models: 6, io: 6, data: 7, viz: 7, train: 8, apps: 9, cli: 10,
};
/** The package's entry points re-export every layer. */
const ENTRY = new Set(["index.ts", "node.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The folder of a file under src/ ("errors" for src/errors.ts). */
function layerOf(file: string): string {
  const rel = relative(SRC, file).split("/");
  return rel.length === 1 ? rel[0]!.replace(/\.ts$/, "") : rel[0]!;
}

/** A relative import, re-export, side-effect import or module augmentation, and its specifier. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"|(?:^|\n)\s*import\s+"(\.[^"]+)"|declare module "(\.[^"]+)"/g;

/** The files under src/ that `text` (the source of `file`) imports, `import type` included. */
function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  return [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), (m[1] ?? m[2] ?? m[3]!).replace(/\.js$/, ".ts"))));
}

test("every folder of src/ imports only from the layers below it (docs/architecture.md)", () => {
  const problems: string[] = [];
  for (const f of files(SRC)) {
    if (ENTRY.has(relative(SRC, f))) continue;
    const from = layerOf(f);
    assert.ok(from in RANK, `${relative(SRC, f)}: folder '${from}' has no rank in this test`);
    for (const target of importsOf(f)) {
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to === from) continue;
      if (!(to in RANK) || RANK[to]! >= RANK[from]!) problems.push(`${relative(SRC, f)} → ${relative(SRC, target)} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the check sees every form of import the sources use", () => {
  const file = join(SRC, "tensor", "x.ts");
  const text = [
    'import { a } from "../ops/a.js";', "import type {\n  B,\n  C,\n} from '../ops/b.js';".replace(/'/g, '"'), 'export { d } from "../ops/d.js";',
    'import "../ops/e.js";', 'declare module "../ops/f.js" {}', "// import { z } from \"./not-an-import\"",
  ].join("\n");
  assert.deepEqual(importsOf(file, text).map((p) => relative(SRC, p)), ["ops/a.ts", "ops/b.ts", "ops/d.ts", "ops/e.ts", "ops/f.ts"]);
});
