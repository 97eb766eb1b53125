// Losses against PyTorch fixtures (class indices and probabilities, label smoothing, weights, ignoreIndex, every
// reduction, segmentation targets), float64 gradchecks, hand-computed values and bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { F, Tensor, DTypeError, ShapeError, ValueError, randn, tensor } from "../../src/index.js";
import { checkCase, loadCases } from "../helpers/fixtures.js";
import { gradcheck, rand64, gradcheckTest } from "../helpers/gradcheck.js";
import type { Reduction } from "../../src/ops/loss.js";

test("crossEntropy matches PyTorch (indices, probabilities, labelSmoothing, weight, ignoreIndex, 4-D targets)", () => {
  const cases = loadCases("nn_ops", "crossEntropy");
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const a = c.args as { reduction: Reduction; labelSmoothing: number; weight: boolean; ignoreIndex: number };
    checkCase(c, ({ input, target, weight }) =>
      F.crossEntropy(input!, target!, { reduction: a.reduction, labelSmoothing: a.labelSmoothing, weight: a.weight ? weight! : null, ignoreIndex: a.ignoreIndex }));
  }
});

test("nllLoss matches PyTorch", () => {
  const cases = loadCases("nn_ops", "nllLoss");
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    const a = c.args as { reduction: Reduction; weight: boolean; ignoreIndex: number };
    checkCase(c, ({ logProbs, target, weight }) => F.nllLoss(logProbs!, target!, { reduction: a.reduction, weight: a.weight ? weight! : null, ignoreIndex: a.ignoreIndex }));
  }
});

test("mseLoss matches PyTorch", () => {
  const cases = loadCases("nn_ops", "mseLoss");
  assert.ok(cases.length >= 20);
  for (const c of cases) checkCase(c, ({ input, target }) => F.mseLoss(input!, target!, { reduction: c.args.reduction as Reduction }));
});

test("binaryCrossEntropy and binaryCrossEntropyWithLogits match PyTorch (grads of input and target)", () => {
  for (const c of loadCases("nn_ops", "binaryCrossEntropy")) {
    checkCase(c, ({ input, target, weight }) => F.binaryCrossEntropy(input!, target!, { reduction: c.args.reduction as Reduction, weight: c.args.weight ? weight! : null }));
  }
  for (const c of loadCases("nn_ops", "binaryCrossEntropyWithLogits")) {
    checkCase(c, ({ input, target, weight, posWeight }) => F.binaryCrossEntropyWithLogits(input!, target!, {
      reduction: c.args.reduction as Reduction, weight: c.args.weight ? weight! : null, posWeight: c.args.posWeight ? posWeight! : null,
    }));
  }
});

const f64 = (values: number[], shape: number[]): Tensor => tensor(Float64Array.from(values), shape);

gradcheckTest("gradcheck (float64): crossEntropy and nllLoss over reductions, smoothing, weights, ignored targets", () => {
  const target = f64([2, 0, -100, 1], [4]);
  const weight = f64([0.5, 2, 1.5], [3]);
  for (const reduction of ["mean", "sum", "none"] as const) {
    gradcheck((x) => F.crossEntropy(x, target, { reduction }), [rand64([4, 3], 1)]);
    gradcheck((x) => F.crossEntropy(x, target, { reduction, weight, labelSmoothing: 0.2 }), [rand64([4, 3], 2)]);
    gradcheck((x) => F.nllLoss(x, target, { reduction, weight }), [rand64([4, 3], 3)]);
  }
  const seg = f64([0, 1, 2, 1, 255, 0, 2, 2], [2, 2, 2]);
  gradcheck((x) => F.crossEntropy(x, seg, { ignoreIndex: 255, labelSmoothing: 0.1 }), [rand64([2, 3, 2, 2], 4)]);
  // probabilities: differentiable in both the logits and the target
  gradcheck((x, t) => F.crossEntropy(x, t, { labelSmoothing: 0.3, weight }), [rand64([2, 3, 2], 5), rand64([2, 3, 2], 6).abs()]);
});

gradcheckTest("gradcheck (float64): mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits", () => {
  gradcheck((a, b) => F.mseLoss(a, b), [rand64([3, 4], 1), rand64([3, 4], 2)]);
  gradcheck((a, b) => F.mseLoss(a, b, { reduction: "none" }), [rand64([5], 3), rand64([5], 4)]);
  const probs = () => rand64([3, 4], 5).sigmoid().mul(0.9).add(0.05);
  gradcheck((p, t) => F.binaryCrossEntropy(p, t, { weight: f64([1, 2, 0.5, 1], [4]) }), [probs(), rand64([3, 4], 6).sigmoid()], { eps: 1e-7 });
  gradcheck((x, t) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: f64([1, 3, 0.5, 2], [4]), reduction: "sum" }), [rand64([3, 4], 7).mul(3), rand64([3, 4], 8).sigmoid()]);
  gradcheck((x, t) => F.binaryCrossEntropyWithLogits(x, t, { weight: f64([2], [1]) }), [rand64([6], 9), rand64([6], 10).sigmoid()]);
});

