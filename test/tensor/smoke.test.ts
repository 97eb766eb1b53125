import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, randn, arange } from "../../src/index.js";

test("broadcast add, sum and backward", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], undefined, { requiresGrad: true });
  const b = tensor([10, 20, 30], undefined, { requiresGrad: true });
  const y = a.add(b).mul(a).sum();
  y.backward();
  assert.deepEqual(a.grad!.toArray(), [[12, 24, 36], [18, 30, 42]]);
  assert.deepEqual(b.grad!.toArray(), [5, 7, 9]);
});

test("matmul, permute, pad, printing", () => {
  const x = arange(6).reshape([2, 3]);
  assert.deepEqual(x.matmul(x.t()).toArray(), [[5, 14], [14, 50]]);
  assert.deepEqual(x.permute([1, 0]).toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.match(randn([2, 2]).toString(), /^tensor\(\[\[/);
});
