// Under `npm run test:wasm` every test process must really run on the wasm backend (the preload selected it),
// and conv/linear ops must reach the wasm kernels rather than fall back to the reference ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getBackend, kernelFallbacks } from "../../src/backends/registry.js";
import { initWasm, wasmInfo } from "../../src/backends/wasm/index.js";
import { randn } from "../../src/tensor/creation.js";
import * as F from "../../src/ops/functional.js";

test("the wasm backend is selected under test:wasm, and conv2d/linear run on it", async () => {
  if (process.env.CONVKIT_BACKEND !== "wasm") await initWasm({ threads: 2 });
  assert.equal(getBackend().name, "wasm");
  assert.equal(wasmInfo().ready, true);
  const before = kernelFallbacks();
  const x = randn([2, 3, 9, 9]), w = randn([4, 3, 3, 3]);
  F.conv2d(x, w, null, { padding: 1 });
  F.linear(randn([5, 7]), randn([6, 7]));
  const after = kernelFallbacks();
  for (const k of ["wasm:conv2d", "wasm:matmul"]) assert.equal(after[k] ?? 0, before[k] ?? 0, `${k} fell back`);
});
