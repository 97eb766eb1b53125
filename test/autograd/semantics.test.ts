// Autograd semantics as PyTorch defines them: accumulation, noGrad, detach, retainGrad, in-place rules, misuse errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, ones, zeros, noGrad, isGradEnabled, withGradEnabled, GradError, ShapeError, DTypeError, Tensor, arange, cat } from "../../src/index.js";

const grad = (t: Tensor): unknown => t.grad?.toArray();

test("a leaf used twice gets the sum of both paths", () => {
  const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
  const y = x.mul(x).add(x.mul(3)).sum(); // d/dx (x² + 3x) = 2x + 3
  y.backward();
  assert.deepEqual(grad(x), [5, 7, 9]);
});

test("gradients accumulate across backward calls until zeroed", () => {
  const x = tensor([1, -2], undefined, { requiresGrad: true });
  x.mul(2).sum().backward();
  x.mul(x).sum().backward();
  assert.deepEqual(grad(x), [2 + 2, 2 - 4]);
  noGrad(() => x.grad!.zero_());
  x.sum().backward();
  assert.deepEqual(grad(x), [1, 1]);
});

test("both inputs of an add get their own grad buffer", () => {
  const a = tensor([1, 2], undefined, { requiresGrad: true });
  const b = tensor([3, 4], undefined, { requiresGrad: true });
  const seed = tensor([1, 1]);
  a.add(b).backward(seed);
  assert.notEqual(a.grad!.data, b.grad!.data);
  assert.notEqual(a.grad!.data, seed.data);
  a.grad!.zero_();
  assert.deepEqual(grad(b), [1, 1]);
  assert.deepEqual(seed.toArray(), [1, 1]);
});

test("a non-scalar backward takes the upstream gradient", () => {
  const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
  x.square().backward(tensor([[1, 0], [0.5, 2]]));
  assert.deepEqual(grad(x), [[2, 0], [3, 16]]);
});

test("noGrad records nothing and restores the mode, also after a throw", () => {
  const x = ones([2], { requiresGrad: true });
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(isGradEnabled(), true);
  assert.throws(() => noGrad(() => { throw new Error("boom"); }), /boom/);
  assert.equal(isGradEnabled(), true);
  const z = noGrad(() => withGradEnabled(true, () => x.mul(2)));
  assert.equal(z.requiresGrad, true);
});

test("detach cuts the graph and shares the data", () => {
  const x = tensor([1, 2], undefined, { requiresGrad: true });
  const d = x.mul(3).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.isLeaf, true);
  const y = x.mul(d).sum(); // d is a constant here
  y.backward();
  assert.deepEqual(grad(x), [3, 6]);
  const e = x.detach();
  assert.equal(e.data, x.data);
});

test("retainGrad keeps a non-leaf's gradient; others stay null", () => {
  const x = tensor([1, 2], undefined, { requiresGrad: true });
  const h = x.mul(2).retainGrad();
  const k = h.add(1);
  k.mul(k).sum().backward();
  assert.deepEqual(grad(h), [2 * 3, 2 * 5]);
  assert.equal(k.grad, null);
  assert.deepEqual(grad(x), [12, 20]);
  assert.throws(() => tensor([1]).retainGrad(), GradError);
});

test("only inputs that require grad get gradients; isLeaf and gradFn", () => {
  const a = tensor([1, 2], undefined, { requiresGrad: true });
  const b = tensor([3, 4]);
  const y = a.mul(b);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn!.name, "mul");
  y.sum().backward();
  assert.deepEqual(grad(a), [3, 4]);
  assert.equal(b.grad, null);
  assert.equal(tensor([1]).add(tensor([2])).requiresGrad, false);
});

test("requiresGrad_ on leaves only", () => {
  const a = zeros([2]).requiresGrad_();
  assert.equal(a.requiresGrad, true);
  assert.throws(() => a.mul(2).requiresGrad_(false), (e: unknown) => e instanceof GradError && /leaf/.test((e as Error).message));
});

test("a deep chain backpropagates without recursion limits", () => {
  const x = tensor([1], undefined, { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.sum().backward();
  assert.deepEqual(grad(x), [1]);
});

test("a float64 branch sends its gradient back converted", () => {
  const x = tensor([1, 2], undefined, { requiresGrad: true });
  const y = x.to("float64").mul(tensor([0.5, 4], undefined, { dtype: "float64" })).sum();
  y.backward();
  assert.equal(x.grad!.dtype, "float32");
  assert.deepEqual(grad(x), [0.5, 4]);
});

test("in-place helpers change data without recording and refuse grad-requiring tensors outside noGrad", () => {
  const p = tensor([1, 2, 3], undefined, { requiresGrad: true });
  assert.throws(() => p.add_(1), (e: unknown) => e instanceof GradError && /add_.*noGrad/.test((e as Error).message));
  noGrad(() => p.add_(tensor([1, 1, 1]), -0.5).mul_(2));
  assert.deepEqual(p.toArray(), [1, 3, 5]);
  assert.equal(p.gradFn, null);
  const q = zeros([2, 3]);
  q.add_(tensor([1, 2, 3])).sub_(tensor([[1], [2]]), 2).div_(2);
  assert.deepEqual(q.toArray(), [[-0.5, 0, 0.5], [-1.5, -1, -0.5]]);
  q.copy_(arange(3)).mul_(tensor([[1], [-1]]));
  assert.deepEqual(q.toArray(), [[0, 1, 2], [-0, -1, -2]]);
  q.fill_(7);
  assert.deepEqual(q.toArray(), [[7, 7, 7], [7, 7, 7]]);
  q.copy_(tensor([1, 2, 3], undefined, { dtype: "float64" }).reshape([1, 3]));
  assert.deepEqual(q.toArray(), [[1, 2, 3], [1, 2, 3]]);
  q.zero_();
  assert.deepEqual(q.toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.throws(() => q.add_(ones([3, 3])), (e: unknown) => e instanceof ShapeError && /add_/.test((e as Error).message));
  assert.throws(() => q.mul_(ones([2], { dtype: "float64" })), DTypeError);
});

test("backward misuse throws GradError / ShapeError / DTypeError with the reason", () => {
  const x = tensor([1, 2], undefined, { requiresGrad: true });
  assert.throws(() => x.mul(2).backward(), (e: unknown) => e instanceof GradError && /scalar/.test((e as Error).message) && /\[2\]/.test((e as Error).message));
  assert.throws(() => tensor([1]).sum().backward(), (e: unknown) => e instanceof GradError && /does not require grad/.test((e as Error).message));
  assert.throws(() => x.mul(2).backward(tensor([1, 2, 3])), (e: unknown) => e instanceof ShapeError && /\[3\].*\[2\]/.test((e as Error).message));
  assert.throws(() => x.mul(2).backward(tensor([1, 2], undefined, { dtype: "float64" })), DTypeError);
  assert.throws(() => noGrad(() => x.mul(2)).sum().backward(), GradError);
});

test("cat records its own copy of the list: growing the caller's array later changes nothing (DenseNet's pattern)", () => {
  const a = tensor([1, 2], undefined, { requiresGrad: true });
  const b = tensor([3], undefined, { requiresGrad: true });
  const features = [a];
  const joined = cat(features);
  features.push(b);
  joined.mul(tensor([10, 20])).sum().backward();
  assert.deepEqual(grad(a), [10, 20]);
  assert.equal(b.grad, null);
  assert.deepEqual(joined.gradFn?.attrs, { dim: 0 });
});
