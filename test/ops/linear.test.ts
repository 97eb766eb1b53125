// linear against PyTorch fixtures, a float64 gradcheck, an independent loop computation and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, DTypeError, ShapeError, randn, zeros } from "../../src/index.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, rand64, gradcheckTest } from "../helpers/gradcheck.js";

test("linear matches PyTorch (forward and grads of x, weight, bias)", () => {
  const cases = loadCases("nn_ops", "linear");
  assert.ok(cases.length >= 20);
  for (const c of cases) checkCase(c, ({ x, weight, bias }) => F.linear(x!, weight!, c.args.bias ? bias! : null));
});

test("linear equals the plain sum y[r,o] = Σ_i x[r,i]·W[o,i] + b[o]", () => {
  const x = randn([3, 4]), w = randn([5, 4]), b = randn([5]);
  const y = F.linear(x, w, b);
  assert.deepEqual([...y.shape], [3, 5]);
  for (let r = 0; r < 3; r++) {
    for (let o = 0; o < 5; o++) {
      let s = b.data[o]!;
      for (let i = 0; i < 4; i++) s += x.data[r * 4 + i]! * w.data[o * 4 + i]!;
      assert.ok(Math.abs(y.data[r * 5 + o]! - s) < 1e-5);
    }
  }
});

gradcheckTest("gradcheck (float64): linear with and without bias, 1-D and 3-D inputs", () => {
  gradcheck((x, w, b) => F.linear(x, w, b), [rand64([3, 4], 1), rand64([2, 4], 2), rand64([2], 3)]);
  gradcheck((x, w) => F.linear(x, w), [rand64([2, 3, 4], 4), rand64([5, 4], 5)]);
  gradcheck((x, w, b) => F.linear(x, w, b), [rand64([4], 6), rand64([3, 4], 7), rand64([3], 8)]);
});

test("linear records its settings for export", () => {
  const w = randn([3, 2], { requiresGrad: true });
  const y = F.linear(randn([4, 2]), w, zeros([3]));
  assert.equal(y.gradFn?.name, "linear");
  assert.deepEqual(y.gradFn?.attrs, { inFeatures: 2, outFeatures: 3, bias: true });
});

test("bad input: typed errors naming the op, the shapes and the rule", () => {
  assert.throws(() => F.linear(randn([2, 400]), randn([120, 84])), (e: Error) => e instanceof ShapeError && e.message === "linear: input [2,400] has 400 features but weight [120,84] expects 84");
  assert.throws(() => F.linear(randn([2, 4]), randn([4])), (e: Error) => e instanceof ShapeError && /linear: weight must be \[out,in\], got \[4\]/.test(e.message));
  assert.throws(() => F.linear(randn([2, 4]), randn([3, 4]), randn([4])), (e: Error) => e instanceof ShapeError && /linear: bias \[4\] must be \[3\]/.test(e.message));
  assert.throws(() => F.linear(randn([]), randn([3, 4])), (e: Error) => e instanceof ShapeError && /at least 1 dim/.test(e.message));
  assert.throws(() => F.linear(randn([2, 4]), randn([3, 4], { dtype: "float64" })), (e: Error) => e instanceof DTypeError && /linear: input is float32 but weight is float64/.test(e.message));
});
