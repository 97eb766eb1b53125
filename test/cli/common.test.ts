// The CLI's shared helpers: one description of a state dict's misfit (the checkpoint loader's describeFit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fitProblems } from "../../src/cli/common.js"; // re-exported from src/apps/classifier.ts
import { describeFit } from "../../src/train/checkpoint.js";
import { lenet5, vgg6_bn } from "../../src/models/index.js";
import { ROOT } from "./helpers.js";

test("fitProblems says what describeFit says, after the file and model names", () => {
  const sd = vgg6_bn().stateDict();
  const got = fitProblems("w.safetensors", "lenet5", lenet5(), sd);
  const want = describeFit(lenet5().loadStateDict(sd, { strict: false }));
  assert.ok(want !== null);
  assert.equal(got, `w.safetensors does not fit lenet5: ${want}`);
  assert.equal(fitProblems("w.safetensors", "lenet5", lenet5(), lenet5().stateDict()), null);
});

test("a state dict's misfit is worded in one place under src/", () => {
  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
  const wording = files(join(ROOT, "src")).filter((f) => readFileSync(f, "utf8").includes("} unexpected keys ("));
  assert.deepEqual(wording.map((f) => f.slice(ROOT.length)), ["src/train/checkpoint.ts"]);
});
