// Zero-dimensional and empty tensors behave as in PyTorch 1.13 (expected values written down from torch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, zeros, arange, cat, stack, max, sum, mean, argmax, ShapeError, ValueError } from "../../src/index.js";

test("a scalar accepts dim 0 and -1 in reductions", () => {
  const s = tensor(3, undefined, { requiresGrad: true });
  assert.equal(max(s, 0).item(), 3);
  assert.equal(sum(s, -1).item(), 3);
  assert.equal(mean(s, 0).item(), 3);
  assert.equal(argmax(s, 0).item(), 0);
  assert.deepEqual(sum(s, [0], true).shape, []);
  max(s, 0).mul(2).backward();
  assert.equal(s.grad!.item(), 2);
});

test("scalars: cat refuses, stack/flip/t/unsqueeze work, slice/select refuse", () => {
  const s = tensor(3);
  assert.throws(() => cat([s, s]), (e: unknown) => e instanceof ShapeError && /zero-dimensional/.test((e as Error).message));
  assert.deepEqual(stack([s, s]).toArray(), [3, 3]);
  assert.equal(s.flip([0]).item(), 3);
  assert.equal(s.t().item(), 3);
  assert.deepEqual(s.unsqueeze(0).shape, [1]);
  assert.throws(() => s.slice(0), ShapeError);
  assert.throws(() => s.select(0, 0), ShapeError);
  assert.throws(() => s.sizeAt(0), ValueError);
});

test("empty tensors: sums are 0, means NaN, extrema over an empty dim refuse, over another dim give empty", () => {
  const e = zeros([2, 0]);
  assert.deepEqual(e.sum(1).toArray(), [0, 0]);
  assert.ok(Number.isNaN(e.mean().item()));
  assert.deepEqual(max(e, 0).shape, [0]);
  assert.deepEqual(argmax(e, 0).shape, [0]);
  assert.throws(() => max(e, 1), (e2: unknown) => e2 instanceof ValueError && /max: cannot reduce over the empty dim 1 of shape \[2,0\]/.test((e2 as Error).message));
  assert.throws(() => argmax(e), ValueError);
  assert.ok(Number.isNaN(arange(1).var().item()));
  assert.equal(arange(5).var().item(), 2.5);
  assert.equal(zeros([0]).all().item(), 1);
  assert.equal(zeros([0]).any().item(), 0);
});