test("crossEntropy by hand: −log softmax at the target, and the label-smoothing mix", () => {
  const x = tensor([[1, 2, 3]]);
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assert.ok(Math.abs(F.crossEntropy(x, tensor([0])).item() - (lse - 1)) < 1e-5);
  const eps = 0.3;
  const smooth = (1 - eps) * (lse - 1) + (eps / 3) * (3 * lse - 6);
  assert.ok(Math.abs(F.crossEntropy(x, tensor([0]), { labelSmoothing: eps }).item() - smooth) < 1e-5);
  // every target ignored: 'mean' is 0/0 = NaN, as PyTorch
  const xg = tensor([[1, 2, 3]], undefined, { requiresGrad: true });
  const allIgnored = F.crossEntropy(xg, tensor([-100]), { labelSmoothing: 0.1 });
  assert.ok(Number.isNaN(allIgnored.item()));
  allIgnored.backward();
  assert.ok(xg.grad!.data.every((v) => v === 0)); // PyTorch's gradient of that NaN is zero
  // binary cross entropy at p = 0 stays finite (log clamped at −100)
  assert.equal(F.binaryCrossEntropy(tensor([0]), tensor([1])).item(), 100);
});

test("bad input: typed errors naming the op, the index, the class count and the shapes", () => {
  const x = randn([3, 4]);
  assert.throws(() => F.crossEntropy(x, tensor([0, 4, 1])), (e: Error) => e instanceof ValueError && e.message === "crossEntropy: target 4 at position 1 is out of range for 4 classes (expected 0..3 or ignoreIndex -100)");
  assert.throws(() => F.crossEntropy(x, tensor([0, -1, 1])), (e: Error) => e instanceof ValueError && /target -1 at position 1 is out of range for 4 classes/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1.5, 1])), (e: Error) => e instanceof ValueError && /crossEntropy: target 1.5 at position 1 is not an integer class index \(4 classes\)/.test(e.message));
  assert.throws(() => F.nllLoss(x, tensor([0, 1, 9])), (e: Error) => e instanceof ValueError && /nllLoss: target 9 at position 2 is out of range for 4 classes/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1])), (e: Error) => e instanceof ShapeError && /crossEntropy: target \[2\] does not fit input \[3,4\]: class indices must be \[3\]/.test(e.message));
  assert.throws(() => F.crossEntropy(randn([2, 3, 4, 4]), randn([2, 4, 5])), (e: Error) => e instanceof ShapeError && /must be \[2,4,4\]/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2]), { weight: tensor([1, 1, 1]) }), (e: Error) => e instanceof ShapeError && /crossEntropy: weight \[3\] must be \[4\], one per class/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2]), { reduction: "avg" as Reduction }), (e: Error) => e instanceof ValueError && /reduction must be 'mean', 'sum' or 'none', got 'avg'/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2]), { labelSmoothing: 1.5 }), (e: Error) => e instanceof ValueError && /labelSmoothing must be in \[0, 1\], got 1.5/.test(e.message));
  assert.throws(() => F.crossEntropy(x, F.softmax(randn([3, 4]), 1), { ignoreIndex: 0 }), (e: Error) => e instanceof ValueError && /ignoreIndex \(0\) is not supported for class-probability targets/.test(e.message));
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2], undefined, { dtype: "float64" })), (e: Error) => e instanceof DTypeError);
  assert.throws(() => F.mseLoss(randn([3, 1]), randn([3])), (e: Error) => e instanceof ShapeError && /mseLoss: input \[3,1\] and target \[3\] must have the same shape/.test(e.message));
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([1, 0])), (e: Error) => e instanceof ValueError && /binaryCrossEntropy: input 1.5 at position 1 is not a probability/.test(e.message));
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 0.2]), tensor([1, 0, 1])), (e: Error) => e instanceof ShapeError && /target \[3\] must have the same shape as input \[2\]/.test(e.message));
  assert.throws(() => F.binaryCrossEntropyWithLogits(randn([2, 3]), randn([2, 3]), { posWeight: randn([4]) }), (e: Error) => e instanceof ShapeError);
});
